"""Grants: the stored form, the grant token, and what a grant allows.

A grant lives on its key (``Key.grants``, by GrantId, in creation order), so deleting a key
deletes its grants with it. A grant token names the grant it was issued for and is signed
with the mock's secret: a token from another mock, or one a caller made up, does not decode.
Access control (a later layer) reads grants through ``Grant.permits`` and ``find_by_token``;
this module only stores and checks them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kmsmock.backend.state import Key, World
from kmsmock.errors import KmsError

EQUALS = "EncryptionContextEquals"
SUBSET = "EncryptionContextSubset"
# The grant operations whose requests carry an encryption context (on a symmetric key), the
# only ones an encryption context constraint applies to.
TAKES_CONTEXT = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncryptFrom",
        "ReEncryptTo",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
    }
)
_TOKEN_PREFIX = "kmsmock-grant"
_MAC_BYTES = 16


@dataclass(slots=True)
class Grant:
    grant_id: str  # 64 hex digits, as AWS's
    key_arn: str
    seq: int  # creation order within the world: ListGrants and its markers follow it
    created: datetime
    grantee_principal: str | None  # None for a grant to a service principal
    issuing_account: str  # arn:<partition>:iam::<account>:root
    operations: tuple[str, ...]
    name: str | None = None
    retiring_principal: str | None = None
    # {"EncryptionContextEquals": {...}} or {"EncryptionContextSubset": {...}}; None if none.
    constraints: dict[str, dict[str, str]] | None = None
    # A grant to an AWS service principal (e.g. "logs.amazonaws.com") names it here, with the
    # resource it acts for (the SourceArn constraint) and a retiring principal of either kind.
    grantee_service_principal: str | None = None
    retiring_service_principal: str | None = None
    source_arn: str | None = None

    def same_request(self, other: Grant) -> bool:
        """Whether ``other`` (a CreateGrant with this grant's Name) asks for this very grant
        again."""
        return (
            self.grantee_principal == other.grantee_principal
            and self.grantee_service_principal == other.grantee_service_principal
            and self.retiring_principal == other.retiring_principal
            and self.retiring_service_principal == other.retiring_service_principal
            and set(self.operations) == set(other.operations)
            and self.constraints == other.constraints
            and self.source_arn == other.source_arn
        )

    def entry(self) -> dict[str, Any]:
        """The grant as ListGrants and ListRetirableGrants show it."""
        entry: dict[str, Any] = {
            "KeyId": self.key_arn,
            "GrantId": self.grant_id,
            "Name": self.name,
            "CreationDate": self.created,
            "GranteePrincipal": self.grantee_principal,
            "GranteeServicePrincipal": self.grantee_service_principal,
            "RetiringPrincipal": self.retiring_principal,
            "RetiringServicePrincipal": self.retiring_service_principal,
            "IssuingAccount": self.issuing_account,
            "Operations": list(self.operations),
        }
        constraints: dict[str, Any] = {}
        if self.constraints is not None:
            constraints = {k: dict(v) for k, v in self.constraints.items()}
        if self.source_arn is not None:
            constraints["SourceArn"] = self.source_arn
        if constraints:
            entry["Constraints"] = constraints
        return entry

    def permits(self, operation: str, encryption_context: Mapping[str, str] | None) -> bool:
        """Whether this grant allows ``operation`` (a grant operation name) for a request with
        ``encryption_context``, judged by the grant alone (not its grantee).

        As AWS documents it: a constraint applies only to operations that take an encryption
        context; in it, keys match case-insensitively and values case-sensitively.
        """
        return self.refusal(operation, encryption_context) is None

    def refusal(self, operation: str, encryption_context: Mapping[str, str] | None) -> str | None:
        """Why this grant does not allow ``operation`` with ``encryption_context``, in words
        (None when it does): what a denied request's explanation says of the grant."""
        if operation not in self.operations:
            return (
                f"does not list {operation} in its operations {json.dumps(list(self.operations))}"
            )
        if self.source_arn is not None:
            # Only a request made on behalf of that resource (aws:SourceArn) may use the
            # grant; a caller kmsmock serves never acts for a resource.
            return f"is only for requests made on behalf of {self.source_arn}"
        if self.constraints is None or operation not in TAKES_CONTEXT:
            return None
        given = {k.lower(): v for k, v in (encryption_context or {}).items()}
        for kind, wanted in self.constraints.items():
            required = {k.lower(): v for k, v in wanted.items()}
            if kind == EQUALS and given != required:
                return (
                    f"requires the encryption context to equal {json.dumps(dict(wanted))}; "
                    f"the request's is {json.dumps(dict(encryption_context or {}))}"
                )
            if kind == SUBSET and any(given.get(k) != v for k, v in required.items()):
                return (
                    f"requires the encryption context to include {json.dumps(dict(wanted))}; "
                    f"the request's is {json.dumps(dict(encryption_context or {}))}"
                )
        return None


@dataclass(frozen=True, slots=True)
class TokenRef:
    """What a grant token names."""

    account: str
    region: str
    key_id: str
    grant_id: str


def new_grant_id() -> str:
    return os.urandom(32).hex()


def encode_token(world: World, key: Key, grant_id: str) -> str:
    """A new token for the grant: each call gives a different one (AWS's are unique per
    CreateGrant request), and every token of a grant works alike."""
    nonce = base64.b64encode(os.urandom(12)).decode()
    payload = json.dumps(
        [_TOKEN_PREFIX, key.account, key.region, key.key_id, grant_id, nonce],
        separators=(",", ":"),
    ).encode()
    mac = hmac.new(world.secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(payload + mac).decode().rstrip("=")


def require_valid_tokens(world: World, tokens: list[str]) -> None:
    """AWS's InvalidGrantTokenException unless this mock issued every one of ``tokens``."""
    for token in tokens:
        if decode_token(world, token) is None:
            # The model's description of the exception; AWS's own text is not recorded.
            raise KmsError("InvalidGrantTokenException", "The grant token is not valid.")


def decode_token(world: World, token: str) -> TokenRef | None:
    """The grant ``token`` names, or None if this mock did not issue it."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    expected = hmac.new(world.secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]
    if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, expected):
        return None
    prefix, account, region, key_id, grant_id, _ = json.loads(payload)
    if prefix != _TOKEN_PREFIX:
        return None
    return TokenRef(account, region, key_id, grant_id)


def find_by_token(world: World, token: str) -> tuple[Key, Grant] | None:
    """The key and grant a token names, if the token is this mock's and the grant exists."""
    ref = decode_token(world, token)
    if ref is None:
        return None
    where = world.regions.get((ref.account, ref.region))
    key = where.keys.get(ref.key_id) if where is not None else None
    grant = key.grants.get(ref.grant_id) if key is not None and key.grants else None
    if key is None or grant is None:
        return None
    return key, grant

"""Grant tokens: issued for a grant, signed with the mock's secret, and resolved back to it.

A grant lives on its key (``Key.grants``, by GrantId, in creation order: keys.py, with what a
grant allows), so deleting a key deletes its grants with it. A token names the grant it was
issued for: a token from another mock, or one a caller made up, does not decode.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from dataclasses import dataclass

from kmsmock.backend.keys import Grant, Key
from kmsmock.backend.state import World
from kmsmock.errors import KmsError

_TOKEN_PREFIX = "kmsmock-grant"
_MAC_BYTES = 16


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

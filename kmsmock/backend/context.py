"""What an operation knows about the request it serves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kmsmock.backend.state import RegionState, World
from kmsmock.policy.model import Caller

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

    from kmsmock.crypto.attestation import Attestation


@dataclass(slots=True)
class RequestContext:
    operation: str
    account: str
    region: str
    partition: str
    world: World
    now: datetime  # read once per request: every timestamp of one request is the same
    request_id: str = ""  # the x-amzn-RequestId of the response
    # Who asks; the root of ``account`` when not given (callers outside a request: tests, bench).
    caller: Caller | None = None
    # The request's parameters, for the condition keys authorization reads from them.
    params: Mapping[str, Any] = field(default_factory=dict)
    # The ARN of the key the request resolved (noted by authorization), for its audit event.
    key_arn: str | None = None
    # A Nitro enclave's verified attestation document and its RSA key, when the request has a
    # Recipient (backend/recipient.py): the plaintext is returned encrypted for that key.
    recipient: Attestation | None = None
    recipient_key: RSAPublicKey | None = None

    @property
    def here(self) -> RegionState:
        """The caller's own account and region."""
        return self.world.region(self.account, self.region, self.partition)

    @property
    def who(self) -> Caller:
        caller = self.caller
        if caller is None:
            arn = f"arn:{self.partition}:iam::{self.account}:root"
            caller = self.caller = Caller(arn, self.account, arn, "Account", self.partition)
        return caller

    @property
    def principal_arn(self) -> str:
        """Who is calling, as AccessDeniedException names them."""
        return self.who.arn

    def arn(self, resource: str, *, account: str | None = None, region: str | None = None) -> str:
        return (
            f"arn:{self.partition}:kms:{region or self.region}:{account or self.account}:{resource}"
        )

"""Fault injection: a test makes chosen KMS requests fail on purpose, to exercise retry logic.

Rules are checked in ``registry.dispatch`` after the request is parsed and validated and before
the operation runs, so a failed attempt changes no state. Each request botocore sends is one
attempt: botocore's own retries (throttling, HTTP 5xx) each meet the rules again.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kmsmock.backend.criteria import (
    check_key,
    check_operation,
    check_principal,
    known_keys,
    known_principals,
)
from kmsmock.errors import KmsError, KmsMockUsageError

if TYPE_CHECKING:
    from kmsmock.backend.context import RequestContext
    from kmsmock.backend.state import World

__all__ = ["THROTTLING_MESSAGE", "Fault", "Faults", "request_key_ids"]

# AWS's message (KMS developer guide, "Throttling AWS KMS requests"); SDKs append the
# "(Service: AWSKMS; Status Code: 400; ...)" suffix themselves.
THROTTLING_MESSAGE = (
    "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls."
)
# The model's documentation of KMSInternalException; AWS's exact message is not recorded.
INTERNAL_MESSAGE = (
    "The request was rejected because an internal exception occurred. The request can be retried."
)
_DEFAULT_MESSAGES = {
    "ThrottlingException": THROTTLING_MESSAGE,
    "KMSInternalException": INTERNAL_MESSAGE,
}
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9]*")
# Parameters that name a key, in the operations that take one.
_KEY_PARAMS = ("KeyId", "SourceKeyId", "DestinationKeyId", "TargetKeyId")


@dataclass(eq=False)
class Fault:
    """One rule. ``hits`` counts the requests it failed, ``attempts`` every request it matched
    (failed or not) while installed: with botocore retrying, ``attempts`` is what reached KMS."""

    operation: str
    code: str
    message: str
    times: int | None  # how many requests to fail; None: every matching one
    key: str | None = None
    principal: str | None = None
    probability: float | None = None
    seed: int | None = None
    hits: int = 0
    attempts: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


class Faults:
    """The rules in force, oldest first; the first one that fires decides."""

    def __init__(self) -> None:
        self.rules: list[Fault] = []

    def add(
        self,
        operation: str,
        *,
        code: str,
        message: str | None,
        times: int | None,
        key: str | None,
        principal: str | None,
        probability: float | None,
        seed: int | None,
        world: World,
    ) -> Fault:
        """Add a rule, once its criteria are checked. Only their shapes are: a rule may be
        added before the key or alias it names exists (an alias the test creates next, keys
        a seed file loads later, a replica not made yet). ``world`` gives the names a
        misspelt key or principal is compared with."""
        check_operation(operation)
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            raise KmsMockUsageError(
                f"code must be an error code like 'KMSInternalException'; got {code!r}"
            )
        if message is not None and not isinstance(message, str):
            raise KmsMockUsageError(f"message must be a string; got {message!r}")
        if times is not None and (
            isinstance(times, bool) or not isinstance(times, int) or times < 1
        ):
            raise KmsMockUsageError(f"times must be a positive integer or None; got {times!r}")
        if probability is not None and (
            isinstance(probability, bool)
            or not isinstance(probability, (int, float))
            or not 0.0 < probability <= 1.0
        ):
            raise KmsMockUsageError(
                f"probability must be a number greater than 0 and at most 1; got {probability!r}"
            )
        if seed is not None and probability is None:
            raise KmsMockUsageError("seed only applies with probability=")
        if key is not None:
            check_key(key, known=lambda: known_keys(world))
        if principal is not None:
            check_principal(principal, known=lambda: known_principals(world))
        fault = Fault(
            operation,
            code,
            _DEFAULT_MESSAGES.get(code, "") if message is None else message,
            times,
            key,
            principal,
            None if probability is None else float(probability),
            seed,
            _rng=random.Random(seed),
        )
        self.rules.append(fault)
        return fault

    def check(self, context: RequestContext, params: Mapping[str, Any]) -> None:
        """Raise the error of the first rule that fires for this request."""
        keys: set[str] | None = None
        for fault in self.rules:
            if fault.operation != context.operation:
                continue
            if fault.principal is not None and fault.principal not in (
                context.who.arn,
                context.who.principal_arn,
            ):
                continue
            if fault.key is not None:
                if keys is None:
                    keys = request_key_ids(context, params)
                if _key_id(context, fault.key) not in keys:
                    continue
            fault.attempts += 1
            if fault.exhausted:
                continue
            # Drawn only for matching requests, so a seed replays the same sequence whatever
            # else the test calls.
            if fault.probability is not None and fault._rng.random() >= fault.probability:
                continue
            fault.hits += 1
            raise KmsError(fault.code, fault.message)


def _key_id(context: RequestContext, value: str) -> str | None:
    """The key ID ``value`` (key ID, key ARN, alias name or alias ARN) names, without
    authorizing anyone: a rule matches whatever the caller may do with the key."""
    account, region, name = context.account, context.region, value
    if value.startswith("arn:"):
        parts = value.split(":", 5)
        if len(parts) != 6:
            return None
        region, account, name = parts[3], parts[4], parts[5]
        if name.startswith("key/"):
            return name[len("key/") :]
    if name.startswith("alias/"):
        state = context.world.regions.get((account, region))
        alias = None if state is None else state.aliases.get(name)
        return None if alias is None else alias.target_key_id
    return name


def request_key_ids(context: RequestContext, params: Mapping[str, Any]) -> set[str]:
    """The IDs of the keys a request names, including the key of a ciphertext that names
    none (Decrypt, ReEncrypt without KeyId)."""
    found: set[str] = set()
    for param in _KEY_PARAMS:
        value = params.get(param)
        if isinstance(value, str):
            key_id = _key_id(context, value)
            if key_id is not None:
                found.add(key_id)
    blob = params.get("CiphertextBlob")
    if isinstance(blob, bytes):
        from kmsmock.crypto import ciphertext

        try:
            parsed = ciphertext.parse(blob)
        except ciphertext.InvalidCiphertext:
            return found
        ref = ciphertext.read_reference(context.world.secret, parsed.ref)
        if ref is not None:
            found.add(ref.key_id)
    return found

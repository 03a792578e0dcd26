"""Fault injection: a test makes chosen KMS requests fail on purpose, to exercise retry logic.

The rules are state (here); ``kms.fail()`` checks and adds them (mocking/injection.py), and
the request pipeline applies them (operations/gates.py) after the request is parsed and
validated and before the operation runs, so a failed attempt changes no state. Each request
botocore sends is one attempt: botocore's own retries (throttling, HTTP 5xx) each meet the
rules again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["DEFAULT_MESSAGES", "INTERNAL_MESSAGE", "THROTTLING_MESSAGE", "Fault", "Faults"]

# AWS's message (KMS developer guide, "Throttling AWS KMS requests"); SDKs append the
# "(Service: AWSKMS; Status Code: 400; ...)" suffix themselves.
THROTTLING_MESSAGE = (
    "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls."
)
# The model's documentation of KMSInternalException; AWS's exact message is not recorded.
INTERNAL_MESSAGE = (
    "The request was rejected because an internal exception occurred. The request can be retried."
)
DEFAULT_MESSAGES = {
    "ThrottlingException": THROTTLING_MESSAGE,
    "KMSInternalException": INTERNAL_MESSAGE,
}


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

    def add(self, fault: Fault) -> Fault:
        self.rules.append(fault)
        return fault

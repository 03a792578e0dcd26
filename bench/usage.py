"""Metrics of issue 8: what recording, fault rules and quotas add to a call (see scenarios.py
for the harness).

The floor and moto have none of these: they run the plain call, so each row's ratio to the
floor is what kmsmock costs with the feature in force, to compare with the plain "Encrypt
1 KiB" row of the same run.
"""

from __future__ import annotations

from typing import Any

from contenders import Contender
from scenarios import KIB, Settings, _key, _timed


def _encrypt_with(contender: Contender, settings: Settings, arrange: Any) -> float:
    with contender.active():
        client = contender.client()
        key_id = _key(client, contender)
        mock = getattr(contender, "mock", None)
        if mock is not None:
            arrange(mock)
        return _timed(settings, lambda: client.encrypt(KeyId=key_id, Plaintext=KIB))


def encrypt_unrecorded(contender: Contender, settings: Settings) -> float:
    """Encrypt with kmsmock's audit log off (``kms.configure(audit_events_kept=0)``): the plain
    Encrypt row minus this one is what recording an event costs."""
    return _encrypt_with(contender, settings, lambda mock: mock.configure(audit_events_kept=0))


def encrypt_with_quotas(contender: Contender, settings: Settings) -> float:
    """Encrypt with AWS's request-rate quotas enforced, raised so the benchmark's own rate
    never meets them (the sliding window is still counted on every call)."""
    return _encrypt_with(
        contender,
        settings,
        lambda mock: mock.enable_quotas({"cryptographic-symmetric": 1e9}),
    )


def encrypt_with_a_fault_rule(contender: Contender, settings: Settings) -> float:
    """Encrypt while a fault rule for another operation (Decrypt) is in force: every request
    is matched against the rules."""
    return _encrypt_with(contender, settings, lambda mock: mock.fail("Decrypt"))

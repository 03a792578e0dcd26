"""The whole probe catalogue: each domain's probes, and the members many operations share
(KeyId, DryRun, GrantTokens, CustomKeyStoreId, Limit, Marker), probed alike wherever the
operation's base request allows it."""

from __future__ import annotations

from typing import Any

import drift_probes_crypto
import drift_probes_grants
import drift_probes_keys
from drift_survey import (
    ABSENT,
    BASES,
    KEEP,
    PROBES,
    Clients,
    Ctx,
    Differs,
    Probe,
    answer,
    input_members,
)

from kmsmock import mock_kms

MISSING_KEY = drift_probes_crypto.MISSING_KEY
DOMAINS = (drift_probes_crypto, drift_probes_grants, drift_probes_keys)


def _shared(operation: str, member: str, request: dict[str, Any]) -> Probe | None:
    """The probe of a member many operations share, for ``operation`` (whose base request is
    ``request``), or None."""
    if member == "KeyId" and "KeyId" in request:
        return Differs(KEEP, MISSING_KEY)
    if member == "DryRun":
        return Differs(ABSENT, True)
    if member == "GrantTokens":
        return Differs(ABSENT, ["not-a-grant-token"])
    if member == "CustomKeyStoreId" and "CustomKeyStoreId" in request:
        return Differs(KEEP, drift_probes_grants.MISSING_STORE)
    if member == "Limit":
        return Differs(ABSENT, 1, answer("Truncated"))
    if member == "Marker":
        return Differs(ABSENT, "bogus")
    return None


def catalogue(clients: Clients) -> dict[str, Probe]:
    """Every probe, the shared ones made for the loaded model's operations (each base request
    is made once, in a mock of its own, to see which members it has)."""
    found = dict(PROBES)
    requests: dict[str, dict[str, Any]] = {}
    for member in input_members():
        operation, path = member.split(".", 1)
        if member in found or operation not in BASES or "." in path:
            continue
        if operation not in requests:
            with mock_kms() as kms:
                requests[operation] = BASES[operation](Ctx(kms, clients))
        shared = _shared(operation, path, requests[operation])
        if shared is not None:
            found[member] = shared
    return found

"""``dispatch`` serves one request with the operation registered under its name (table.py)."""

from __future__ import annotations

from kmsmock.backend.authorize import KEYLESS, authorize_account
from kmsmock.backend.context import RequestContext
from kmsmock.backend.lifecycle import settle
from kmsmock.errors import NotImplementedOperation
from kmsmock.operations.gates import check_faults, check_quotas
from kmsmock.operations.table import OPERATIONS, Params, Result


def implemented() -> frozenset[str]:
    _load()
    return frozenset(OPERATIONS)


def is_implemented(name: str) -> bool:
    _load()
    return name in OPERATIONS


def dispatch(context: RequestContext, params: Params) -> Result:
    _load()
    func = OPERATIONS.get(context.operation)
    if func is None:
        raise NotImplementedOperation(context.operation)
    world = context.world
    with world.lock:
        # Time-driven transitions first (deletions, automatic rotations), each at the instant
        # it was due; the check is O(1) when nothing is.
        if world.due and world.due[0][0] <= context.now:
            settle(world, context.now)
        # Injected faults, then request-rate quotas (both None unless a test asked for them):
        # before the operation, so a failed attempt changes nothing.
        if world.faults is not None:
            check_faults(world.faults, context, params)
        if world.quotas is not None:
            check_quotas(world.quotas, context, params)
        if "Recipient" in params:
            # Verified before authorization: its PCRs are condition keys (recipient.py).
            from kmsmock.operations.recipient import attest

            attest(context, params["Recipient"])
        if "GrantTokens" in params:
            # Every operation that takes grant tokens refuses one this mock did not issue (the
            # model lists InvalidGrantTokenException for each); grants take effect at once
            # here, so a valid token changes nothing else.
            from kmsmock.backend.grant_tokens import require_valid_tokens

            require_valid_tokens(world, params["GrantTokens"])
        if context.operation in KEYLESS:
            # Operations on a key are authorized when they resolve it (identifiers.py).
            authorize_account(context)
        return func(context, params)


_loaded = False


def _load() -> None:
    """Import every operation module, which registers its operations (on the first request:
    a test that never makes one does not pay for them)."""
    global _loaded
    if not _loaded:
        from kmsmock.operations import (  # noqa: F401
            aliases,
            custom_key_stores,
            data_key_pairs,
            encapsulation,
            encryption,
            grants,
            importing,
            key_agreement,
            key_lifecycle,
            key_policies,
            mac,
            multi_region,
            rotation,
            signing,
            tags,
        )

        _loaded = True

"""Operations register by their API name; ``dispatch`` serves one request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kmsmock.backend.authorize import KEYLESS, authorize_account
from kmsmock.backend.context import RequestContext
from kmsmock.backend.lifecycle import settle
from kmsmock.errors import NotImplementedOperation

Params = dict[str, Any]
Result = dict[str, Any]
Operation = Callable[[RequestContext, Params], Result]

_OPERATIONS: dict[str, Operation] = {}


def operation(name: str) -> Callable[[Operation], Operation]:
    """Register ``func`` as the implementation of the KMS operation ``name``."""

    def register(func: Operation) -> Operation:
        if name in _OPERATIONS:
            raise RuntimeError(f"KMS operation {name} is registered twice")
        _OPERATIONS[name] = func
        return func

    return register


def implemented() -> frozenset[str]:
    _load()
    return frozenset(_OPERATIONS)


def is_implemented(name: str) -> bool:
    _load()
    return name in _OPERATIONS


def dispatch(context: RequestContext, params: Params) -> Result:
    _load()
    func = _OPERATIONS.get(context.operation)
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
            world.faults.check(context, params)
        if world.quotas is not None:
            world.quotas.check(context, params)
        if "Recipient" in params:
            # Verified before authorization: its PCRs are condition keys (recipient.py).
            from kmsmock.backend.recipient import attest

            attest(context, params["Recipient"])
        if "GrantTokens" in params:
            # Every operation that takes grant tokens refuses one this mock did not issue (the
            # model lists InvalidGrantTokenException for each); grants take effect at once
            # here, so a valid token changes nothing else.
            from kmsmock.backend.grants import require_valid_tokens

            require_valid_tokens(world, params["GrantTokens"])
        if context.operation in KEYLESS:
            # Operations on a key are authorized when they resolve it (identifiers.py).
            authorize_account(context)
        return func(context, params)


_loaded = False


def _load() -> None:
    global _loaded
    if not _loaded:
        import kmsmock.backend.ops  # noqa: F401  (registers every operation)

        _loaded = True

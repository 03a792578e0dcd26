"""What a test injects into a mock's requests: failures (``kms.fail``, ``kms.throttle``) and
AWS's request-rate quotas (``kms.enable_quotas``). ``KmsMock`` has these methods from
``Injection``; the rules are the world's state (backend/faults.py, backend/quotas.py), applied
to each request by operations/gates.py."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping

from kmsmock.backend.criteria import (
    check_key,
    check_operation,
    check_principal,
    known_keys,
    known_principals,
)
from kmsmock.backend.faults import DEFAULT_MESSAGES, Fault, Faults
from kmsmock.backend.state import World
from kmsmock.errors import KmsMockUsageError, keywords_checked

_CODE = re.compile(r"[A-Za-z][A-Za-z0-9]*")


class Injection:
    """The methods of ``KmsMock`` that inject failures and quotas (docs/testing-retries.md)."""

    __slots__ = ()

    @property
    def world(self) -> World:
        raise NotImplementedError  # KmsMock's

    @keywords_checked("kms.fail()")
    def fail(
        self,
        operation: str,
        *,
        code: str = "KMSInternalException",
        message: str | None = None,
        times: int | None = None,
        key: str | None = None,
        principal: str | None = None,
        probability: float | None = None,
        seed: int | None = None,
    ) -> Fault:
        """Make requests of ``operation`` fail with ``code`` (and ``message``; AWS's for
        ThrottlingException and KMSInternalException if not given)::

            kms.fail("Decrypt", code="KMSInternalException", times=2)

        ``times``: fail that many matching requests, then serve them (None: all of them).
        ``key`` (key ID, key ARN, alias name or alias ARN) and ``principal`` (an ARN, as
        ``credentials()`` takes it) narrow the requests that match; a misspelt operation or
        argument, or a key or principal of the wrong shape, is a ``KmsMockUsageError``, but the
        key or alias need not exist yet. ``probability`` fails each matching request
        with that chance, drawn from a generator seeded with ``seed`` (reproducible).
        Each attempt botocore makes is one request: its retries meet the rule again. The
        returned rule counts ``hits`` (requests failed) and ``attempts`` (requests matched).
        """
        world = self.world
        fault = new_fault(
            operation,
            code=code,
            message=message,
            times=times,
            key=key,
            principal=principal,
            probability=probability,
            seed=seed,
            world=world,
        )
        with world.lock:
            if world.faults is None:
                world.faults = Faults()
            return world.faults.add(fault)

    @keywords_checked("kms.throttle()")
    def throttle(
        self,
        operation: str,
        *,
        times: int | None = None,
        key: str | None = None,
        principal: str | None = None,
        probability: float | None = None,
        seed: int | None = None,
    ) -> Fault:
        """Answer requests of ``operation`` with ThrottlingException (HTTP 400, AWS's message),
        ``times`` times; botocore retries it. Otherwise as ``fail()``."""
        return self.fail(
            operation,
            code="ThrottlingException",
            times=times,
            key=key,
            principal=principal,
            probability=probability,
            seed=seed,
        )

    @property
    def faults(self) -> list[Fault]:
        """The fault rules in force, oldest first."""
        faults = self.world.faults
        return [] if faults is None else list(faults.rules)

    @property
    def fault_hits(self) -> dict[str, int]:
        """Requests failed by injected faults, by operation."""
        hits: dict[str, int] = {}
        for fault in self.faults:
            hits[fault.operation] = hits.get(fault.operation, 0) + fault.hits
        return hits

    def clear_faults(self) -> None:
        """Remove every fault rule: requests are served normally again."""
        world = self.world
        with world.lock:
            world.faults = None

    def enable_quotas(self, limits: Mapping[str, float] | None = None) -> None:
        """Enforce AWS's request-rate quotas (per account, Region and quota, over one second
        of the mock clock): over a quota, ThrottlingException. ``limits`` overrides numbers of
        ``kmsmock.backend.quotas.DEFAULT_LIMITS`` (quota name -> requests per second), e.g.
        ``{"CreateKey": 2, "cryptographic-symmetric": 10}``. Calling it again starts counting
        afresh."""
        from kmsmock.backend.quotas import Quotas

        quotas = Quotas(limits)
        world = self.world
        with world.lock:
            world.quotas = quotas

    def disable_quotas(self) -> None:
        """Stop enforcing request-rate quotas."""
        world = self.world
        with world.lock:
            world.quotas = None

    @property
    def quota_limits(self) -> dict[str, float]:
        """The request-rate quotas, in requests per second by quota name: those in force, or
        AWS's defaults (the 2023 KMS Developer Guide) while quotas are off. The shared
        ``cryptographic-symmetric`` quota depends on the Region (5,500, 10,000 or 50,000)
        unless ``enable_quotas`` set it, so it is listed only then."""
        from kmsmock.backend.quotas import DEFAULT_LIMITS

        quotas = self.world.quotas
        return dict(DEFAULT_LIMITS if quotas is None else quotas.limits)


def new_fault(
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
    """A new rule, once its criteria are checked. Only their shapes are: a rule may be
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
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
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
        DEFAULT_MESSAGES.get(code, "") if message is None else message,
        times,
        key,
        principal,
        None if probability is None else float(probability),
        seed,
        _rng=random.Random(seed),
    )
    return fault

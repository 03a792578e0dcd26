"""The cost report: what the usage a mock has seen would cost on AWS (``KmsMock.cost()``).

Key storage comes from the keys (live ones) and the ledger (deleted ones,
kmsmock/backend/billing.py): each customer managed key is billed from its creation until it was
scheduled for deletion (or until the end of the period), by the millisecond of the mock clock,
a month being ``hours_per_month`` hours; each of its first ``rotations_billed`` rotations adds
``rotation_month`` from the rotation until the same end. Requests come from the ledger's counts
by (paying account, Region, price class, hour); the free tier is applied per account and
calendar month, to the month's earliest requests first.

Every amount is a ``Decimal`` in USD, each charge rounded to 10 decimal places (half even)
before it is summed, so reports compare exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation, localcontext
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from kmsmock.aws import clock
from kmsmock.cost import prices
from kmsmock.errors import KmsMockUsageError, did_you_mean

if TYPE_CHECKING:
    from kmsmock.backend.state import World

_PLACES = Decimal("1e-10")
_MS_PER_HOUR = 3_600_000
_MS = timedelta(milliseconds=1)  # the mock clock's resolution, as AWS's timestamps
# Wide enough for any sum of charges the ledger can hold, whatever the caller's context says.
_CONTEXT = Context(prec=40)


@dataclass(frozen=True, kw_only=True)
class Charges:
    """What one scope (a Region of an account, an account, or the whole report) costs."""

    key_hours: Decimal  # hours of customer managed keys billed (pending deletion excluded)
    key_months: Decimal  # key_hours / hours_per_month
    rotation_months: Decimal  # months of rotation material billed
    key_charges: Decimal  # key_months * key_month
    rotation_charges: Decimal  # rotation_months * rotation_month
    requests: Mapping[str, int]  # requests served, by price class (every class listed)
    free_tier_requests: int  # of those, the requests the free tier covered
    request_charges: Decimal
    total: Decimal


@dataclass(frozen=True, kw_only=True)
class RegionCost(Charges):
    """The charges of one account in one Region."""

    account: str
    region: str


@dataclass(frozen=True, kw_only=True)
class AccountCost(Charges):
    """The charges of one account, and of each Region it used (``regions``)."""

    account: str
    regions: Mapping[str, RegionCost]


@dataclass(frozen=True, kw_only=True)
class CostReport(Charges):
    """What the usage recorded in ``[start, end)`` would cost on AWS: the sums over every
    account, and each account's charges (``accounts``, by account ID)."""

    start: datetime | None  # None: from the first thing recorded
    end: datetime
    prices: Mapping[str, Decimal]
    accounts: Mapping[str, AccountCost] = field(default_factory=dict)

    def __str__(self) -> str:
        return _table(self)


def cost_report(
    world: World,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    prices: Mapping[str, Any] | None = None,
) -> CostReport:
    """The cost of ``world``'s usage in ``[start, end)`` (see ``KmsMock.cost``)."""
    table = price_table(prices)
    start = _instant("start", start)
    end_given = _instant("end", end)
    end = clock.now() if end_given is None else end_given
    if start is not None and start > end:
        raise KmsMockUsageError(f"start ({start.isoformat()}) is after end ({end.isoformat()})")
    with world.lock:
        # Rotations and deletions the clock has made due happen before the bill is read, as
        # they would before the next request.
        now = clock.now()
        if world.due and world.due[0][0] <= now:
            from kmsmock.backend.lifecycle import settle

            settle(world, now)
        key_ms, rotation_ms = _key_time(world, table, start, end)
        counts, free = _requests(world, table, start, end_given)
    with localcontext(_CONTEXT):
        return _report(table, start, end, key_ms, rotation_ms, counts, free)


def price_table(overrides: Mapping[str, Any] | None) -> MappingProxyType[str, Decimal]:
    """AWS's prices (kmsmock/cost/prices.py) with ``overrides`` applied, checked."""
    if overrides is None:
        return prices.PRICES
    if not isinstance(overrides, Mapping):
        raise KmsMockUsageError(
            f"prices must be a mapping of price names to amounts; got {type(overrides).__name__}"
        )
    table = dict(prices.PRICES)
    for name, value in overrides.items():
        if name not in table:
            raise KmsMockUsageError(
                f"unknown price {name!r}{did_you_mean(name, prices.PRICES)}; the prices are: "
                f"{', '.join(prices.PRICES)}"
            )
        table[name] = _amount(name, value)
    return MappingProxyType(table)


def _amount(name: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise KmsMockUsageError(
            f"price {name!r} must be a number (Decimal, int, str or float); got {value!r}"
        )
    try:
        # A float's shortest repr is what the user wrote (0.03, not 0.0299999...).
        amount = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        raise KmsMockUsageError(f"price {name!r} must be a number; got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise KmsMockUsageError(f"price {name!r} must be zero or more; got {value!r}")
    if name in prices.COUNTS and amount != amount.to_integral_value():
        raise KmsMockUsageError(f"{name!r} must be a whole number; got {value!r}")
    if name == "hours_per_month" and amount == 0:
        raise KmsMockUsageError(f"'hours_per_month' must be more than zero; got {value!r}")
    return amount


def _instant(name: str, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise KmsMockUsageError(f"{name} must be a datetime; got {value!r}")
    # Naive times are UTC, as the mock clock's are.
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


Scope = tuple[str, str]  # (account, Region)


def _key_time(
    world: World, table: Mapping[str, Decimal], start: datetime | None, end: datetime
) -> tuple[dict[Scope, int], dict[Scope, int]]:
    """Milliseconds of key storage and of billed rotation material in the period, by scope."""
    billed_rotations = int(table["rotations_billed"])
    key_ms: dict[Scope, int] = {}
    rotation_ms: dict[Scope, int] = {}

    def bill(
        scope: Scope, created: datetime, until: datetime, rotations: Iterable[datetime]
    ) -> None:
        key_ms[scope] = key_ms.get(scope, 0) + _overlap_ms(created, until, start, end)
        for index, rotated in enumerate(rotations):
            if index >= billed_rotations:
                break
            # A replica made after its primary rotated carries that material from its start.
            since = max(rotated, created)
            rotation_ms[scope] = rotation_ms.get(scope, 0) + _overlap_ms(since, until, start, end)

    billing = world.billing
    for (account, region), state in world.regions.items():
        for key in state.keys.values():
            if key.key_manager != "CUSTOMER":
                continue  # AWS managed keys are free
            until = billing.billed_until(key) or end
            bill((account, region), key.created, until, (m.created for m in key.rotations))
    for ended in billing.ended:
        bill((ended.account, ended.region), ended.created, ended.billed_until, ended.rotations)
    return key_ms, rotation_ms


def _overlap_ms(since: datetime, until: datetime, start: datetime | None, end: datetime) -> int:
    if start is not None and since < start:
        since = start
    if until > end:
        until = end
    if until <= since:
        return 0
    return (until - since) // _MS


def _requests(
    world: World, table: Mapping[str, Decimal], start: datetime | None, end: datetime | None
) -> tuple[dict[Scope, dict[str, int]], dict[Scope, dict[str, int]]]:
    """Requests in the period and, of those, the ones the free tier covers, by scope and class.

    The free tier is per account and calendar month across Regions, so it is worked out
    over each month's whole record, earliest hour first (within an hour, by Region and class),
    even where the period starts inside the month: requests before the period used it up.
    """
    allowance = int(table["free_tier_requests"])
    order = {name: index for index, name in enumerate(prices.REQUEST_CLASSES)}
    left: dict[tuple[str, int, int], int] = {}  # (account, year, month) -> free requests left
    counts: dict[Scope, dict[str, int]] = {}
    free: dict[Scope, dict[str, int]] = {}
    buckets = sorted(
        world.billing.request_counts().items(),
        key=lambda item: (item[0][3], item[0][1], order.get(item[0][2], len(order))),
    )
    for (account, region, price_class, hour), count in buckets:
        covered = 0
        if price_class in prices.FREE_TIER_CLASSES:
            month = (account, hour.year, hour.month)
            remaining = left.get(month, allowance)
            covered = min(remaining, count)
            left[month] = remaining - covered
        if (start is not None and hour < start) or (end is not None and hour >= end):
            continue
        scope = (account, region)
        by_class = counts.setdefault(scope, {})
        by_class[price_class] = by_class.get(price_class, 0) + count
        if covered:
            free_by_class = free.setdefault(scope, {})
            free_by_class[price_class] = free_by_class.get(price_class, 0) + covered
    return counts, free


def _report(
    table: Mapping[str, Decimal],
    start: datetime | None,
    end: datetime,
    key_ms: Mapping[Scope, int],
    rotation_ms: Mapping[Scope, int],
    counts: Mapping[Scope, Mapping[str, int]],
    free: Mapping[Scope, Mapping[str, int]],
) -> CostReport:
    month_ms = table["hours_per_month"] * _MS_PER_HOUR
    regions: dict[str, dict[str, RegionCost]] = {}
    scopes = (
        set(counts)
        | {s for s, ms in key_ms.items() if ms}
        | {s for s, ms in rotation_ms.items() if ms}
    )
    for account, region in sorted(scopes):
        scope = (account, region)
        kms_ = key_ms.get(scope, 0)
        rms = rotation_ms.get(scope, 0)
        key_months = Decimal(kms_) / month_ms
        rotation_months = Decimal(rms) / month_ms
        by_class = counts.get(scope, {})
        free_by_class = free.get(scope, {})
        request_charges = sum(
            (
                _money(
                    (by_class.get(name, 0) - free_by_class.get(name, 0))
                    * table[name]
                    / prices.REQUESTS_PER_PRICE
                )
                for name in prices.REQUEST_CLASSES
            ),
            Decimal(0),
        )
        key_charges = _money(key_months * table["key_month"])
        rotation_charges = _money(rotation_months * table["rotation_month"])
        regions.setdefault(account, {})[region] = RegionCost(
            account=account,
            region=region,
            key_hours=_money(Decimal(kms_) / _MS_PER_HOUR),
            key_months=_money(key_months),
            rotation_months=_money(rotation_months),
            key_charges=key_charges,
            rotation_charges=rotation_charges,
            requests=MappingProxyType(
                {name: by_class.get(name, 0) for name in prices.REQUEST_CLASSES}
            ),
            free_tier_requests=sum(free_by_class.values()),
            request_charges=request_charges,
            total=key_charges + rotation_charges + request_charges,
        )
    accounts = {
        account: AccountCost(
            account=account, regions=MappingProxyType(by_region), **_sums(by_region.values())
        )
        for account, by_region in regions.items()
    }
    return CostReport(
        start=start,
        end=end,
        prices=table,
        accounts=MappingProxyType(accounts),
        **_sums(accounts.values()),
    )


def _sums(parts: Iterable[Charges]) -> dict[str, Any]:
    parts = list(parts)
    zero = Decimal(0)
    return {
        "key_hours": sum((p.key_hours for p in parts), zero),
        "key_months": sum((p.key_months for p in parts), zero),
        "rotation_months": sum((p.rotation_months for p in parts), zero),
        "key_charges": sum((p.key_charges for p in parts), zero),
        "rotation_charges": sum((p.rotation_charges for p in parts), zero),
        "requests": MappingProxyType(
            {name: sum(p.requests[name] for p in parts) for name in prices.REQUEST_CLASSES}
        ),
        "free_tier_requests": sum(p.free_tier_requests for p in parts),
        "request_charges": sum((p.request_charges for p in parts), zero),
        "total": sum((p.total for p in parts), zero),
    }


def _money(amount: Decimal) -> Decimal:
    """``amount`` to 10 decimal places: exact enough for any bill, and comparable."""
    return amount.quantize(_PLACES, rounding=ROUND_HALF_EVEN)


def _table(report: CostReport) -> str:
    """The report as a plain-text table, amounts to 4 decimal places (the fields hold 10)."""
    start = "the start" if report.start is None else _when(report.start)
    lines = [
        f"AWS KMS cost estimate, {start} to {_when(report.end)} "
        f"(prices of {prices.SOURCE} as of {prices.TAKEN}, {prices.CURRENCY})",
    ]
    header = (
        "account",
        "region",
        "key-months",
        "rotation-months",
        "requests",
        "free tier",
        "keys $",
        "rotations $",
        "requests $",
        "total $",
    )
    rows: list[tuple[str, ...]] = [header]
    for account in report.accounts.values():
        for scope in account.regions.values():
            rows.append(_row(scope.account, scope.region, scope))
    rows.append(_row("total", "", report))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _row(account: str, region: str, charges: Charges) -> tuple[str, ...]:
    return (
        account,
        region,
        f"{charges.key_months:.4f}",
        f"{charges.rotation_months:.4f}",
        f"{sum(charges.requests.values()):,}",
        f"{charges.free_tier_requests:,}",
        f"{charges.key_charges:,.4f}",
        f"{charges.rotation_charges:,.4f}",
        f"{charges.request_charges:,.4f}",
        f"{charges.total:,.4f}",
    )


def _when(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")

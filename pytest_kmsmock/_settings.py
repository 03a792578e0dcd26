"""What the ``kms`` marker and the ini options may say, checked with errors that say what to do.

A setting comes from the closest place that gives it: the test's parametrization, then the
``kms`` marker on the test, its class, its module (``pytestmark``), then the ini options. The
mock's ``settings=`` are merged name by name the same way, except that a whole
``kmsmock.Settings`` hides every farther one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kmsmock import DEFAULT_ACCOUNT_ID, KmsMockUsageError
from kmsmock.aws.partitions import known_regions
from kmsmock.errors import did_you_mean
from kmsmock.settings import Settings, changes_from

KEYWORDS = (
    "region",
    "account_id",
    "regions",
    "account_ids",
    "enforce_policies",
    "settings",
    "integrations",
)
USAGE = (
    "pytest.mark.kms(region='eu-west-1', account_id='111122223333', "
    "regions=['us-east-1', 'eu-west-1'], account_ids=[...], enforce_policies=False, "
    "settings={'limits.tags_per_key': 5}, integrations=['s3', 'ssm', 'secretsmanager'])"
)
# A marker's settings=: a whole Settings, or changes by name (kmsmock.settings.changes_from).
MockSettings = Settings | dict[str, Any]
_ACCOUNT = re.compile(r"[0-9]{12}")


class SettingError(Exception):
    """A marker or ini option that cannot be used; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class Marked:
    """What the markers of one test say (None: not said)."""

    region: str | None = None
    account_id: str | None = None
    regions: tuple[str, ...] | None = None
    account_ids: tuple[str, ...] | None = None
    enforce_policies: bool | None = None
    settings: MockSettings | None = None
    # Service integrations (kmsmock/integrations): the services named, sorted.
    integrations: tuple[str, ...] | None = None


def check_region(region: object, where: str) -> str:
    if not isinstance(region, str):
        raise SettingError(f"{where}: a region is a string like 'eu-west-1'; got {region!r}")
    if region not in known_regions():
        hint = did_you_mean(region, sorted(known_regions()))
        raise SettingError(
            f"{where}: unknown region {region!r}: botocore knows no such AWS Region{hint}"
        )
    return region


def check_account(account: object, where: str) -> str:
    if not isinstance(account, str) or not _ACCOUNT.fullmatch(account):
        raise SettingError(
            f"{where}: an account ID is a string of 12 digits, like {DEFAULT_ACCOUNT_ID!r}; "
            f"got {account!r}"
        )
    return account


def _check_list(values: object, name: str, check: Any) -> tuple[str, ...]:
    where = f"pytest.mark.kms({name}=...)"
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise SettingError(f"{where}: {name} is a list, like {name}=[...]; got {values!r}")
    checked = tuple(check(value, where) for value in values)
    if not checked:
        raise SettingError(f"{where}: {name} is empty; give at least one")
    if len(set(checked)) != len(checked):
        raise SettingError(f"{where}: {name} names one more than once: {list(checked)!r}")
    return checked


def check_settings(value: object, where: str) -> MockSettings:
    """A marker's ``settings=``: a ``kmsmock.Settings``, or a dict of changes checked now."""
    if isinstance(value, Settings):
        return value
    if not isinstance(value, Mapping):
        raise SettingError(
            f"{where}: a kmsmock.Settings, or a dict of changes by name like "
            f"{{'limits.tags_per_key': 5, 'transition_delay': 30}}; got {value!r}"
        )
    try:
        return changes_from(value)
    except KmsMockUsageError as error:
        problem = str(error)
    raise SettingError(f"{where}: {problem}")  # outside `except`: no chained traceback


def ini_settings(lines: list[str]) -> dict[str, Any]:
    """The ``kms_settings`` ini option's changes, checked."""
    from kmsmock.settings import changes_from_lines

    try:
        return changes_from_lines(lines)
    except KmsMockUsageError as error:
        problem = str(error)
    raise SettingError(f"ini option kms_settings: {problem}")


def from_marker(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Marked:
    """The settings one ``kms`` marker gives, checked."""
    if args:
        raise SettingError(
            f"pytest.mark.kms takes keywords only, like {USAGE}; got positional arguments {args!r}"
        )
    for name in kwargs:
        if name not in KEYWORDS:
            close = difflib.get_close_matches(name, KEYWORDS, n=1)
            hint = f" (did you mean {close[0]}=?)" if close else ""
            raise SettingError(
                f"pytest.mark.kms got an unknown keyword {name!r}{hint}; it takes "
                f"{', '.join(KEYWORDS)}"
            )
    for one, many in (("region", "regions"), ("account_id", "account_ids")):
        if one in kwargs and many in kwargs:
            raise SettingError(
                f"pytest.mark.kms: give {one}= (every test) or {many}= (one test each), not both"
            )
    enforce = kwargs.get("enforce_policies")
    if enforce is not None and not isinstance(enforce, bool):
        raise SettingError(f"pytest.mark.kms(enforce_policies=...): True or False; got {enforce!r}")
    return Marked(
        region=_maybe(kwargs, "region", check_region),
        account_id=_maybe(kwargs, "account_id", check_account),
        regions=_maybe(kwargs, "regions", lambda v, _: _check_list(v, "regions", check_region)),
        account_ids=_maybe(
            kwargs, "account_ids", lambda v, _: _check_list(v, "account_ids", check_account)
        ),
        enforce_policies=enforce,
        settings=_maybe(kwargs, "settings", check_settings),
        integrations=_maybe(kwargs, "integrations", check_integrations),
    )


def check_integrations(value: object, where: str) -> tuple[str, ...]:
    """The services a marker or ini option integrates (kmsmock's own check, as a setting
    error)."""
    from kmsmock.errors import KmsMockUsageError
    from kmsmock.integrations import checked

    try:
        return tuple(sorted(checked(value, where)))
    except KmsMockUsageError as error:
        raise SettingError(str(error)) from None


def _maybe(kwargs: Mapping[str, Any], name: str, check: Any) -> Any:
    if name not in kwargs:
        return None
    return check(kwargs[name], f"pytest.mark.kms({name}=...)")


def merge(closest_first: Iterable[Marked]) -> Marked:
    """One test's settings: for each, the closest marker that gives it (a test's own marker
    before its class's, before its module's). A closer region= also hides a farther
    regions=, and the other way round; a closer whole Settings hides farther settings=."""
    found: dict[str, Any] = {}
    whole: Settings | None = None
    changes: dict[str, Any] = {}
    for settings in closest_first:
        given = settings.settings
        if whole is not None or given is None:
            pass
        elif isinstance(given, Settings):
            whole = given
        else:
            for name, value in given.items():
                changes.setdefault(name, value)
        for one, many in (("region", "regions"), ("account_id", "account_ids")):
            if one in found or many in found:
                continue
            if getattr(settings, one) is not None:
                found[one] = getattr(settings, one)
            elif getattr(settings, many) is not None:
                found[many] = getattr(settings, many)
        if "enforce_policies" not in found and settings.enforce_policies is not None:
            found["enforce_policies"] = settings.enforce_policies
        if "integrations" not in found and settings.integrations is not None:
            found["integrations"] = settings.integrations
    if whole is not None:
        found["settings"] = whole.updated(changes)
    elif changes:
        found["settings"] = changes
    return Marked(**found)

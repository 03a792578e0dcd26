"""A mock's settings: AWS's resource quotas and the few knobs a test may turn (docs/settings.md).

``Settings`` and ``Limits`` are frozen and checked when made, so a wrong name or value fails
at the line that wrote it. A mock holds one ``Settings`` (``KmsMock.settings``); the
operations read their limits from it on each request, a few attribute loads.

The defaults live here and nowhere else: AWS's quotas as its documentation states them
(https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html).

Besides the classes, the settings can be written as changes by name, as a dict (the pytest
marker's ``settings={...}``, ``mock_kms(settings={...})``) or as ``name = value`` lines (the
``kms_settings`` ini option): limits by dotted names (``limits.tags_per_key``) or as a nested
dict, a transition delay as seconds. ``changes_from`` and ``changes_from_lines`` check them;
``Settings.updated`` applies them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from kmsmock.errors import KmsMockUsageError, did_you_mean, keywords_checked

__all__ = ["Limits", "Settings", "changes_from", "changes_from_lines"]

_COUNT = "a whole number, 0 or more"
_DURATION = "a datetime.timedelta of 0 or more, like timedelta(seconds=30)"


def _check_count(value: object, shown_as: str) -> None:
    # bool is an int to Python, never a count to a reader.
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise KmsMockUsageError(f"{shown_as} must be {_COUNT}; got {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """AWS's resource quotas, enforced with AWS's ``LimitExceededException`` (or
    ``TagException`` for tags). Lower one to reach it in a test without making 100,000 keys::

        Limits(keys_per_region=3)
    """

    # Customer managed keys per account and Region (AWS managed keys do not count; keys
    # pending deletion do).
    keys_per_region: int = 100_000
    aliases_per_key: int = 50
    grants_per_key: int = 50_000
    tags_per_key: int = 50
    # Key policy document size (AWS: 32 KB), in bytes of UTF-8.
    key_policy_bytes: int = 32_768
    # Custom key stores per account and Region (a quota AWS does not raise).
    custom_key_stores_per_region: int = 10
    # RotateKeyOnDemand calls per key: 25 in AWS's documentation (10 when it launched in 2024).
    on_demand_rotations_per_key: int = 25

    def __post_init__(self) -> None:
        for name in LIMIT_NAMES:
            _check_count(getattr(self, name), f"Limits({name}=...)")

    def replace(self, **changes: int) -> Limits:
        """A copy with ``changes`` (checked as the constructor checks them)."""
        return dataclasses.replace(self, **changes)


LIMIT_NAMES = tuple(f.name for f in dataclasses.fields(Limits))
# Python's TypeError for a misspelt name would not say which was meant.
setattr(Limits, "__init__", keywords_checked("Limits()")(Limits.__init__))  # noqa: B010


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything about a mock a test may set (docs/settings.md)::

        mock_kms(settings=Settings(limits=Limits(tags_per_key=5),
                                   transition_delay=timedelta(seconds=30)))

    ``limits``: AWS's resource quotas (``Limits``). ``transition_delay``: how long, on the
    mock clock, a new replica stays ``Creating`` and the keys of an UpdatePrimaryRegion stay
    ``Updating`` (zero: until the next request). ``audit_events_kept``: how many of the latest
    audit events ``KmsMock.events`` keeps (0 records none).
    """

    limits: Limits = field(default_factory=Limits)
    transition_delay: timedelta = timedelta(0)
    audit_events_kept: int = 1_000

    def __post_init__(self) -> None:
        if not isinstance(self.limits, Limits):
            raise KmsMockUsageError(
                "Settings(limits=...) must be a kmsmock.Limits, like Limits(tags_per_key=5); "
                f"got {self.limits!r}"
            )
        delay = self.transition_delay
        if not isinstance(delay, timedelta) or delay < timedelta(0):
            raise KmsMockUsageError(
                f"Settings(transition_delay=...) must be {_DURATION}; got {_shown(delay)}"
            )
        _check_count(self.audit_events_kept, "Settings(audit_events_kept=...)")

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes``, checked as the constructor checks them. ``limits`` may be
        a ``Limits``, or a dict of the limits to change (the others stay)::

            settings.replace(limits={"tags_per_key": 5}, transition_delay=timedelta(seconds=30))
        """
        for name in changes:
            if name not in _FIELDS:
                raise KmsMockUsageError(
                    f"{name!r} is not a setting{did_you_mean(name, _FIELDS)}; the settings are "
                    f"{', '.join(_FIELDS)}"
                )
        limits = changes.get("limits")
        if isinstance(limits, Mapping):
            changes["limits"] = self.limits.replace(**limits)
        return dataclasses.replace(self, **changes)

    def updated(self, changes: Mapping[str, Any]) -> Settings:
        """A copy with ``changes`` by name, as a pytest marker's ``settings={...}`` gives them
        (see ``changes_from``)."""
        flat = changes_from(changes)
        limits = {
            name[len("limits.") :]: v for name, v in flat.items() if name.startswith("limits.")
        }
        top = {name: v for name, v in flat.items() if not name.startswith("limits.")}
        if limits:
            top["limits"] = self.limits.replace(**limits)
        return dataclasses.replace(self, **top)


setattr(Settings, "__init__", keywords_checked("Settings()")(Settings.__init__))  # noqa: B010

DEFAULT = Settings()
_TOP_NAMES = ("transition_delay", "audit_events_kept")
_FIELDS = ("limits", *_TOP_NAMES)
NAMES = (*_TOP_NAMES, *(f"limits.{name}" for name in LIMIT_NAMES))


def changes_from(changes: Mapping[str, Any] | Settings) -> dict[str, Any]:
    """``changes`` checked, as ``{dotted name: value}``. Limits are named ``limits.<name>``, or
    given as ``limits={...}`` (a dict) or ``limits=Limits(...)`` (every limit); a transition
    delay is a ``timedelta`` or a number of seconds. A ``Settings`` gives every setting."""
    if isinstance(changes, Settings):
        return {name: value_of(changes, name) for name in NAMES}
    if not isinstance(changes, Mapping):
        raise KmsMockUsageError(
            "settings are a kmsmock.Settings or a dict of changes by name, like "
            f"{{'limits.tags_per_key': 5, 'transition_delay': 30}}; got {changes!r}"
        )
    flat: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "limits" and isinstance(value, Limits):
            flat.update((f"limits.{limit}", getattr(value, limit)) for limit in LIMIT_NAMES)
        elif name == "limits" and isinstance(value, Mapping):
            for limit, count in value.items():
                flat[_known(f"limits.{limit}")] = _checked(f"limits.{limit}", count)
        else:
            flat[_known(name)] = _checked(name, value)
    return flat


def changes_from_lines(lines: Iterable[str]) -> dict[str, Any]:
    """Changes written as ``name = value`` lines (the ``kms_settings`` ini option): whole
    numbers, and seconds for ``transition_delay``. Blank lines and ``#`` comments are skipped."""
    changes: dict[str, Any] = {}
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        name, equals, value = (part.strip() for part in text.partition("="))
        if not equals or not name or not value:
            raise KmsMockUsageError(
                f"{line.strip()!r} is not a 'name = value' line, like 'limits.tags_per_key = 5'"
            )
        _known(name)
        if name in changes:
            raise KmsMockUsageError(f"{name} is set twice")
        changes[name] = _checked(name, _number(value))
    return changes


def _number(text: str) -> object:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text  # refused by the check, which shows it


def _known(name: object) -> str:
    if isinstance(name, str) and name in NAMES:
        return name
    hint = did_you_mean(name, NAMES) if isinstance(name, str) else ""
    raise KmsMockUsageError(f"{name!r} is not a setting{hint}; the settings are {', '.join(NAMES)}")


def _checked(name: str, value: object) -> object:
    """``value`` as the setting ``name`` holds it, or a usage error naming both."""
    if name == "transition_delay":
        if isinstance(value, timedelta) and value >= timedelta(0):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            try:
                return timedelta(seconds=value)
            except OverflowError:  # infinite, or past timedelta's 999,999,999 days
                pass
        raise KmsMockUsageError(
            f"transition_delay must be a number of seconds or a datetime.timedelta, 0 or "
            f"more; got {_shown(value)}"
        )
    _check_count(value, name)
    return value


def _shown(value: object) -> str:
    # A negative timedelta's repr reads as days=-1, seconds=86370.
    if isinstance(value, timedelta):
        return f"{value.total_seconds()} seconds"
    return repr(value)


def value_of(settings: Settings, name: str) -> Any:
    """The value of the setting ``name`` (dotted for a limit) in ``settings``."""
    if name.startswith("limits."):
        return getattr(settings.limits, name[len("limits.") :])
    return getattr(settings, name)

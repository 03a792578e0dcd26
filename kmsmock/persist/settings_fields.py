"""A world's ``Settings`` in a state file, and back.

``transition_delay_seconds`` is always written; ``limits`` (an object of the limits that differ
from AWS's defaults) and ``audit_events_kept`` only when they differ, so a file keeps following
the defaults of the kmsmock that reads it. Files written before ``limits`` existed gave the
on-demand rotation limit as ``on_demand_rotation_limit``: still read.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from kmsmock.persist.fields import Entry, seconds
from kmsmock.settings import DEFAULT, LIMIT_NAMES, Settings, value_of

if TYPE_CHECKING:
    from kmsmock.backend.state import World

FIELDS = ("transition_delay_seconds", "limits", "audit_events_kept", "on_demand_rotation_limit")
_LEGACY_ROTATIONS = "on_demand_rotation_limit"


def settings_fields(settings: Settings) -> dict[str, Any]:
    """The top-level fields of a state file that hold ``settings``."""
    fields: dict[str, Any] = {"transition_delay_seconds": seconds(settings.transition_delay)}
    limits = {
        name: getattr(settings.limits, name)
        for name in LIMIT_NAMES
        if getattr(settings.limits, name) != getattr(DEFAULT.limits, name)
    }
    if limits:
        fields["limits"] = limits
    if settings.audit_events_kept != DEFAULT.audit_events_kept:
        fields["audit_events_kept"] = settings.audit_events_kept
    return fields


def read_settings(entry: Entry, world: World) -> set[str]:
    """Set ``world``'s settings from the document's fields (``entry`` is the document); the
    fields given, as places (``limits.tags_per_key``), for ``setting_of``."""
    changes: dict[str, Any] = {}
    given: set[str] = set()
    delay = entry.number("transition_delay_seconds")
    if delay is not None:
        if delay < 0:
            entry.fail("transition_delay_seconds", f"must not be negative; got {delay}")
        try:
            changes["transition_delay"] = timedelta(seconds=delay)
        except (OverflowError, ValueError):  # infinite, not a number, or past 999999999 days
            entry.fail("transition_delay_seconds", f"is not a duration timedelta can hold: {delay}")
        given.add("transition_delay_seconds")
    kept = entry.integer("audit_events_kept", low=0)
    if kept is not None:
        changes["audit_events_kept"] = kept
        given.add("audit_events_kept")
    if "limits" in entry:
        limits = Entry(entry.raw("limits"), entry.place.at("limits"), LIMIT_NAMES)
        for name in LIMIT_NAMES:
            value = limits.integer(name, low=0)
            if value is not None:
                changes[f"limits.{name}"] = value
                given.add(f"limits.{name}")
    legacy = entry.integer(_LEGACY_ROTATIONS, low=0)
    if legacy is not None:
        name = setting_of(_LEGACY_ROTATIONS)
        if changes.setdefault(name, legacy) != legacy:
            entry.fail(_LEGACY_ROTATIONS, f"differs from {name}: give one of them")
        given.add(_LEGACY_ROTATIONS)
    if changes:
        world.configure(world.settings.updated(changes))
    return given


def setting_of(field: str) -> str:
    """The setting a state file's field (as ``read_settings`` names it) holds."""
    if field == "transition_delay_seconds":
        return "transition_delay"
    if field == _LEGACY_ROTATIONS:
        return "limits.on_demand_rotations_per_key"
    return field


def given_settings(fields: set[str], settings: Settings) -> dict[str, tuple[str, Any]]:
    """For each settings field of ``fields`` (a document's, from ``read_settings``): the
    setting it holds and its value in ``settings`` (the document's)."""
    found: dict[str, tuple[str, Any]] = {}
    for field in sorted(fields):
        if field in FIELDS or field.startswith("limits."):
            name = setting_of(field)
            found[field] = (name, value_of(settings, name))
    return found

"""The "kmsmock" section of a test's report: the KMS requests the test made, in order, and why
each denied or failed one was refused (kmsmock/reporting/transcript.py writes it).

Every mock that becomes active during a test is noted, decorator- and context-manager-made
ones too, not only the fixture's; for a mock already active when the test began (a fixture of
a wider scope), only the requests made since are listed.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from kmsmock import active_mocks
from kmsmock.backend.audit import AuditEvent
from kmsmock.backend.state import World
from kmsmock.reporting.transcript import transcript
from kmsmock.seams.active import Served, watch

MODES = ("failures", "always", "never")
INI = "kms_report"


class _Seen:
    """The worlds one test used, each with the last event it had when the test began."""

    def __init__(self) -> None:
        self.worlds: dict[int, tuple[World, AuditEvent | None]] = {}
        self.reported = False

    def note(self, mock: Served, *, since_now: bool) -> None:
        world = mock.world
        if id(world) not in self.worlds:
            events = world.events.snapshot() if since_now else []
            self.worlds[id(world)] = (world, events[-1] if events else None)

    def text(self) -> str | None:
        parts = []
        for world, before in self.worlds.values():
            events = _after(world.events.snapshot(), before)
            if any(event.caller is not None for event in events):
                parts.append(
                    transcript(events, list(world.access.decisions), where=" in this test")
                )
        return "\n\n".join(parts) or None


_SEEN = pytest.StashKey[_Seen]()
_UNWATCH = pytest.StashKey[Any]()


class Reporter:
    """The hooks of the report, one instance per pytest run."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, Any, Any]:
        seen = item.stash[_SEEN] = _Seen()
        for mock in active_mocks():
            seen.note(mock, since_now=True)
        item.stash[_UNWATCH] = watch(lambda mock: seen.note(mock, since_now=False))
        return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        seen = item.stash.get(_SEEN, None)
        if seen is None:
            return report
        wanted = report.failed or (self.mode == "always" and call.when == "call")
        if wanted and not seen.reported:
            text = seen.text()
            if text is not None:
                report.sections.append(("kmsmock", text))
                seen.reported = True
        if call.when == "teardown":
            item.stash[_UNWATCH]()
            del item.stash[_SEEN]
        return report


def configure(config: pytest.Config) -> None:
    value = config.getini(INI)
    mode = value.strip() if isinstance(value, str) and value.strip() else "failures"
    if mode not in MODES:
        raise pytest.UsageError(
            f"ini option {INI} = {mode!r}: choose one of {', '.join(MODES)} (failures: the "
            "report of a failing test lists its KMS requests; always: every test's; never)"
        )
    if mode != "never":
        config.pluginmanager.register(Reporter(mode), "kmsmock-report")


def _after(events: list[AuditEvent], before: AuditEvent | None) -> list[AuditEvent]:
    if before is None:
        return events
    for index in range(len(events) - 1, -1, -1):
        if events[index] is before:
            return events[index + 1 :]
    return events  # the bounded log has dropped it: every event kept is the test's

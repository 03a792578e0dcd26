"""The watch for mocks a test starts and never stops.

A mock left active (``mock_kms().start()`` with no ``stop()``) would serve every later test
in the process from its keys, so a test that should start empty would pass or fail for the
wrong reason. A test's teardown stops any mock that became active during that test and is
still active, and reports it as an error of that test.

Mocks meant to outlive one test are left alone: those active before the test began (started at
conftest import, or by an earlier fixture of a wider scope) and those a fixture of a wider
scope (``scope="module"``, ``setup_module``, ``setup_class``...) started while it was set up
during this test.
"""

from __future__ import annotations

import weakref
from collections.abc import Generator
from typing import Any

import pytest

from kmsmock import KmsMock, KmsMockUsageError, active_mocks

_BEFORE = pytest.StashKey[tuple[KmsMock, ...]]()


class LeakWatch:
    """The hooks of the watch, one instance per pytest run (so a pytest run inside another,
    as pytester makes, keeps its own)."""

    def __init__(self) -> None:
        # Mocks started by fixtures of a wider scope than the test's.
        self._wide: weakref.WeakSet[KmsMock] = weakref.WeakSet()

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef[Any]) -> Generator[None, Any, Any]:
        before = active_mocks()
        try:
            return (yield)
        finally:
            if fixturedef.scope != "function":
                self._wide.update(_new(active_mocks(), before))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, Any, Any]:
        item.stash[_BEFORE] = active_mocks()
        return (yield)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, Any, Any]:
        __tracebackhide__ = True  # the report shows the message, not this hook's code
        try:
            result = yield
        except BaseException:
            self._stop_leaked(item)  # the teardown's own error is the one to report
            raise
        leaked = self._stop_leaked(item)
        if leaked:
            raise KmsMockUsageError(_message(item.nodeid, leaked))
        return result

    def _stop_leaked(self, item: pytest.Item) -> int:
        """Stop the mocks ``item`` started and left active (innermost first); how many."""
        before = item.stash.get(_BEFORE, ())
        leaked = [mock for mock in _new(active_mocks(), before) if mock not in self._wide]
        for mock in reversed(leaked):
            mock.stop()
        return len(leaked)


def configure(config: pytest.Config) -> None:
    config.pluginmanager.register(LeakWatch(), "kmsmock-leak-watch")


def _new(mocks: tuple[KmsMock, ...], before: tuple[KmsMock, ...]) -> list[KmsMock]:
    return [mock for mock in mocks if not any(mock is old for old in before)]


def _message(nodeid: str, count: int) -> str:
    what = "a kmsmock mock" if count == 1 else f"{count} kmsmock mocks"
    it = "it" if count == 1 else "them"
    return (
        f"{nodeid} started {what} and never stopped {it}: a mock started with "
        "mock_kms().start() stays active, with its keys, for every later test until stop() "
        f"is called. kmsmock has stopped {it}, so the next test starts empty. Pair start() "
        "with stop() (try/finally, or request.addfinalizer(mock.stop)), or use a form that "
        "stops by itself: `with mock_kms() as kms:`, @mock_kms, the kms fixture or "
        "@pytest.mark.kms. A mock meant to span several tests belongs in a fixture of a wider "
        'scope (scope="module" or "session").'
    )

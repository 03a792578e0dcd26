"""``mock_kms`` and ``KmsMock``: one object that is a decorator (sync, async, class), a context
manager, and a start/stop pair."""

from __future__ import annotations

import functools
import inspect
import os
import re
import unittest
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, overload

from kmsmock import _active
from kmsmock.backend.state import World
from kmsmock.errors import KmsMockUsageError

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)

# Supplied for the mock's duration when the environment names no credentials, so clients sign
# requests without looking further (no instance-metadata lookups, no real keys).
_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAKMSMOCKTESTING00",
    "AWS_SECRET_ACCESS_KEY": "kmsmock-fake-secret-access-key",
}


class KmsMock:
    """A mock of AWS KMS. While active, every KMS request botocore makes is served in-process.

    Use it as a context manager::

        with mock_kms() as kms:
            boto3.client("kms", region_name="eu-west-1").create_key()

    or through ``mock_kms`` as a decorator, or with ``start()``/``stop()``. Activations nest:
    an inner one shares the outermost one's state; each new outermost activation starts empty.
    """

    def __init__(self, *, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
        if not re.fullmatch(r"\d{12}", account_id):
            raise KmsMockUsageError(
                f"account_id must be 12 digits, like {DEFAULT_ACCOUNT_ID!r}; got {account_id!r}"
            )
        self.account_id = account_id
        self._world: World | None = None
        self._active = False
        self._saved_env: dict[str, str | None] = {}

    # -- state -------------------------------------------------------------------------------

    @property
    def world(self) -> World:
        """All state of this mock (shared with the outermost active mock)."""
        if self._world is None:
            raise KmsMockUsageError("this mock has not been started; use start() or `with`")
        return self._world

    def account_for(self, access_key: str | None) -> str:
        """The account a request signed with ``access_key`` comes from."""
        return self.account_id

    # -- activation --------------------------------------------------------------------------

    def start(self) -> KmsMock:
        """Activate the mock; pair with ``stop()``. Returns the mock itself."""
        if self._active:
            raise KmsMockUsageError("this mock is already active; stop() it before start()")
        outer = _active.outermost()
        self._world = outer.world if outer is not None else World()
        if _active.push(self):
            self._saved_env = _patch_environment()
        self._active = True
        return self

    def stop(self) -> None:
        """Deactivate the mock. State stays readable until the next ``start()``."""
        if not self._active:
            raise KmsMockUsageError("this mock is not active; start() it before stop()")
        self._active = False
        if _active.pop(self):
            _restore_environment(self._saved_env)

    def __enter__(self) -> KmsMock:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- decoration --------------------------------------------------------------------------

    def _fresh(self) -> KmsMock:
        return KmsMock(account_id=self.account_id)

    @overload
    def __call__(self, target: C) -> C: ...

    @overload
    def __call__(self, target: F) -> F: ...

    def __call__(self, target: Any) -> Any:
        """Decorate a test function, coroutine function or class: each call gets a fresh mock."""
        if isinstance(target, type):
            return self._decorate_class(target)
        if not callable(target):
            raise KmsMockUsageError(f"mock_kms cannot decorate {target!r}")
        if inspect.iscoroutinefunction(target):

            @functools.wraps(target)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self._fresh():
                    return await target(*args, **kwargs)

            return run_async

        @functools.wraps(target)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return target(*args, **kwargs)

        return run

    def _decorate_class(self, cls: C) -> C:
        if issubclass(cls, unittest.TestCase):
            # setUp, the test and tearDown share one mock; a cleanup stops it even if setUp
            # fails, after tearDown has run.
            original = cls.setUp

            @functools.wraps(original)
            def set_up(test: unittest.TestCase) -> None:
                mock = self._fresh().start()
                test.addCleanup(mock.stop)
                original(test)

            cls.setUp = set_up  # type: ignore[method-assign,assignment]
            return cls
        for name, member in list(vars(cls).items()):
            if name.startswith("test") and callable(member):
                setattr(cls, name, self(member))
        return cls


def _patch_environment() -> dict[str, str | None]:
    """Supply fake credentials (and a region) where the environment has none."""
    wanted: dict[str, str] = {}
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        wanted.update(_FAKE_CREDENTIALS)
    has_region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")
    config = Path(os.environ.get("AWS_CONFIG_FILE", "~/.aws/config")).expanduser()
    if not has_region and not config.exists():
        wanted["AWS_DEFAULT_REGION"] = DEFAULT_REGION
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    return saved


def _restore_environment(saved: dict[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@overload
def mock_kms(target: F, /) -> F: ...


@overload
def mock_kms(*, account_id: str = DEFAULT_ACCOUNT_ID) -> KmsMock: ...


def mock_kms(target: Any = None, /, *, account_id: str = DEFAULT_ACCOUNT_ID) -> Any:
    """Mock AWS KMS for a test.

    As a decorator (sync or ``async def`` functions, test classes, ``unittest.TestCase``)::

        @mock_kms
        def test_roundtrip():
            kms = boto3.client("kms", region_name="eu-west-1")
            ...

    As a context manager that yields the ``KmsMock``::

        with mock_kms(account_id="111122223333") as kms:
            ...
    """
    mock = KmsMock(account_id=account_id)
    if target is None:
        return mock
    return mock(target)

"""``KmsMock`` as a decorator: of functions, coroutine functions, generator functions and test
classes. Each decorated call runs inside a fresh mock made with the decorating mock's
settings; the decorating mock itself is never started."""

from __future__ import annotations

import functools
import inspect
import unittest
from typing import TYPE_CHECKING, Any, TypeVar

from kmsmock.errors import KmsMockUsageError

if TYPE_CHECKING:
    # Only for annotations: fresh mocks are made with type(config), so this module needs
    # nothing of _mock at run time and _mock can import it.
    from kmsmock._mock import KmsMock

C = TypeVar("C", bound=type)


def decorate(config: KmsMock, target: Any) -> Any:
    """``config(target)``: wrap ``target`` so that each call runs inside a fresh mock."""
    if isinstance(target, type):
        return _decorate_class(config, target)
    if isinstance(target, str):
        raise KmsMockUsageError(
            f"mock_kms takes the account as a keyword: mock_kms(account_id={target!r})"
        )
    if not callable(target):
        raise KmsMockUsageError(
            f"mock_kms decorates functions, coroutine functions and classes; got {target!r}"
        )
    if inspect.iscoroutinefunction(target):

        @functools.wraps(target)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            with fresh(config):
                return await target(*args, **kwargs)

        return run_async

    if inspect.isgeneratorfunction(target):
        # Calling a generator function runs none of its body; the mock must stay active
        # while the generator is consumed (a pytest yield fixture, say), not just while
        # the generator object is made.
        @functools.wraps(target)
        def run_generator(*args: Any, **kwargs: Any) -> Any:
            with fresh(config):
                return (yield from target(*args, **kwargs))

        return run_generator

    @functools.wraps(target)
    def run(*args: Any, **kwargs: Any) -> Any:
        with fresh(config):
            return target(*args, **kwargs)

    return run


def fresh(config: KmsMock) -> KmsMock:
    """A new, unstarted mock with ``config``'s settings."""
    return type(config)(
        account_id=config.account_id,
        enforce_policies=config.enforce_policies,
        snapshot=config._snapshot,
        quotas=config.quotas,
    )


def _decorate_class(config: KmsMock, cls: C) -> C:
    if issubclass(cls, unittest.TestCase):
        # setUp, the test and tearDown share one mock; a cleanup stops it even if setUp
        # fails, after tearDown has run.
        original = cls.setUp

        @functools.wraps(original)
        def set_up(test: unittest.TestCase) -> None:
            mock = fresh(config).start()
            test.addCleanup(mock.stop)
            original(test)

        cls.setUp = set_up  # type: ignore[method-assign,assignment]
        return cls
    # dir() rather than vars(): test methods inherited from a base class are this class's
    # tests too. Only functions are wrapped; attributes named test* that are data, nested
    # classes or properties are left as they are.
    for name in dir(cls):
        if not name.startswith("test"):
            continue
        member = inspect.getattr_static(cls, name)
        if isinstance(member, (staticmethod, classmethod)):
            setattr(cls, name, type(member)(decorate(config, member.__func__)))
        elif inspect.isfunction(member):
            setattr(cls, name, decorate(config, member))
    return cls

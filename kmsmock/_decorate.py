"""``KmsMock`` as a decorator: of functions, coroutine functions, generator functions and test
classes. Each decorated call runs inside a fresh mock made with the decorating mock's
settings; the decorating mock itself is never started.

On a test class the unit is the test, not the method (as moto's class decorator, which
users migrate from): ``setup_method``, the test and ``teardown_method`` (on a
``unittest.TestCase``: ``setUp``, ``asyncSetUp``, the test, ``asyncTearDown``, ``tearDown``)
share one mock. ``setup_class`` (``setUpClass``) runs in a mock of its own; what it leaves is
frozen with ``KmsMock.snapshot()``, and each test's mock, and ``teardown_class``'s, starts
from its own copy (docs/activation.md, "Test classes").
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import unittest
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from kmsmock import _active
from kmsmock.errors import KmsMockUsageError

if TYPE_CHECKING:
    # Only for annotations: fresh mocks are made with type(config), so this module needs
    # nothing of _mock at run time and _mock can import it.
    from kmsmock._mock import KmsMock
    from kmsmock.snapshot import Snapshot

C = TypeVar("C", bound=type)

# Which mock a call of a wrapped callable runs in, chosen from its arguments at call time.
Activation = Callable[[tuple[Any, ...]], AbstractContextManager[object]]

_DOCS = "see docs/activation.md, 'Test classes'"


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
    return _wrap(target, lambda args: fresh(config))


def fresh(config: KmsMock, snapshot: Snapshot | None = None) -> KmsMock:
    """A new, unstarted mock with ``config``'s settings, starting from ``snapshot`` if given
    (else from ``config``'s own snapshot, if it has one)."""
    return type(config)(
        account_id=config.account_id,
        enforce_policies=config.enforce_policies,
        snapshot=snapshot if snapshot is not None else config._snapshot,
        quotas=config.quotas,
        integrations=config.integrations,
    )


def _wrap(target: Callable[..., Any], activation: Activation) -> Callable[..., Any]:
    """``target``, running each call inside ``activation(args)``."""
    if inspect.iscoroutinefunction(target):

        @functools.wraps(target)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            with activation(args):
                return await target(*args, **kwargs)

        return run_async

    if inspect.isgeneratorfunction(target):
        # Calling a generator function runs none of its body; the mock must stay active
        # while the generator is consumed (a pytest yield fixture, say), not just while
        # the generator object is made.
        @functools.wraps(target)
        def run_generator(*args: Any, **kwargs: Any) -> Any:
            with activation(args):
                return (yield from target(*args, **kwargs))

        return run_generator

    @functools.wraps(target)
    def run(*args: Any, **kwargs: Any) -> Any:
        with activation(args):
            return target(*args, **kwargs)

    return run


# -- test classes ------------------------------------------------------------------------------


class _ClassMocks:
    """The mocks of one decorated class's tests.

    Kept here, not on the instances or classes: the user's namespace stays theirs, and
    instances whose ``__eq__`` makes them unhashable work too. Both tables are keyed by
    ``id()`` and hold the object itself, so no id can be reused while its entry is there.
    """

    def __init__(self, config: KmsMock) -> None:
        self.config = config
        # id(test instance) -> (instance, its mock): from setup_method to teardown_method.
        self.tests: dict[int, tuple[object, KmsMock]] = {}
        # id(class) -> (class, the hook's name, what it left): from setup_class to
        # teardown_class. The class is the one the hook ran for, a subclass of ``cls`` when an
        # undecorated subclass inherits the hooks.
        self.snapshots: dict[int, tuple[type, str, Snapshot]] = {}

    def for_test(self, owner: type) -> KmsMock:
        """A new mock for a test of ``owner`` (or for its teardown_class): from what its
        setup_class left, if it left anything."""
        entry = self.snapshots.get(id(owner))
        if entry is None:
            return fresh(self.config)
        _, hook, snapshot = entry
        if _active.outermost() is not None:
            # A mock started from a snapshot cannot join another one (KmsMock._attach): it
            # would have to ignore the snapshot, or pull the other mock's state from under it.
            raise KmsMockUsageError(
                f"{owner.__qualname__}.{hook} made KMS state that each test of the class "
                "starts from a copy of, so a test's mock must be the only active mock, but "
                "another is active (a `kms` fixture, a decorator or a `with mock_kms()`): "
                "leave that mock out of this class's tests, or make the state in "
                f"setup_method (setUp) instead; {_DOCS}"
            )
        return fresh(self.config, snapshot)

    def test_activation(self, args: tuple[Any, ...]) -> AbstractContextManager[object]:
        """For a test method: the mock setup_method started for its instance if there is one
        (the mock is active: run in it), else a new one."""
        if not args:  # called unbound without an instance: Python raises TypeError
            return fresh(self.config)
        instance = args[0]
        if id(instance) in self.tests:
            return contextlib.nullcontext()
        return self.for_test(type(instance))

    # setup_method / teardown_method (and setUp on a TestCase)

    def set_up(self, instance: object, call: Callable[[], Any]) -> Any:
        if id(instance) in self.tests:  # called again (by a subclass's hook): same mock
            return call()
        mock = self.for_test(type(instance)).start()
        self.tests[id(instance)] = (instance, mock)
        try:
            return call()
        except BaseException:
            # pytest calls no teardown_method after a failed setup_method.
            self.end_test(instance)
            raise

    def tear_down(self, instance: object, call: Callable[[], Any]) -> Any:
        if id(instance) not in self.tests:  # setup_method never ran (a direct call)
            with self.for_test(type(instance)):
                return call()
        try:
            return call()
        finally:
            self.end_test(instance)

    def end_test(self, instance: object) -> None:
        _, mock = self.tests.pop(id(instance))
        mock.stop()

    # setup_class / teardown_class (setUpClass / tearDownClass on a TestCase)

    def set_up_class(self, owner: type, hook: str, call: Callable[[], Any]) -> Any:
        self.snapshots.pop(id(owner), None)  # a previous run's
        mock = fresh(self.config)
        with mock:
            # Inside another mock, this one shares its state, as every nested activation
            # does, and so do the tests: there is nothing of this class's own to freeze.
            outermost = _active.outermost() is mock
            result = call()
            # If it left nothing a test could see, there is no snapshot: its tests start
            # empty as other tests do, and may run inside a `kms` fixture's mock.
            if outermost and not mock.world.holds_nothing():
                self.snapshots[id(owner)] = (owner, hook, mock.snapshot())
        return result

    def tear_down_class(self, owner: type, call: Callable[[], Any]) -> Any:
        try:
            with self.for_test(owner):
                return call()
        finally:
            self.snapshots.pop(id(owner), None)


def _decorate_class(config: KmsMock, cls: C) -> C:
    mocks = _ClassMocks(config)
    if issubclass(cls, unittest.TestCase):
        _decorate_testcase(mocks, cls)
        return cls
    # dir() rather than vars(): test methods and hooks inherited from a base class are this
    # class's too. Only functions are wrapped; attributes named test* that are data, nested
    # classes or properties are left as they are.
    for name in dir(cls):
        if not name.startswith("test"):
            continue
        member = inspect.getattr_static(cls, name)
        if isinstance(member, (staticmethod, classmethod)):
            function = member.__func__
            setattr(cls, name, type(member)(_wrap(function, lambda _: mocks.for_test(cls))))
        elif inspect.isfunction(member):
            setattr(cls, name, _wrap(member, mocks.test_activation))
    _wrap_xunit_hooks(mocks, cls)
    return cls


def _wrap_xunit_hooks(mocks: _ClassMocks, cls: type) -> None:
    """pytest's setup_method / teardown_method / setup_class / teardown_class.

    With any of them, both method hooks are there (a missing one added, doing nothing), so
    that each test's mock starts in pytest's setup_method step, before the fixtures the test
    asks for (a `kms` fixture then joins it and sees its keys), and always stops in its
    teardown_method step, whether the test ran or not. A setup_class gets a teardown_class
    too, which forgets the snapshot. pytest's old aliases (setup, teardown) are not covered:
    pytest 8 deprecated them.
    """
    hooks = {
        name: inspect.getattr_static(cls, name, None)
        for name in ("setup_method", "teardown_method", "setup_class", "teardown_class")
    }
    if all(hook is None for hook in hooks.values()):
        return
    for name, around in (("setup_method", mocks.set_up), ("teardown_method", mocks.tear_down)):
        member = hooks[name]
        if member is None:
            member = _nothing(cls, name)
        if inspect.isfunction(member):
            setattr(cls, name, _method_hook(member, around))
    if hooks["setup_class"] is not None and hooks["teardown_class"] is None:
        hooks["teardown_class"] = classmethod(_nothing(cls, "teardown_class"))
    class_arounds: dict[str, Callable[[type, Callable[[], Any]], Any]] = {
        "setup_class": lambda owner, call: mocks.set_up_class(owner, "setup_class", call),
        "teardown_class": mocks.tear_down_class,
    }
    for name, around_class in class_arounds.items():
        member = hooks[name]
        hook = None if member is None else _class_hook(member, cls, around_class)
        if hook is not None:
            setattr(cls, name, hook)


def _decorate_testcase(mocks: _ClassMocks, cls: type[unittest.TestCase]) -> None:
    # setUp, the test and tearDown share one mock; a cleanup stops it even if setUp fails,
    # after tearDown has run. IsolatedAsyncioTestCase calls setUp before asyncSetUp, and
    # asyncTearDown before tearDown and the cleanups: its async steps are inside it too.
    original = cls.setUp

    @functools.wraps(original)
    def set_up(test: unittest.TestCase) -> None:
        mock = mocks.for_test(type(test)).start()
        test.addCleanup(mock.stop)
        original(test)

    cls.setUp = set_up  # type: ignore[method-assign,assignment]
    # setUpClass and tearDownClass, if the class (or a base class of its own) defines them:
    # TestCase's do nothing, and wrapping them would only cost a mock per class. A wrapped
    # setUpClass needs tearDownClass wrapped too, to forget its snapshot.
    set_up_class = inspect.getattr_static(cls, "setUpClass")
    tear_down_class = inspect.getattr_static(cls, "tearDownClass")
    own_set_up_class = set_up_class is not inspect.getattr_static(unittest.TestCase, "setUpClass")
    if own_set_up_class:
        hook = _class_hook(
            set_up_class, cls, lambda owner, call: mocks.set_up_class(owner, "setUpClass", call)
        )
        if hook is not None:
            cls.setUpClass = hook  # type: ignore[method-assign]
    if own_set_up_class or tear_down_class is not inspect.getattr_static(
        unittest.TestCase, "tearDownClass"
    ):
        hook = _class_hook(tear_down_class, cls, mocks.tear_down_class)
        if hook is not None:
            cls.tearDownClass = hook  # type: ignore[method-assign]


_UNSET: Any = object()


def _method_hook(
    original: Callable[..., Any], around: Callable[[object, Callable[[], Any]], Any]
) -> Callable[..., Any]:
    """``original`` (a setup_method or teardown_method), called through ``around``.

    pytest passes the test method to these hooks only if their code takes a second
    positional argument (``_pytest.python._call_with_optional_argument`` reads
    ``__code__.co_argcount``, not the signature), so the wrapper's must match the original's.
    """
    if original.__code__.co_argcount == 1:

        @functools.wraps(original)
        def hook(instance: object, /, *args: Any, **kwargs: Any) -> Any:
            return around(instance, lambda: original(instance, *args, **kwargs))

        return hook

    @functools.wraps(original)
    def hook_with_method(
        instance: object, method: Any = _UNSET, /, *args: Any, **kwargs: Any
    ) -> Any:
        if method is not _UNSET:
            args = (method, *args)
        return around(instance, lambda: original(instance, *args, **kwargs))

    return hook_with_method


def _class_hook(
    member: Any, cls: type, around: Callable[[type, Callable[[], Any]], Any]
) -> Any | None:
    """``member`` (a setup_class or teardown_class, as found in the class's namespace: a
    classmethod, staticmethod or function), called through ``around`` with the class it runs
    for; None if it is none of those."""
    if isinstance(member, classmethod):
        function = member.__func__

        @functools.wraps(function)
        def bound(owner: type, /, *args: Any, **kwargs: Any) -> Any:
            return around(owner, lambda: function(owner, *args, **kwargs))

        return classmethod(bound)
    wrapper = staticmethod if isinstance(member, staticmethod) else None
    function = member.__func__ if wrapper is not None else member
    if not inspect.isfunction(function):
        return None
    # pytest calls these with the class only if their code takes a positional argument
    # (as for setup_method above).
    if function.__code__.co_argcount:

        @functools.wraps(function)
        def hook(first: Any, /, *args: Any, **kwargs: Any) -> Any:
            owner = first if isinstance(first, type) else cls
            return around(owner, lambda: function(first, *args, **kwargs))

    else:

        @functools.wraps(function)
        def hook(*args: Any, **kwargs: Any) -> Any:
            return around(cls, lambda: function(*args, **kwargs))

    return hook if wrapper is None else wrapper(hook)


def _nothing(cls: type, name: str) -> Callable[..., None]:
    """A hook that does nothing, named as pytest looks for it."""

    def hook(_: object) -> None:
        pass

    hook.__name__ = name
    hook.__qualname__ = f"{cls.__qualname__}.{name}"
    hook.__doc__ = "Added by mock_kms: the test's mock starts and stops around it."
    return hook

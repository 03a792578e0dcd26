"""``KmsMock.acting_as(...)``: a context manager and decorator under which requests act as a
principal, whoever builds the client that sends them.

Code under test (a Lambda handler, a library) makes its own client from the default
credential chain, out of a test's reach. Setting ``AWS_ACCESS_KEY_ID`` for it fails silently
once boto3's default session has cached credentials: its requests then act as the account
root, and a test expecting a denial meets none. So the override lives in the world's
``Access``, which every request reads (``KmsMock.caller_for`` and the local endpoint): clients
made before the block, by other sessions or on other threads act as the principal too.
Credentials issued by ``KmsMock.credentials`` keep acting as their own principal.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from kmsmock.errors import KmsMockUsageError

if TYPE_CHECKING:
    from kmsmock.backend.state import World
    from kmsmock.policy.model import Caller

F = TypeVar("F", bound=Callable[..., Any])


class _Mock(Protocol):
    """What acting as a principal needs of a mock (``KmsMock`` is one)."""

    @property
    def active(self) -> bool: ...

    @property
    def world(self) -> World: ...


_Entered = tuple["World", object]


class ActingAs:
    """Requests whose credentials the mock did not issue act as one principal: inside
    ``with kms.acting_as(...)``, or while a function decorated with it runs. Blocks nest (the
    innermost wins) and may be entered more than once; leaving one, even by an exception,
    restores what was in force before."""

    def __init__(self, mock: _Mock, caller: Caller) -> None:
        self._mock = mock
        self._caller = caller
        self._entered: list[_Entered] = []  # for `with`: one per block entered, innermost last

    @property
    def arn(self) -> str:
        """The ARN requests act as (an assumed-role session's, for a role), as
        AccessDeniedException and ``kms.authorizations`` name it."""
        return self._caller.arn

    def __repr__(self) -> str:
        return f"<acting_as {self.arn}>"

    def _enter(self) -> _Entered:
        mock = self._mock
        if not mock.active:
            raise KmsMockUsageError(
                "acting_as needs an active mock: this one was never started or has stopped. "
                "Use it inside `with mock_kms() as kms:` (or with the kms fixture), or "
                "between start() and stop()"
            )
        world = mock.world
        with world.lock:
            return world, world.access.start_acting(self._caller)

    @staticmethod
    def _leave(entered: _Entered) -> None:
        # The world entered, not the mock's current one: the mock may have stopped and
        # started afresh inside the block.
        world, token = entered
        with world.lock:
            world.access.stop_acting(token)

    def __enter__(self) -> ActingAs:
        self._entered.append(self._enter())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._leave(self._entered.pop())

    def __call__(self, target: F) -> F:
        """Decorate a function or coroutine function: each call runs acting as the principal.
        Each call enters on its own (not through ``with self``), so that concurrent calls
        (asyncio tasks) each leave their own entry."""
        if isinstance(target, type) or not callable(target):
            raise KmsMockUsageError(
                f"acting_as decorates functions and coroutine functions; got {target!r}. "
                "For a block of code, use `with kms.acting_as(...):`"
            )
        function: Any = target
        enter, leave = self._enter, self._leave
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                entered = enter()
                try:
                    return await function(*args, **kwargs)
                finally:
                    leave(entered)

            wrapped: Any = run_async
        elif inspect.isgeneratorfunction(function):
            # Calling a generator function runs none of its body: stay in force while the
            # generator is consumed, not just while it is made.
            @functools.wraps(function)
            def run_generator(*args: Any, **kwargs: Any) -> Any:
                entered = enter()
                try:
                    return (yield from function(*args, **kwargs))
                finally:
                    leave(entered)

            wrapped = run_generator
        else:

            @functools.wraps(function)
            def run(*args: Any, **kwargs: Any) -> Any:
                entered = enter()
                try:
                    return function(*args, **kwargs)
                finally:
                    leave(entered)

            wrapped = run
        result: F = wrapped
        return result

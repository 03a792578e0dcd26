"""``mock_kms`` and ``KmsMock``: one object that is a decorator (sync, async, class), a context
manager, and a start/stop pair."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from kmsmock.backend.principals import caller_of, issue_credentials, issue_environ, root_caller
from kmsmock.backend.state import World
from kmsmock.crypto import keypool
from kmsmock.errors import KmsMockUsageError
from kmsmock.integrations import checked as integrations_checked
from kmsmock.integrations import seam as integrations_seam
from kmsmock.mocking.acting import ActingAs
from kmsmock.mocking.configure import MockSetup, apply_settings, checked_settings
from kmsmock.mocking.decorate import decorate
from kmsmock.mocking.events import Events
from kmsmock.mocking.injection import Injection
from kmsmock.mocking.snapshot import Snapshot
from kmsmock.policy.model import Caller
from kmsmock.seams import active as _active
from kmsmock.seams.environment import first_in, last_out
from kmsmock.settings import Settings

if TYPE_CHECKING:
    from datetime import datetime

    from kmsmock.backend.authorize import Authorization
    from kmsmock.cost.report import CostReport

DEFAULT_ACCOUNT_ID = "123456789012"

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)


class KmsMock(MockSetup, Injection):
    """A mock of AWS KMS. While active, every KMS request botocore makes is served in-process.

    Use it as a context manager::

        with mock_kms() as kms:
            boto3.client("kms", region_name="eu-west-1").create_key()

    or through ``mock_kms`` as a decorator, or with ``start()``/``stop()``. Activations nest:
    an inner one shares the outermost one's state; each new outermost activation starts empty,
    or, with ``snapshot=`` (from ``snapshot()``), from its own copy of a snapshot's state.
    """

    def __init__(
        self,
        *,
        account_id: str | None = None,
        enforce_policies: bool | None = None,
        snapshot: Snapshot | None = None,
        quotas: bool = False,
        settings: Settings | Mapping[str, Any] | None = None,
        integrations: str | Iterable[str] | None = None,
    ) -> None:
        self._settings = checked_settings(settings)
        # -- service integrations (kmsmock/integrations): which services call this mock's KMS
        self.integrations: frozenset[str] = integrations_checked(integrations)
        # --
        if not isinstance(quotas, bool):
            raise KmsMockUsageError(f"quotas must be True or False; got {quotas!r}")
        self.quotas = quotas
        if snapshot is not None and not isinstance(snapshot, Snapshot):
            raise KmsMockUsageError(
                f"snapshot must be what KmsMock.snapshot() returned; got {type(snapshot).__name__}"
            )
        # Not given: the snapshot's (the account and setting it was built with), else the
        # defaults.
        if account_id is None:
            account_id = DEFAULT_ACCOUNT_ID if snapshot is None else snapshot.account_id
        if enforce_policies is None:
            enforce_policies = True if snapshot is None else snapshot.enforce_policies
        # [0-9], not \d: \d also matches other scripts' digits, which no AWS account has.
        if not isinstance(account_id, str) or not re.fullmatch(r"[0-9]{12}", account_id):
            raise KmsMockUsageError(
                f"account_id must be a string of 12 digits, like {DEFAULT_ACCOUNT_ID!r}; "
                f"got {account_id!r}"
            )
        if not isinstance(enforce_policies, bool):
            raise KmsMockUsageError(
                f"enforce_policies must be True or False; got {enforce_policies!r}"
            )
        self.account_id = account_id
        self.enforce_policies = enforce_policies
        self._snapshot = snapshot
        self._world: World | None = None
        self._active = False
        self._outer_settings: Settings | None = None  # nested with settings=: restored at stop

    # -- state -------------------------------------------------------------------------------

    @property
    def world(self) -> World:
        """All state of this mock (shared with the outermost active mock)."""
        if self._world is None:
            raise KmsMockUsageError("this mock has not been started; use start() or `with`")
        return self._world

    def load(self, source: str | os.PathLike[str] | Mapping[str, Any]) -> None:
        """Load a seed file or state file (a path, or the same document as a dict) into this
        active mock, e.g. in a fixture: ``with mock_kms() as kms: kms.load("kms-seed.json")``.

        Into an empty mock the document's whole world goes, its secret included; into one
        with keys or principals its contents are added, and any clash (a key ID, alias,
        access key...) refuses the whole load. Entries without an account are in this
        mock's account. Raises ``kmsmock.persist.StateFileError`` for a bad document
        (docs/seed-files.md describes the format).
        """
        if not self._active:
            raise KmsMockUsageError(
                "load a seed while the mock is active (inside `with mock_kms() as kms:`, or "
                "between start() and stop())"
            )
        from kmsmock.persist.install import load_into

        load_into(self.world, source, account=self.account_id)

    def caller_for(self, access_key: str | None, region: str | None = None) -> Caller:
        """Who a request signed with ``access_key`` (in ``region``) acts as: the principal it
        was issued for by ``credentials()``, else the innermost ``acting_as()`` principal in
        force, else the root of this mock's account in the Region's partition
        (``arn:aws-cn:iam::...:root`` in a China Region)."""
        world = self._world
        if world is not None:
            access = world.access
            if access_key is not None:
                caller = access.callers.get(access_key)
                if caller is not None:
                    return caller
            # An acting_as override: its ARN names the partition, whatever the Region.
            acting = access.acting
            if acting is not None:
                return acting
        if region is None:
            return root_caller(self.account_id)
        return root_caller(self.account_id, _partition_of(region))

    def snapshot(self) -> Snapshot:
        """The mock's whole state as it is now, frozen, to start other mocks from::

            with mock_kms() as kms:
                ...  # make keys, aliases, grants
                snapshot = kms.snapshot()

            with mock_kms(snapshot=snapshot):
                ...  # starts with a copy of those keys; changes stay in this mock

        Take it while the mock is active. Copies made from it share its secret, so
        ciphertexts and grant tokens made before the snapshot work in each of them.
        """
        if not self._active:
            raise KmsMockUsageError(
                "take the snapshot while the mock is active (inside `with mock_kms() as "
                "kms:`, or between start() and stop())"
            )
        world = self.world
        with world.lock:
            frozen = world.copy()
            # The snapshot shares the private keys made so far: none may go back to the pool.
            keypool.keep(world.secret)
        return Snapshot(frozen, account_id=self.account_id, enforce_policies=world.access.enforce)

    @property
    def events(self) -> Events:
        """Every KMS request served (allowed, denied, failed or invalid) and every background
        rotation and deletion, as CloudTrail-shaped audit events, oldest first (the latest
        1,000 are kept; ``kms.configure(audit_events_kept=n)`` changes that)::

            denied = kms.events.filter(operation="Decrypt", outcome="denied")
            json.dump(kms.events.to_cloudtrail(), file)
        """
        return Events(self.world, self.account_id)

    # -- principals ----------------------------------------------------------------------------

    @property
    def authorizations(self) -> list[Authorization]:
        """The latest authorization decisions (up to 1,000), oldest first: who asked for which
        action on which key, whether it was allowed, and the statement or grant that decided::

            print(kms.authorizations[-1])
            # kms:Decrypt by arn:aws:sts::123456789012:assumed-role/app/fn on arn:aws:kms:...:
            # denied: the key policy lets the caller's account decide, and no identity
            # policy allows it
        """
        return list(self.world.access.decisions)

    def report(self, *, limit: int = 50) -> str:
        """The requests this mock's world served, in order, each denied or failed one with why:
        the text the pytest plugin puts in a failing test's "kmsmock" section, for use
        elsewhere (a unittest failure message, a debugger)::

            print(kms.report())
            # kmsmock served 3 requests: 2 succeeded, 1 denied, 0 failed.
            # 3. Decrypt key/... by arn:aws:sts::...:assumed-role/app/kmsmock -> AccessDenied...
            #    near miss: key policy statement "LambdaDecrypt" (#2) would allow it, but ...
        """
        from kmsmock.reporting.transcript import transcript

        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise KmsMockUsageError(f"report(limit=...) is a positive number; got {limit!r}")
        return transcript(self.world.events.snapshot(), self.authorizations, limit=limit)

    def credentials(
        self,
        principal_arn: str,
        *,
        session_name: str | None = None,
        via_service: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """Credentials whose requests act as ``principal_arn``, for ``boto3.client(...)``::

            role = "arn:aws:iam::123456789012:role/billing-exec"
            fn = boto3.client("kms", region_name="us-east-1",
                              **kms.credentials(role, session_name="billing"))

        A role acts as an STS assumed-role session (``session_name``, "kmsmock" if not given:
        ``arn:aws:sts::<account>:assumed-role/<role>/<session>``); users and account roots act
        as themselves. ``via_service="lambda.us-east-1.amazonaws.com"`` makes every request of
        these credentials one an AWS service makes on the principal's behalf (``kms:ViaService``).
        The principal may be in any account. ``tags`` are the principal's tags (or the
        session's), which policies read as ``aws:PrincipalTag/<key>``.
        """
        caller = caller_of(
            principal_arn, session_name=session_name, via_service=via_service, tags=tags
        )
        return issue_credentials(self.world.access, caller)

    def acting_as(
        self,
        principal_arn: str,
        *,
        session_name: str | None = None,
        via_service: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ActingAs:
        """Act as ``principal_arn`` in code that builds its own clients (a Lambda handler, a
        library), as a context manager or a decorator (of functions and coroutine functions)::

            with kms.acting_as(role, session_name="billing"):
                handler(event, context)  # its boto3.client("kms") acts as the role

        Inside, every KMS request whose credentials this mock did not issue acts as the
        principal, whichever client, session or thread sends it; requests signed with
        ``credentials()`` keep their own principal. Blocks nest (the innermost wins), and
        leaving one, even by an exception, restores what was in force. The arguments are
        ``credentials()``'s; the ARN's partition applies in every Region.
        """
        caller = caller_of(
            principal_arn, session_name=session_name, via_service=via_service, tags=tags
        )
        return ActingAs(self, caller)

    def environ(
        self,
        principal_arn: str,
        *,
        session_name: str | None = None,
        via_service: str | None = None,
        tags: Mapping[str, str] | None = None,
        region: str | None = None,
    ) -> dict[str, str]:
        """New credentials as ``credentials()`` issues them, as environment variables
        (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, and
        ``AWS_DEFAULT_REGION`` with ``region=``), for a subprocess talking to a
        ``LocalEndpoint``: ``subprocess.run(cmd, env={**os.environ, **kms.environ(role)})``.

        Setting them in this process (``monkeypatch.setenv``) reaches only sessions created
        afterwards: a session that already has credentials, as boto3's default session does
        after its first client, keeps them and acts as the account root. For code in this
        process, use ``acting_as()``.
        """
        caller = caller_of(
            principal_arn, session_name=session_name, via_service=via_service, tags=tags
        )
        return issue_environ(self.world.access, caller, region)

    def cost(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        prices: Mapping[str, Any] | None = None,
    ) -> CostReport:
        """What the usage so far would cost on AWS, on the mock clock (docs/cost.md)::

            report = kms.cost()
            assert report.accounts["123456789012"].key_months == Decimal("0.9863013699")
            print(report)

        Keys are billed from creation until scheduled for deletion, by the hour (a month is
        730 hours); requests by price class after the free tier, to the caller's account.
        ``start``/``end`` (naive means UTC) limit the period; by default it is everything
        recorded, up to now. ``prices`` overrides names of ``kmsmock.cost.prices.PRICES``.
        """
        from kmsmock.cost.report import cost_report

        return cost_report(self.world, start=start, end=end, prices=prices)

    # -- activation --------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Whether this mock is between ``start()`` and ``stop()``."""
        return self._active

    def start(self) -> KmsMock:
        """Activate the mock; pair with ``stop()``. Returns the mock itself."""
        if self._active:
            raise KmsMockUsageError(
                "this mock is already active: call stop() before starting it again, or use a "
                "new mock_kms() to nest a second activation"
            )
        _active.push(self, first=first_in, attach=self._attach)
        self._active = True
        if self.integrations:
            integrations_seam.activate(self.integrations)
        return self

    def stop(self) -> None:
        """Deactivate the mock. State stays readable until the next ``start()``."""
        if not self._active:
            raise KmsMockUsageError(
                "this mock is not active: it was never started or stop() was already called; "
                "call stop() once for each start()"
            )
        self._active = False
        outer, self._outer_settings = self._outer_settings, None
        if outer is not None:
            self.world.configure(outer)
        if self.integrations:
            integrations_seam.deactivate(self.integrations)
        _active.pop(self, last=self._last_out)

    def _last_out(self) -> None:
        """No mock is active any more: this mock's world has ended."""
        last_out()
        if self._world is not None:
            # Its RSA keys may serve the next mock (never two keys of one mock).
            keypool.give_back(self._world.secret)

    def _attach(self, outermost: _active.Served | None) -> None:
        """Called by ``_active.push`` under its lock, before this mock becomes visible to
        requests: join the outermost activation's state, or start empty if there is none."""
        if outermost is not None:
            if self._snapshot is not None:
                # Joining the active mock's state would ignore the snapshot; replacing it
                # would pull the state from under the active mock.
                raise KmsMockUsageError(
                    "a mock started from a snapshot must be the only active mock: another "
                    "mock is active (a `kms` fixture, a decorator or a `with mock_kms()`); "
                    "start this one instead of that one, not inside it"
                )
            self._world = outermost.world
        elif self._snapshot is not None:
            self._world = self._snapshot.world()
            self._world.access.enforce = self.enforce_policies
        else:
            self._world = World()
            self._world.access.enforce = self.enforce_policies
        replaced = apply_settings(self._world, self._settings)
        if outermost is not None:
            self._outer_settings = replaced
        if self.quotas and self._world.quotas is None:
            from kmsmock.backend.quotas import Quotas

            self._world.quotas = Quotas()

    def __repr__(self) -> str:
        state = "active" if self._active else "inactive"
        world = self._world
        if world is None:
            return f"<KmsMock {state} account={self.account_id}>"
        keys = sum(len(region.keys) for region in list(world.regions.values()))
        return (
            f"<KmsMock {state} account={self.account_id} keys={keys} "
            f"events={len(world.events.snapshot())}>"
        )

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

    def fresh(self, snapshot: Snapshot | None = None) -> KmsMock:
        """A new, unstarted mock made as this one was (account, policies, quotas, settings),
        starting from ``snapshot`` if given, else from this one's own snapshot if it has one:
        what each call of a decorated test runs in."""
        return type(self)(
            account_id=self.account_id,
            enforce_policies=self.enforce_policies,
            snapshot=snapshot if snapshot is not None else self._snapshot,
            quotas=self.quotas,
            settings=self._settings,
            integrations=self.integrations,
        )

    @overload
    def __call__(self, target: C) -> C: ...

    @overload
    def __call__(self, target: F) -> F: ...

    def __call__(self, target: Any) -> Any:
        """Decorate a test function, coroutine function or class: each call gets a fresh mock."""
        return decorate(self, target)


def _partition_of(region: str) -> str:
    """The partition of ``region``; the protocol (and botocore's partition data) loads on the
    first call, then this name is rebound to the protocol's cached function itself."""
    global _partition_of
    from kmsmock.aws.partitions import partition_of

    _partition_of = partition_of
    return partition_of(region)


@overload
def mock_kms(target: F, /) -> F: ...


@overload
def mock_kms(
    *,
    account_id: str | None = None,
    enforce_policies: bool | None = None,
    snapshot: Snapshot | None = None,
    quotas: bool = False,
    settings: Settings | Mapping[str, Any] | None = None,
    integrations: str | Iterable[str] | None = None,
) -> KmsMock: ...


def mock_kms(
    target: Any = None,
    /,
    *,
    account_id: str | None = None,
    enforce_policies: bool | None = None,
    snapshot: Snapshot | None = None,
    quotas: bool = False,
    settings: Settings | Mapping[str, Any] | None = None,
    integrations: str | Iterable[str] | None = None,
) -> Any:
    """Mock AWS KMS for a test.

    As a decorator (sync or ``async def`` functions, test classes, ``unittest.TestCase``)::

        @mock_kms
        def test_roundtrip():
            kms = boto3.client("kms", region_name="eu-west-1")
            ...

    As a context manager that yields the ``KmsMock``::

        with mock_kms(account_id="111122223333") as kms:
            ...

    ``enforce_policies=False`` serves every request whoever makes it, as moto does; by default
    key policies, identity policies and grants decide, as on AWS.

    ``snapshot=`` (from ``KmsMock.snapshot()``) starts each activation from a copy of that
    state; ``account_id`` and ``enforce_policies`` then default to the snapshot's.

    ``quotas=True`` enforces AWS's request-rate quotas on the mock clock
    (``KmsMock.enable_quotas``).

    ``settings=`` (a ``kmsmock.Settings``, or a dict of changes by name such as
    ``{"limits.tags_per_key": 5}``) sets AWS's resource quotas and the other settings of
    docs/settings.md; a dict changes the defaults (or the snapshot's). A mock started inside
    another shares its world: its settings apply until it stops, then the outer ones again.

    ``integrations=["s3", "ssm", "secretsmanager"]`` (or ``"all"``) makes those services call
    this mock's KMS as AWS's do, while the mock is active: an SSE-KMS upload calls
    GenerateDataKey as its signer, a disabled key fails the upload with S3's own error, and so
    on. The services themselves must be mocked too (moto's ``mock_aws``):
    docs/service-integrations.md.
    """
    mock = KmsMock(
        account_id=account_id,
        enforce_policies=enforce_policies,
        snapshot=snapshot,
        quotas=quotas,
        settings=settings,
        integrations=integrations,
    )
    if target is None:
        return mock
    return mock(target)


def active_mocks() -> tuple[KmsMock, ...]:
    """Every active mock, outermost first (empty when none is active)."""
    return tuple(mock for mock in _active.active_mocks() if isinstance(mock, KmsMock))

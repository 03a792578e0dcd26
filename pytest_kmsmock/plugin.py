"""kmsmock's pytest plugin: the ``kmsmock`` fixture (also ``kms``), ``kms_client``, the ``kms``
marker, the ini options, and the watch for mocks a test leaves running (docs/pytest.md).

Loading the plugin imports kmsmock at pytest start-up, so its botocore hook is in place before
any test module creates a boto3 session or client.

The fixtures kmsmock's own fixtures and marker depend on are named ``kmsmock`` and ``kms_*``:
``kms`` alone is a name projects also give their own fixtures, and one of theirs replacing
kmsmock's must not break ``kms_client`` or the marker.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from kmsmock import DEFAULT_ACCOUNT_ID, KmsMock, KmsMockUsageError, Settings, block_real_aws
from kmsmock.mocking.snapshot import Snapshot
from kmsmock.seams.environment import DEFAULT_REGION
from pytest_kmsmock import _leaks, _report
from pytest_kmsmock._settings import (
    USAGE,
    Marked,
    MockSettings,
    SettingError,
    check_account,
    check_integrations,
    check_region,
    from_marker,
    ini_settings,
    merge,
)

if TYPE_CHECKING:
    from botocore.client import BaseClient

_SETTINGS = pytest.StashKey[Marked]()
_INI_SETTINGS = pytest.StashKey[dict[str, Any]]()
_BLOCKED_BEFORE = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "kms_region",
        "kmsmock: the Region of kms_client and of clients made without region_name "
        f"(default: AWS_DEFAULT_REGION, else {DEFAULT_REGION})",
        default="",
    )
    parser.addini(
        "kms_account_id",
        f"kmsmock: the account of the kms mock's default credentials (default "
        f"{DEFAULT_ACCOUNT_ID})",
        default="",
    )
    parser.addini(
        "kms_settings",
        "kmsmock: the kms mock's settings, one 'name = value' a line (limits.tags_per_key = 5, "
        "transition_delay = 30 seconds, audit_events_kept = 100; docs/settings.md)",
        type="linelist",
        default=[],
    )
    parser.addini(
        "kms_integrations",
        "kmsmock: the services that call the kms fixture's KMS as AWS's do: s3, ssm, "
        "secretsmanager, or all (default: none; docs/service-integrations.md)",
        type="args",
        default=[],
    )
    parser.addini(
        "kms_block_real_aws",
        "kmsmock: refuse (KmsMockUsageError) every KMS request made while no mock is active, "
        "instead of sending it to AWS (recommended for CI)",
        type="bool",
        default=False,
    )
    parser.addini(
        _report.INI,
        "kmsmock: which tests' reports get a 'kmsmock' section listing their KMS requests "
        "and why any was denied or failed: failures (default), always or never",
        default="failures",
    )
    parser.addoption(
        "--kms-block-real-aws",
        action="store_true",
        default=False,
        help="kmsmock: refuse every KMS request made while no mock is active (as the "
        "kms_block_real_aws ini option)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"kms(region=, account_id=, regions=[...], account_ids=[...], enforce_policies=, "
        f"settings=, integrations=[...]): "
        f"settings of kmsmock's kms fixture for these tests; regions= and account_ids= run "
        f"the test once for each. Example: {USAGE}",
    )
    try:
        for name, check in (("kms_region", check_region), ("kms_account_id", check_account)):
            value = _ini(config, name)
            if value:
                check(value, f"ini option {name}")
        config.stash[_INI_SETTINGS] = ini_settings(config.getini("kms_settings"))
        _ini_integrations(config)
    except SettingError as error:
        raise pytest.UsageError(str(error)) from None
    if config.getoption("kms_block_real_aws") or config.getini("kms_block_real_aws"):
        config.stash[_BLOCKED_BEFORE] = block_real_aws(True)
    _leaks.configure(config)
    _report.configure(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    # A pytest run inside another (pytester) leaves the outer run's guard as it found it.
    if _BLOCKED_BEFORE in config.stash:
        block_real_aws(config.stash[_BLOCKED_BEFORE])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The ``kms`` marker alone activates the mock: a test it marks (itself, or through its
    class or module) gets the ``kmsmock`` fixture, first, so the mock is active before the
    test's other fixtures run, whether or not the test asks for it."""
    for item in items:
        names = getattr(item, "fixturenames", None)
        if names is not None and "kmsmock" not in names and item.get_closest_marker("kms"):
            names.insert(0, "kmsmock")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, Any]:
    """A failing test whose ``kms`` is a project's own fixture, not kmsmock's mock, is told so
    in its report: the mistake behind many a puzzling AttributeError."""
    report = yield
    if report.failed:
        shadowed = _own_kms_fixture(item)
        if shadowed is not None:
            report.sections.append(
                (
                    "kmsmock",
                    f"This test's `kms` fixture is not kmsmock's mock: the fixture `kms` "
                    f"defined at {shadowed} replaces it. kmsmock's mock is also the `kmsmock` "
                    "fixture: request that one for the mock.",
                )
            )
    return report


def _own_kms_fixture(item: pytest.Item) -> str | None:
    """Where the project's own ``kms`` fixture that ``item`` uses is defined, if it uses one."""
    if "kms" not in getattr(item, "fixturenames", ()):
        return None
    info = getattr(item, "_fixtureinfo", None)  # pytest's record of the test's fixtures
    definitions = getattr(info, "name2fixturedefs", {}).get("kms") if info is not None else None
    if not definitions:
        return None
    function = getattr(definitions[-1], "func", None)
    if getattr(function, "__module__", __name__) == __name__:
        return None
    code = getattr(function, "__code__", None)
    return f"{code.co_filename}:{code.co_firstlineno}" if code is not None else repr(function)


def _ini_integrations(config: pytest.Config) -> tuple[str, ...]:
    """The ini option ``kms_integrations`` (names separated by spaces or commas), checked."""
    value = config.getini("kms_integrations")
    names = [part for item in value or () for part in str(item).replace(",", " ").split()]
    return check_integrations(names, "ini option kms_integrations")


def _ini(config: pytest.Config, name: str) -> str:
    value = config.getini(name)
    return value.strip() if isinstance(value, str) else ""


def _settings(node: Any) -> Marked:  # a test item, or its definition while collecting
    """The test's markers, merged and checked (once per test)."""
    settings: Marked | None = node.stash.get(_SETTINGS, None)
    if settings is None:
        problem = None
        try:
            settings = merge(from_marker(m.args, m.kwargs) for m in node.iter_markers("kms"))
        except SettingError as error:
            problem = str(error)
        if problem is not None or settings is None:  # outside `except`: no chained traceback
            pytest.fail(f"{node.nodeid}: {problem}", pytrace=False)
        node.stash[_SETTINGS] = settings
    return settings


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``regions=`` and ``account_ids=`` run the test once per Region / account, with test
    IDs such as ``test_x[eu-west-1]``."""
    settings = _settings(metafunc.definition)
    for values, fixture in (
        (settings.regions, "kms_region"),
        (settings.account_ids, "kms_account_id"),
    ):
        if values is None:
            continue
        if fixture not in metafunc.fixturenames:
            # The marker activates the mock (pytest_collection_modifyitems), and the mock
            # reads this fixture: it is the test's even when the test does not name it.
            metafunc.fixturenames.append(fixture)
        metafunc.parametrize(fixture, values, indirect=True, ids=list(values))


def _explicit_region(request: pytest.FixtureRequest) -> str | None:
    param: str | None = getattr(request, "param", None)
    if param is not None:
        return param
    return _settings(request.node).region or _ini(request.config, "kms_region") or None


@pytest.fixture
def kms_snapshot() -> Snapshot | None:
    """The snapshot every ``kms`` mock starts from: None (an empty mock) unless a conftest or
    module overrides this fixture to return ``KmsMock.snapshot()`` (see docs/pytest.md)."""
    return None


@pytest.fixture
def kms_region(request: pytest.FixtureRequest) -> str:
    """The test's Region (kms marker, else ini kms_region, else AWS_DEFAULT_REGION, else
    us-east-1): kms_client's, and, when set by a marker or ini option, AWS_DEFAULT_REGION's
    during the test."""
    return (
        _explicit_region(request)
        or os.environ.get("AWS_DEFAULT_REGION")
        or os.environ.get("AWS_REGION")
        or DEFAULT_REGION
    )


@pytest.fixture
def kms_account_id(request: pytest.FixtureRequest, kms_snapshot: Snapshot | None) -> str:
    """The account the test's default credentials act as (the root of): kms marker, else
    ini kms_account_id, else the snapshot's account, else 123456789012."""
    param: str | None = getattr(request, "param", None)
    return (
        param
        or _settings(request.node).account_id
        or _ini(request.config, "kms_account_id")
        or (kms_snapshot.account_id if kms_snapshot is not None else DEFAULT_ACCOUNT_ID)
    )


@pytest.fixture
def kmsmock(
    request: pytest.FixtureRequest,
    kms_region: str,
    kms_account_id: str,
    kms_snapshot: Snapshot | None,
) -> Iterator[KmsMock]:
    """An active KMS mock for the test, stopped afterwards (also the ``kms`` fixture).

    Its account is ``kms_account_id``; it starts from ``kms_snapshot`` if that fixture is
    overridden. A Region set by the kms marker or the kms_region ini option is
    AWS_DEFAULT_REGION during the test, so clients made without region_name use it. Its
    settings are the marker's ``settings=`` over the kms_settings ini option's.
    """
    marked = _settings(request.node)
    # The marker's integrations=, else the ini option's (kmsmock/integrations).
    integrations = marked.integrations
    if integrations is None:
        integrations = _ini_integrations(request.config)
    mock = KmsMock(
        account_id=kms_account_id,
        enforce_policies=marked.enforce_policies,
        snapshot=kms_snapshot,
        settings=_mock_settings(marked.settings, request.config.stash.get(_INI_SETTINGS, {})),
        integrations=integrations,
    )
    with pytest.MonkeyPatch.context() as patch:
        # Set before the mock starts: it then leaves the environment's Region alone.
        if _explicit_region(request) is not None or "kms_region" in _params(request):
            patch.setenv("AWS_DEFAULT_REGION", kms_region)
        with mock:
            yield mock


def _mock_settings(
    marked: MockSettings | None, ini: dict[str, Any]
) -> Settings | dict[str, Any] | None:
    """A whole Settings from a marker hides the ini option; a marker's changes go over the
    ini option's. None: neither says anything (the defaults, or the snapshot's)."""
    if isinstance(marked, Settings):
        return marked
    changes = {**ini, **(marked or {})}
    return changes or None


@pytest.fixture
def kms(kmsmock: KmsMock) -> KmsMock:
    """The test's active KMS mock: the ``kmsmock`` fixture, by its short name.

    A project's own fixture named ``kms`` replaces this one and nothing else: kmsmock's other
    fixtures and the ``kms`` marker use ``kmsmock``."""
    return kmsmock


def _params(request: pytest.FixtureRequest) -> dict[str, Any]:
    callspec = getattr(request.node, "callspec", None)
    return dict(callspec.params) if callspec is not None else {}


@pytest.fixture
def kms_client(kmsmock: KmsMock, kms_region: str) -> BaseClient:
    """A boto3 KMS client in ``kms_region``, acting as the root of the mock's account.

    It works only while its test's ``kms`` mock is active: kept past its test (or used
    after ``kms.stop()``), it raises KmsMockUsageError instead of calling AWS.
    """
    try:
        import boto3
    except ImportError:  # kmsmock needs botocore only
        import botocore.session

        client: BaseClient = botocore.session.get_session().create_client(
            "kms", region_name=kms_region
        )
    else:
        client = boto3.client("kms", region_name=kms_region)

    def refuse_without_the_mock(**_: Any) -> None:
        if not kmsmock.active:
            raise KmsMockUsageError(
                "kms_client belongs to a test's kms mock, which has stopped (at the end of "
                "its test, or by kms.stop()); it never calls AWS. Request the kms_client "
                "fixture in the test that uses it, or make a client with boto3.client('kms') "
                "while a mock is active"
            )

    client.meta.events.register("before-call.kms", refuse_without_the_mock)
    return client


if TYPE_CHECKING:
    from kmsmock.server import LocalEndpoint


@pytest.fixture
def kms_endpoint(kmsmock: KmsMock) -> Iterator[LocalEndpoint]:
    """A local KMS endpoint (``kmsmock.server.LocalEndpoint``) on a free port, serving the
    ``kmsmock`` mock's world, for the AWS CLI and other clients that reach KMS over HTTP;
    stopped after the test. ``kms_endpoint.url`` is its address (docs/local-endpoint.md)."""
    from kmsmock.server import LocalEndpoint  # the server loads only for tests that use it

    with LocalEndpoint(kmsmock) as endpoint:
        yield endpoint

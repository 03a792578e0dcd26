"""The pytest plugin: the ``kms`` fixture, and its registration through the pytest11 entry
point (no conftest in the projects below names it)."""

from __future__ import annotations

import _preload  # noqa: F401  (every kmsmock module, before any in-process run)
import pytest

# Here rather than in tests/plugin/conftest.py: pytest refuses pytest_plugins in a conftest
# below the rootdir, and a second conftest.py would shadow tests/conftest.py for the modules
# that import helpers from it.
pytest_plugins = ["pytester"]

# Strict as this project's own settings; plugins that happen to be installed and warn about
# their own configuration are kept out.
INI = """
[pytest]
addopts = -p no:cacheprovider -p no:asyncio -p no:benchmark -p no:randomly
filterwarnings = error
"""

FIXTURE_TESTS = """
import boto3

from kmsmock import KmsMock


def client():
    return boto3.client("kms", region_name="us-east-1")


def test_the_fixture_is_an_active_mock(kms):
    assert isinstance(kms, KmsMock)
    assert kms.active
    key = client().create_key()["KeyMetadata"]
    assert key["AWSAccountId"] == kms.account_id == "123456789012"
    assert [len(r.keys) for r in kms.world.regions.values()] == [1]


def test_state_does_not_leak_from_the_previous_test(kms):
    assert client().list_keys()["Keys"] == []
    client().create_key()


def test_nor_from_this_one(kms):
    assert client().list_keys()["Keys"] == []


def test_a_decorated_test_inside_the_fixture_shares_its_state(kms):
    from kmsmock import mock_kms

    client().create_key()

    @mock_kms
    def inner():
        return len(client().list_keys()["Keys"])

    assert inner() == 1
    assert kms.active
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    return pytester


def test_the_kms_fixture_gives_each_test_a_fresh_active_mock(project: pytest.Pytester) -> None:
    project.makepyfile(test_fixture=FIXTURE_TESTS)
    result = project.runpytest()
    result.assert_outcomes(passed=4)


def test_the_fixture_stops_the_mock_after_the_test(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_after="""
        import boto3
        import pytest
        from botocore.config import Config
        from botocore.exceptions import EndpointConnectionError

        seen = []


        def test_with_the_fixture(kms):
            seen.append(kms)


        def test_afterwards_nothing_is_served(monkeypatch):
            assert not seen[0].active
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
            probe = boto3.client(
                "kms",
                region_name="us-east-1",
                endpoint_url="http://127.0.0.1:9",
                config=Config(retries={"total_max_attempts": 1}, connect_timeout=1),
            )
            with pytest.raises(EndpointConnectionError):
                probe.list_keys()
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=2)


def test_the_fixture_stops_the_mock_when_the_test_fails(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_failing="""
        seen = []


        def test_fails(kms):
            seen.append(kms)
            raise AssertionError("the test failed")


        def test_the_mock_was_stopped():
            assert not seen[0].active
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=1)


ENTRY_POINT_TESTS = """
import sys

# Before this module imports anything: the plugin has already imported kmsmock.
IMPORTED_AT_START_UP = "kmsmock" in sys.modules

import boto3

# Made at import time, before any mock starts.
SESSION = boto3.session.Session(region_name="eu-west-1")


def test_kmsmock_was_imported_when_pytest_started():
    assert IMPORTED_AT_START_UP


def test_a_session_made_before_the_mock_is_intercepted(kms):
    arn = SESSION.client("kms").create_key()["KeyMetadata"]["Arn"]
    assert arn.startswith("arn:aws:kms:eu-west-1:123456789012:key/")
"""


def test_the_plugin_is_registered_through_the_pytest11_entry_point(
    project: pytest.Pytester,
) -> None:
    """In a fresh interpreter, with no conftest: only the installed entry point can provide
    the fixture."""
    project.makepyfile(test_entry_point=ENTRY_POINT_TESTS)
    assert not list(project.path.glob("**/conftest.py"))
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=2)


def test_disabling_the_plugin_by_its_entry_point_name_removes_the_fixture(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_disabled="""
        def test_uses_kms(kms):
            pass
        """
    )
    result = project.runpytest_subprocess("-p", "no:kmsmock")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'kms' not found*"])


def test_the_fixture_is_documented(project: pytest.Pytester) -> None:
    result = project.runpytest("--fixtures")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "kmsmock -- *pytest_kmsmock*plugin.py*",
            "*An active KMS mock for the test*",
            "kms -- *pytest_kmsmock*plugin.py*",
            "*The test's active KMS mock*",
        ]
    )

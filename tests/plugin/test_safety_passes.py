"""No false passes (issue 16): a mock left running is reported and stopped, a project's own
``kms`` fixture breaks nothing and is named when its test fails, and usage errors raised while
a request is served stay usage errors."""

from __future__ import annotations

import _preload  # noqa: F401  (every kmsmock module, before any in-process run)
import boto3
import pytest
from botocore.exceptions import ClientError
from helpers_offline import offline_project

from kmsmock import KmsMock, KmsMockUsageError
from kmsmock.server import LocalEndpoint

pytest_plugins = ["pytester"]

INI = """
[pytest]
addopts = -p no:cacheprovider -p no:asyncio -p no:benchmark -p no:randomly
filterwarnings = error
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    return pytester


# -- 7. a mock started and never stopped ------------------------------------------------------

LEAK_MESSAGE = (
    "KmsMockUsageError: test_leak.py::test_leaks started a kmsmock mock and never stopped it: "
    "a mock started with mock_kms().start() stays active, with its keys, for every later test "
    "until stop() is called. kmsmock has stopped it, so the next test starts empty. Pair "
    "start() with stop() (try/finally, or request.addfinalizer(mock.stop)), or use a form that "
    "stops by itself: `with mock_kms() as kms:`, @mock_kms, the kms fixture or "
    "@pytest.mark.kms. A mock meant to span several tests belongs in a fixture of a wider scope "
    '(scope="module" or "session").'
)


def test_a_leaked_mock_is_an_error_of_its_test_and_is_stopped(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_leak="""
        import boto3

        import kmsmock
        from kmsmock import mock_kms


        def test_leaks():
            mock_kms().start()
            boto3.client("kms", region_name="us-east-1").create_key()


        def test_the_next_test_starts_with_no_mock():
            assert kmsmock.active_mocks() == ()


        def test_and_with_an_empty_world(kms_client):
            assert kms_client.list_keys()["Keys"] == []


        def test_two_leaks_inside_the_fixture(kms):
            mock_kms().start()
            mock_kms().start()
            assert len(kmsmock.active_mocks()) == 3


        def test_nothing_is_left():
            assert kmsmock.active_mocks() == ()
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=5, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_leaks*",
            "E   kmsmock.errors." + LEAK_MESSAGE,
            "*ERROR at teardown of test_two_leaks_inside_the_fixture*",
            "E   kmsmock.errors.KmsMockUsageError: "
            "test_leak.py::test_two_leaks_inside_the_fixture started 2 kmsmock mocks and never "
            "stopped them:*",
        ]
    )


def test_mocks_of_a_wider_scope_are_left_alone(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
        import pytest

        from kmsmock import mock_kms

        SESSION_MOCK = mock_kms().start()  # at conftest import: for the whole run


        def pytest_unconfigure():
            SESSION_MOCK.stop()
        """
    )
    project.makepyfile(
        test_wide="""
        import boto3
        import pytest

        import kmsmock
        from kmsmock import mock_kms

        MODULE_MOCKS = []


        def setup_module():
            MODULE_MOCKS.append(mock_kms().start())


        def teardown_module():
            MODULE_MOCKS.pop().stop()


        @pytest.fixture(scope="module")
        def module_mock():
            with mock_kms() as mock:
                yield mock


        def test_one(module_mock):
            assert len(kmsmock.active_mocks()) == 3
            boto3.client("kms", region_name="us-east-1").create_key()


        def test_two(module_mock):
            # The same mocks, and the key made in test_one: one world for the module.
            assert len(kmsmock.active_mocks()) == 3
            assert len(boto3.client("kms", region_name="us-east-1").list_keys()["Keys"]) == 1


        class TestClassScope:
            @classmethod
            def setup_class(cls):
                cls.mock = mock_kms().start()

            @classmethod
            def teardown_class(cls):
                cls.mock.stop()

            def test_in_class(self):
                # The module's fixture is still active, and the class's mock joins them.
                assert len(kmsmock.active_mocks()) == 4
        """
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=3)


def test_a_mock_stopped_in_the_test_is_no_leak(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_paired="""
        from kmsmock import mock_kms


        def test_paired(request):
            mock = mock_kms().start()
            request.addfinalizer(mock.stop)


        def test_try_finally():
            mock = mock_kms().start()
            try:
                pass
            finally:
                mock.stop()
        """
    )
    project.runpytest().assert_outcomes(passed=2)


# -- 8. a project's own `kms` fixture --------------------------------------------------------


def test_a_projects_own_kms_fixture_breaks_nothing(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
        import boto3
        import pytest


        @pytest.fixture
        def kms(kmsmock):
            # A common name: the project's KMS client.
            return boto3.client("kms", region_name="us-east-1")
        """
    )
    project.makepyfile(
        test_own_kms="""
        import pytest

        from kmsmock import KmsMock


        def test_kms_client_still_works(kms_client):
            assert kms_client.list_keys()["Keys"] == []


        def test_both_fixtures(kms, kmsmock, kms_client):
            assert isinstance(kmsmock, KmsMock)
            kms.create_key()
            assert len(kms_client.list_keys()["Keys"]) == 1


        @pytest.mark.kms(region="eu-west-1")
        def test_the_marker_still_works(kms_client):
            assert kms_client.meta.region_name == "eu-west-1"


        def test_fails_using_the_mock_api_on_the_projects_fixture(kms):
            kms.credentials("arn:aws:iam::123456789012:role/app")
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- kmsmock -*",
            "This test's `kms` fixture is not kmsmock's mock: the fixture `kms` defined at "
            "*conftest.py:5 replaces it. kmsmock's mock is also the `kmsmock` fixture: request "
            "that one for the mock.",
        ]
    )


def test_no_note_when_kms_is_kmsmocks_own(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_plain="""
        def test_fails(kms):
            raise AssertionError("the test's own failure")
        """
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    assert "kmsmock's mock is also the" not in result.stdout.str()


# -- 9. usage errors stay usage errors --------------------------------------------------------

STORE = {
    "CustomKeyStoreName": "xks",
    "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
    "XksProxyUriEndpoint": "https://xks.example.com",
    "XksProxyUriPath": "/kms/xks/v1",
    "XksProxyConnectivity": "PUBLIC_ENDPOINT",
    "XksProxyAuthenticationCredential": {
        "AccessKeyId": "ABCDEFGHIJKLMNOPQRST",
        "RawSecretAccessKey": "A" * 43 + "=",
    },
}
WRONG_FAULT = (
    "custom_key_store_faults[{store!r}] is 'INSUFFICIENT_CLOUDHSM_HSMS', which is not a "
    "ConnectionErrorCode of EXTERNAL_KEY_STORE stores; use one of "
)


def test_a_usage_error_reaches_an_in_process_client_as_itself(kms: KmsMock) -> None:
    client = boto3.client("kms", region_name="us-east-1")
    store = client.create_custom_key_store(**STORE)["CustomKeyStoreId"]
    kms.world.custom_key_store_faults[store] = "INSUFFICIENT_CLOUDHSM_HSMS"
    with pytest.raises(KmsMockUsageError) as excinfo:
        client.connect_custom_key_store(CustomKeyStoreId=store)
    assert str(excinfo.value).startswith(WRONG_FAULT.format(store=store))


def test_a_usage_error_reaches_an_endpoint_client_by_name_with_its_message(kms: KmsMock) -> None:
    with LocalEndpoint(kms) as endpoint:
        client = endpoint.client()
        store = client.create_custom_key_store(**STORE)["CustomKeyStoreId"]
        kms.world.custom_key_store_faults[store] = "INSUFFICIENT_CLOUDHSM_HSMS"
        with pytest.raises(ClientError) as excinfo:
            client.connect_custom_key_store(CustomKeyStoreId=store)
    error = excinfo.value.response
    assert error["Error"]["Code"] == "KmsMockUsageError"
    assert error["Error"]["Message"].startswith(WRONG_FAULT.format(store=store))
    assert (
        error["ResponseMetadata"]["HTTPStatusCode"],
        error["ResponseMetadata"]["RetryAttempts"],
    ) == (400, 0)
    # The endpoint goes on serving.
    assert client.list_keys()["Keys"] == []


# -- 5, 6 and 9 in a user's project, as a user's suite runs them ---------------------------------

HANDLER = """
import boto3

# Made at import, from the default credential chain, as Lambda handlers do.
kms = boto3.client("kms", region_name="us-east-1")


def handler(event, context=None):
    return kms.decrypt(CiphertextBlob=event["blob"])["Plaintext"]
"""

USER_TESTS = """
import boto3
import pytest
from botocore.exceptions import ClientError

from kmsmock import KmsMockUsageError
from handler import handler

ROLE = "arn:aws:iam::123456789012:role/orders-fn"


def blob():
    client = boto3.client("kms", region_name="us-east-1")
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    return key_id, client.encrypt(KeyId=key_id, Plaintext=b"order")["CiphertextBlob"]


def test_the_function_role_is_denied(kms):
    key_id, data = blob()
    with kms.acting_as(ROLE, session_name="orders"):
        with pytest.raises(ClientError) as excinfo:
            handler({"blob": data})
    assert excinfo.value.response["Error"]["Message"] == (
        "User: arn:aws:sts::123456789012:assumed-role/orders-fn/orders is not authorized to "
        f"perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:123456789012:key/{key_id} "
        "because no identity-based policy allows the kms:Decrypt action"
    )
    [denied] = kms.events.filter(operation="Decrypt", outcome="denied")
    assert denied.caller.arn.endswith("assumed-role/orders-fn/orders")
    assert handler({"blob": data}) == b"order"  # the account root again


def test_environment_variables_set_by_hand_would_not_reach_the_handler(kms, monkeypatch):
    # What acting_as is for: the handler's client cached its credentials at import.
    _, data = blob()
    for name, value in kms.environ(ROLE).items():
        monkeypatch.setenv(name, value)
    assert handler({"blob": data}) == b"order"  # still the root: no denial


def test_a_misspelt_filter_cannot_pass(kms):
    with pytest.raises(KmsMockUsageError, match="did you mean 'Decrypt'"):
        assert not kms.events.filter(operation="Decrpyt")
    with pytest.raises(KmsMockUsageError, match="alias/missing"):
        kms.events.filter(key="alias/missing")


def test_a_misconfigured_fault_is_a_usage_error(kms):
    client = boto3.client("kms", region_name="us-east-1")
    store = client.create_custom_key_store(
        CustomKeyStoreName="xks",
        CustomKeyStoreType="EXTERNAL_KEY_STORE",
        XksProxyUriEndpoint="https://xks.example.com",
        XksProxyUriPath="/kms/xks/v1",
        XksProxyConnectivity="PUBLIC_ENDPOINT",
        XksProxyAuthenticationCredential={
            "AccessKeyId": "ABCDEFGHIJKLMNOPQRST",
            "RawSecretAccessKey": "A" * 43 + "=",
        },
    )["CustomKeyStoreId"]
    kms.world.custom_key_store_faults[store] = "INSUFFICIENT_CLOUDHSM_HSMS"
    with pytest.raises(KmsMockUsageError, match="is not a ConnectionErrorCode"):
        client.connect_custom_key_store(CustomKeyStoreId=store)
"""


def test_a_users_suite_acts_as_a_principal_and_cannot_pass_by_accident(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = offline_project(pytester, monkeypatch, INI + "kms_block_real_aws = true\n")
    project.makepyfile(handler=HANDLER, test_user=USER_TESTS)
    project.runpytest_subprocess().assert_outcomes(passed=4)

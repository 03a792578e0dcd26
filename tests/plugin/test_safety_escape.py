"""Nothing escapes (issue 16): the marker alone activates the mock, import order does not
matter, and the opt-in guard refuses KMS requests made with no mock active.

Each test runs a small user project the way a user's suite runs: pytest in a fresh interpreter
(``runpytest_subprocess``) or a plain Python script, in a process whose network is cut off
(a ``sitecustomize`` refuses every connection), so a request that escapes fails loudly.
"""

from __future__ import annotations

from pathlib import Path

import _preload  # noqa: F401  (every kmsmock module, before any in-process run)
import pytest
from helpers_offline import GUARD_MESSAGE, offline_project, run_script

pytest_plugins = ["pytester"]

INI = """
[pytest]
addopts = -p no:cacheprovider -p no:asyncio -p no:benchmark -p no:randomly
filterwarnings = error
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return offline_project(pytester, monkeypatch, INI)


# -- 1. the marker alone activates the mock -------------------------------------------------


MARKER_TESTS = """
import unittest

import boto3
import pytest

import kmsmock


def keys():
    return boto3.client("kms").list_keys()["Keys"]


@pytest.mark.kms
def test_bare_marker():
    assert len(kmsmock.active_mocks()) == 1
    arn = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    assert arn.startswith("arn:aws:kms:us-east-1:123456789012:key/")


@pytest.mark.kms
def test_each_marked_test_starts_empty():
    assert keys() == []
    boto3.client("kms").create_key()


@pytest.mark.kms(region="eu-west-1", account_id="111122223333", enforce_policies=False)
def test_marker_options_without_a_fixture():
    arn = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    assert arn.startswith("arn:aws:kms:eu-west-1:111122223333:key/")
    assert kmsmock.active_mocks()[0].enforce_policies is False


@pytest.fixture
def key_id():
    # A fixture of the test runs inside the mock the marker started.
    return boto3.client("kms").create_key()["KeyMetadata"]["KeyId"]


@pytest.mark.kms
def test_the_tests_own_fixtures_run_inside_the_mock(key_id):
    assert [k["KeyId"] for k in keys()] == [key_id]


@pytest.mark.kms(region="ap-southeast-2")
class TestMarkedClass:
    def test_one(self):
        assert boto3.client("kms").meta.region_name == "ap-southeast-2"
        assert keys() == []
        boto3.client("kms").create_key()

    def test_two(self):
        assert keys() == []


@pytest.mark.kms(region="sa-east-1")
class TestUnittestClass(unittest.TestCase):
    def setUp(self):
        self.key_id = boto3.client("kms").create_key()["KeyMetadata"]["KeyId"]

    def test_set_up_ran_in_the_mock(self):
        assert [k["KeyId"] for k in keys()] == [self.key_id]


def test_unmarked_tests_have_no_mock():
    assert kmsmock.active_mocks() == ()
"""

MODULE_MARKER_TESTS = """
import boto3
import pytest

import kmsmock

pytestmark = pytest.mark.kms(region="eu-central-1")


def test_module_marker():
    assert len(kmsmock.active_mocks()) == 1
    arn = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    assert arn.startswith("arn:aws:kms:eu-central-1:123456789012:key/")


def test_module_marker_with_the_fixture(kms):
    assert kmsmock.active_mocks() == (kms,)
"""


def test_the_marker_alone_activates_the_mock(project: pytest.Pytester) -> None:
    project.makepyfile(test_marker=MARKER_TESTS, test_module_marker=MODULE_MARKER_TESTS)
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=10)


# -- 3. import order does not matter ----------------------------------------------------------


EARLY_CLIENTS = """
import threading

import boto3
import botocore.session

# Made before kmsmock is imported: boto3's default session, its client, another session.
early_default = boto3.client("kms", region_name="eu-west-1")
early_session = botocore.session.get_session()
early_botocore = early_session.create_client("kms", region_name="eu-west-1")
early_local = boto3.client("kms", region_name="eu-west-1", endpoint_url="http://localhost:4566")

import kmsmock  # noqa: E402
from kmsmock import mock_kms  # noqa: E402

with mock_kms() as kms:
    key = early_default.create_key()["KeyMetadata"]
    assert key["Arn"].startswith("arn:aws:kms:eu-west-1:123456789012:key/"), key
    blob = early_botocore.encrypt(KeyId=key["KeyId"], Plaintext=b"hi")["CiphertextBlob"]
    # A client made now from boto3's default session, which predates kmsmock too.
    late = boto3.client("kms", region_name="eu-west-1")
    assert late.decrypt(CiphertextBlob=blob)["Plaintext"] == b"hi"
    # And from another thread.
    seen = []
    thread = threading.Thread(target=lambda: seen.append(early_default.list_keys()["Keys"]))
    thread.start()
    thread.join()
    assert [k["KeyId"] for k in seen[0]] == [key["KeyId"]]
    # A custom endpoint (LocalStack's, say) is served by the mock too, as for any client.
    assert [k["KeyId"] for k in early_local.list_keys()["Keys"]] == [key["KeyId"]]
    # Errors are AWS's, as for any other client.
    try:
        early_default.describe_key(KeyId="alias/none")
    except early_default.exceptions.NotFoundException as error:
        assert error.response["Error"]["Message"] == (
            "Alias arn:aws:kms:eu-west-1:123456789012:alias/none is not found."
        )
    else:
        raise AssertionError("no NotFoundException")
    assert len(kms.events.filter(operation="Encrypt")) == 1

# With no mock active the early clients go to the network again (and meet none here).
try:
    early_default.list_keys()
except Exception as error:
    print("after:", type(error).__name__)
print("served")
"""


def test_clients_made_before_kmsmock_was_imported_are_served(tmp_path: Path) -> None:
    result = run_script(
        tmp_path,
        EARLY_CLIENTS,
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="real-looking-secret",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["after: EndpointConnectionError", "served"]


EARLY_AIO_CLIENT = """
import asyncio

from aiobotocore.session import get_session

session = get_session()  # before kmsmock is imported

from kmsmock import mock_kms  # noqa: E402


async def main():
    async with session.create_client("kms", region_name="eu-west-1") as client:
        with mock_kms():
            key = (await client.create_key())["KeyMetadata"]
            assert key["Arn"].startswith("arn:aws:kms:eu-west-1:123456789012:key/"), key
            blob = (await client.encrypt(KeyId=key["KeyId"], Plaintext=b"hi"))["CiphertextBlob"]
            assert (await client.decrypt(CiphertextBlob=blob))["Plaintext"] == b"hi"
    print("served")


asyncio.run(main())
"""


def test_aiobotocore_sessions_made_before_kmsmock_was_imported_are_served(
    tmp_path: Path,
) -> None:
    pytest.importorskip("aiobotocore")
    result = run_script(
        tmp_path,
        EARLY_AIO_CLIENT,
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="real-looking-secret",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "served"


OTHER_SERVICES = """
import boto3

s3 = boto3.client("s3", region_name="us-east-1")
from kmsmock import mock_kms  # noqa: E402

with mock_kms():
    try:
        s3.list_buckets()
    except Exception as error:
        print(type(error).__name__)
"""


def test_other_services_are_left_to_the_network(tmp_path: Path) -> None:
    result = run_script(
        tmp_path, OTHER_SERVICES, AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="x"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "EndpointConnectionError"


# -- 4. the guard against real AWS ------------------------------------------------------------


GUARDED_TESTS = """
import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

import kmsmock
from kmsmock import KmsMockUsageError, mock_kms

MESSAGE = {message!r}


def test_a_kms_request_without_a_mock_is_refused():
    assert kmsmock.real_aws_blocked()
    client = boto3.client("kms", region_name="us-east-1")  # no credentials anywhere
    with pytest.raises(KmsMockUsageError) as excinfo:
        client.list_keys()
    assert str(excinfo.value) == MESSAGE.format(operation="ListKeys")
    with pytest.raises(KmsMockUsageError, match="refused to send GenerateDataKey"):
        client.generate_data_key(KeyId="alias/x", KeySpec="AES_256")


def test_other_services_are_untouched():
    s3 = boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="AKIAX", aws_secret_access_key="x"
    )
    with pytest.raises(EndpointConnectionError):
        s3.list_buckets()


def test_an_endpoint_on_this_machine_is_not_real_aws():
    local = boto3.client(
        "kms",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="AKIAX",
        aws_secret_access_key="x",
    )
    with pytest.raises(EndpointConnectionError):
        local.list_keys()


def test_a_mock_serves_as_usual(kms_client):
    assert kms_client.list_keys()["Keys"] == []


@mock_kms
def test_a_decorated_test_is_served():
    assert boto3.client("kms", region_name="us-east-1").list_keys()["Keys"] == []
"""


@pytest.mark.parametrize(
    ("ini", "args"),
    [("kms_block_real_aws = true\n", ()), ("", ("--kms-block-real-aws",))],
    ids=["ini", "flag"],
)
def test_the_guard_refuses_kms_requests_with_no_mock_active(
    project: pytest.Pytester, ini: str, args: tuple[str, ...]
) -> None:
    project.makeini(INI + ini)
    project.makepyfile(test_guarded=GUARDED_TESTS.format(message=GUARD_MESSAGE))
    result = project.runpytest_subprocess(*args)
    result.assert_outcomes(passed=5)


def test_without_the_guard_a_request_with_no_mock_goes_out(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_unguarded="""
        import boto3
        import pytest
        from botocore.exceptions import EndpointConnectionError

        import kmsmock

        def test_escapes_to_the_network():
            assert not kmsmock.real_aws_blocked()
            client = boto3.client(
                "kms", region_name="us-east-1", aws_access_key_id="AKIAX",
                aws_secret_access_key="x",
            )
            with pytest.raises(EndpointConnectionError):
                client.list_keys()
        """
    )
    project.runpytest_subprocess().assert_outcomes(passed=1)


GUARDED_SCRIPT = """
import boto3

early = boto3.client("kms", region_name="us-east-1")  # a session made before kmsmock

from kmsmock import KmsMockUsageError, mock_kms  # noqa: E402

for name, client in [("early", early), ("late", boto3.session.Session().client("kms"))]:
    try:
        client.list_aliases()
    except KmsMockUsageError as error:
        print(name, str(error).split(":")[0])
with mock_kms():
    print("mocked", early.list_aliases()["Aliases"][:0])
"""


def test_the_environment_variable_guards_scripts(tmp_path: Path) -> None:
    result = run_script(
        tmp_path,
        GUARDED_SCRIPT,
        KMSMOCK_BLOCK_REAL_AWS="1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="x",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "early kmsmock refused to send ListAliases to AWS KMS",
        "late kmsmock refused to send ListAliases to AWS KMS",
        "mocked []",
    ]


def test_a_malformed_environment_variable_is_a_usage_error(tmp_path: Path) -> None:
    result = run_script(
        tmp_path,
        """
        import boto3
        from kmsmock import KmsMockUsageError

        try:
            boto3.client("kms", region_name="us-east-1").list_keys()
        except KmsMockUsageError as error:
            print(error)
        """,
        KMSMOCK_BLOCK_REAL_AWS="sometimes",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "KMSMOCK_BLOCK_REAL_AWS='sometimes' is neither on nor off: set it to 1 to refuse KMS "
        "requests made with no mock active, or 0 (also true/false, yes/no, on/off)"
    )


def test_block_real_aws_is_validated_and_restorable() -> None:
    from kmsmock import KmsMockUsageError, block_real_aws, real_aws_blocked

    with pytest.raises(KmsMockUsageError, match="block_real_aws takes True or False; got 'yes'"):
        block_real_aws("yes")  # type: ignore[arg-type]
    before = block_real_aws(True)
    try:
        assert real_aws_blocked()
    finally:
        block_real_aws(before)
    assert real_aws_blocked() is before

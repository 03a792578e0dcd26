"""Snapshot recipes like those of docs/pytest.md, with more checks: each test gets its own copy,
the snapshot is built once per process (also under xdist), a module can have its own."""

from __future__ import annotations

import _preload  # noqa: F401  (every kmsmock module, before any in-process run)
import pytest

pytest_plugins = ["pytester"]

INI = """
[pytest]
addopts = -p no:cacheprovider -p no:asyncio -p no:benchmark -p no:randomly --strict-markers
filterwarnings = error
"""

# docs/pytest.md, "Build keys once": the conftest.py of the recipe.
CONFTEST = """
import boto3
import pytest

from kmsmock import mock_kms

BUILT = []


@pytest.fixture(scope="session")
def kms_snapshot():
    BUILT.append(1)
    with mock_kms(account_id="111122223333") as kms:
        client = boto3.client("kms", region_name="us-east-1")
        for n in range(20):
            key_id = client.create_key(Description=f"key {n}")["KeyMetadata"]["KeyId"]
            client.create_alias(AliasName=f"alias/key-{n}", TargetKeyId=key_id)
        signing = client.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
        client.create_alias(AliasName="alias/signing", TargetKeyId=signing["KeyMetadata"]["KeyId"])
        client.get_public_key(KeyId="alias/signing")  # makes the private key once, here
        return kms.snapshot()
"""

TESTS = """
import pytest

from conftest import BUILT


@pytest.mark.parametrize("n", range(6))
def test_each_test_gets_its_own_copy(kms, kms_client, n):
    assert kms.account_id == "111122223333"
    assert len(kms_client.list_keys()["Keys"]) == 21
    key_0 = kms_client.describe_key(KeyId="alias/key-0")["KeyMetadata"]
    assert key_0["KeyState"] == "Enabled"
    kms_client.schedule_key_deletion(KeyId=key_0["KeyId"], PendingWindowInDays=7)
    kms_client.delete_alias(AliasName="alias/key-1")
    kms_client.create_key()
    kms_client.sign(
        KeyId="alias/signing", Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256"
    )


def test_built_once_per_process():
    assert len(BUILT) <= 1
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    pytester.makeini(INI)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_recipe=TESTS)
    return pytester


def test_overriding_kms_snapshot_starts_every_test_from_a_copy(project: pytest.Pytester) -> None:
    project.runpytest().assert_outcomes(passed=7)


def test_the_recipe_under_xdist(project: pytest.Pytester) -> None:
    project.runpytest_subprocess("-n", "2").assert_outcomes(passed=7)


def test_a_module_can_start_from_its_own_snapshot(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_module_snapshot="""
        import boto3
        import pytest

        from kmsmock import mock_kms


        @pytest.fixture(scope="module")
        def kms_snapshot():
            with mock_kms() as kms:
                boto3.client("kms", region_name="eu-west-1").create_key(Description="mod")
                return kms.snapshot()


        @pytest.mark.kms(region="eu-west-1")
        def test_module_state(kms, kms_client):
            assert kms.account_id == "123456789012"
            keys = kms_client.list_keys()["Keys"]
            assert len(keys) == 1
            assert kms_client.describe_key(KeyId=keys[0]["KeyId"])["KeyMetadata"][
                "Description"
            ] == "mod"
        """
    )
    project.runpytest().assert_outcomes(passed=8)


def test_a_fixture_of_ones_own_starting_from_a_snapshot(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_own_fixture="""
        import boto3
        import pytest

        from kmsmock import mock_kms


        @pytest.fixture(scope="module")
        def world():
            with mock_kms() as kms:
                boto3.client("kms", region_name="us-east-1").create_key()
                return kms.snapshot()


        @pytest.fixture
        def prepared(world):
            with mock_kms(snapshot=world) as kms:
                yield kms


        @pytest.mark.parametrize("n", range(3))
        def test_uses(prepared, n):
            client = boto3.client("kms", region_name="us-east-1")
            assert len(client.list_keys()["Keys"]) == 1
            client.create_key()
        """
    )
    result = project.runpytest("test_own_fixture.py")
    result.assert_outcomes(passed=3)


def test_a_snapshot_fixture_used_inside_the_kms_fixture_says_what_to_do(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_wrong_order="""
        import pytest

        from kmsmock import mock_kms


        def test_late_snapshot_mock(kms):
            with mock_kms(snapshot=kms.snapshot()):
                pass
        """
    )
    result = project.runpytest("test_wrong_order.py")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*KmsMockUsageError: a mock started from a snapshot must be the only active mock*"]
    )

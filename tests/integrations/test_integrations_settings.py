"""Turning the service integrations on: ``mock_kms(integrations=...)``, the ``kms`` marker, the
``kms_integrations`` ini option; the errors a wrong name gives; and that with them off (the
default) the other services' requests are left exactly as they were."""

from __future__ import annotations

import boto3
import pytest
from helpers_integrations import REGION, kms_client, moto  # noqa: F401  (moto: a fixture)

from kmsmock import KmsMock, KmsMockUsageError, mock_kms
from kmsmock.integrations import seam

pytest_plugins = ["pytester"]

INI = """
[pytest]
addopts = -p no:cacheprovider -p no:asyncio -p no:benchmark -p no:randomly --strict-markers
filterwarnings = error
{extra}
"""

TEST = """
import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws


def upload(kms):
    with mock_aws():
        client = boto3.client("kms", region_name="us-east-1")
        key = client.create_key()["KeyMetadata"]["Arn"]
        client.disable_key(KeyId=key)
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="reports")
        try:
            s3.put_object(Bucket="reports", Key="k", Body=b"x", ServerSideEncryption="aws:kms",
                          SSEKMSKeyId=key)
        except ClientError as error:
            assert error.response["Error"]["Code"] == "KMS.DisabledException"
            return "integrated", sorted(kms.integrations)
        return "not integrated", sorted(kms.integrations)


def test_unmarked(kms):
    assert upload(kms) == {unmarked!r}


@pytest.mark.kms(integrations=["s3"])
def test_marked(kms):
    assert upload(kms) == ("integrated", ["s3"])


@pytest.mark.kms(integrations="all")
def test_all(kms):
    assert upload(kms) == ("integrated", ["s3", "secretsmanager", "ssm"])


@pytest.mark.kms(integrations=[])  # closer than the ini option
def test_none(kms):
    assert upload(kms) == ("not integrated", [])


"""

MISSPELT_TEST = """
import pytest


@pytest.mark.kms(integrations=["s3", "secretmanager"])
def test_misspelt(kms):
    pass
"""

MISSPELT = (
    "test_misspelt.py::test_misspelt: pytest.mark.kms(integrations=...): unknown service "
    "'secretmanager' (did you mean 'secretsmanager'?); kmsmock integrates 's3', 'ssm', "
    "'secretsmanager', 'all'"
)


def test_the_marker_and_the_ini_option_turn_them_on(pytester: pytest.Pytester) -> None:
    # A subprocess: an in-process run would forget the moto modules it imported. (With no
    # ini option and no marker they are off: test_off_... below.)
    pytester.makeini(INI.format(extra="kms_integrations = s3, ssm"))
    pytester.makepyfile(
        test_it=TEST.format(unmarked=("integrated", ["s3", "ssm"])),
        test_misspelt=MISSPELT_TEST,
    )
    result = pytester.runpytest_subprocess("--continue-on-collection-errors")
    result.assert_outcomes(passed=4, errors=1)
    assert MISSPELT in result.stdout.lines


def test_a_misspelt_ini_option_stops_the_run(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(extra="kms_integrations = s3 secrets-manager"))
    pytester.makepyfile(test_it="def test_it(): pass")
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "ERROR: ini option kms_integrations: unknown service 'secrets-manager' (did you mean "
        "'secretsmanager'?); kmsmock integrates 's3', 'ssm', 'secretsmanager', 'all'"
    ) in result.stderr.lines


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            ["s3", "dynamodb"],
            "integrations: unknown service 'dynamodb'; kmsmock integrates 's3', 'ssm', "
            "'secretsmanager', 'all'",
        ),
        (
            3,
            "integrations is a list of services, like ['s3', 'ssm', 'secretsmanager'], or "
            "'all'; got 3",
        ),
    ],
    ids=["unknown", "not-a-list"],
)
def test_mock_kms_refuses_what_it_cannot_integrate(value: object, message: str) -> None:
    with pytest.raises(KmsMockUsageError) as excinfo:
        mock_kms(integrations=value)  # type: ignore[arg-type]
    assert str(excinfo.value) == message


@pytest.mark.usefixtures("moto")
def test_integrations_are_on_while_a_mock_asking_for_them_is_active() -> None:
    assert seam.enabled() == frozenset()
    with mock_kms() as outer:
        with mock_kms(integrations=["s3"]) as inner:
            assert inner.integrations == {"s3"} and outer.integrations == frozenset()
            assert seam.enabled() == {"s3"}
        assert seam.enabled() == frozenset()
    assert seam.enabled() == frozenset()


@pytest.mark.usefixtures("moto")
def test_off_the_other_services_requests_are_untouched(kms: KmsMock) -> None:
    """The default: moto's S3 stores an upload under a disabled key, as it always has, and
    kmsmock sees no KMS call for it."""
    key = kms_client(kms).create_key()["KeyMetadata"]["Arn"]
    kms_client(kms).disable_key(KeyId=key)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="reports")
    s3.put_object(
        Bucket="reports", Key="k", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=key
    )
    assert s3.get_object(Bucket="reports", Key="k")["Body"].read() == b"x"
    assert [e.operation for e in kms.events] == ["CreateKey", "DisableKey"]

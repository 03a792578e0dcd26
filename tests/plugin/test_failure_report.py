"""A failing test's report explains itself (issue 19): a "kmsmock" section lists the test's
KMS requests in order and, for each denied or failed one, why: the deciding rule, the near
misses (the statement or grant that nearly allowed it, and the element that failed), and a
hint for failures common in code written against moto."""

from __future__ import annotations

import _preload  # noqa: F401  (every kmsmock module, before any in-process run)
import pytest

pytest_plugins = ["pytester"]

INI = """
[pytest]
addopts = -p no:cacheprovider -p no:asyncio -p no:benchmark -p no:randomly
filterwarnings = error
{extra}
"""

LAMBDA_TEST = """
import json

import boto3
import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/app"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Admin", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "LambdaDecrypt", "Effect": "Allow", "Principal": {"AWS": ROLE},
         "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "lambda.us-east-1.amazonaws.com"}}},
    ],
}


def test_lambda_decrypts(kms):
    client = boto3.client("kms", region_name="us-east-1")
    key_id = client.create_key(Policy=json.dumps(POLICY))["KeyMetadata"]["KeyId"]
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    with kms.acting_as(ROLE):
        client.decrypt(CiphertextBlob=blob)
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI.format(extra=""))
    return pytester


def test_the_lambda_recipe_names_the_condition_that_failed(project: pytest.Pytester) -> None:
    project.makepyfile(test_lambda_recipe=LAMBDA_TEST)
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- kmsmock -*",
            "kmsmock served 3 requests in this test: 2 succeeded, 1 denied, 0 failed.",
            "1. CreateKey key/* by arn:aws:iam::123456789012:root -> ok",
            "2. Encrypt key/* by arn:aws:iam::123456789012:root -> ok",
            "3. Decrypt key/* by arn:aws:sts::123456789012:assumed-role/app/kmsmock -> "
            "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/app/kmsmock "
            "is not authorized to perform: kms:Decrypt on resource: *",
            "   why: the key policy lets the caller's account decide, and no identity policy "
            "allows it",
            '   near miss: key policy statement "LambdaDecrypt" (#2) would allow it, but its '
            'condition StringEquals kms:ViaService = "lambda.us-east-1.amazonaws.com" failed: '
            "the request has no kms:ViaService",
        ]
    )


def test_a_decorated_test_is_reported_too(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_decorated="""
        import boto3
        from kmsmock import mock_kms

        @mock_kms
        def test_cancel():
            client = boto3.client("kms", region_name="us-east-1")
            key_id = client.create_key()["KeyMetadata"]["KeyId"]
            client.cancel_key_deletion(KeyId=key_id)
        """
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "kmsmock served 2 requests in this test: 1 succeeded, 0 denied, 1 failed.",
            "2. CancelKeyDeletion key/* -> KMSInvalidStateException: arn:aws:kms:*"
            " is not pending deletion.",
            "   hint: AWS refuses CancelKeyDeletion on a key that is not pending deletion "
            "(moto allows it): schedule the deletion first, or expect "
            "KMSInvalidStateException.",
        ]
    )


def test_passing_tests_and_tests_without_requests_get_no_section(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_quiet="""
        import boto3

        def test_passes(kms):
            boto3.client("kms", region_name="us-east-1").create_key()

        def test_fails_without_requests(kms):
            assert False
        """
    )
    result = project.runpytest("-rA")
    result.assert_outcomes(passed=1, failed=1)
    assert "kmsmock served" not in result.stdout.str()


def test_always_reports_passing_tests(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(extra="kms_report = always"))
    pytester.makepyfile(
        test_always="""
        import boto3

        def test_passes(kms):
            boto3.client("kms", region_name="us-east-1").create_key()
        """
    )
    result = pytester.runpytest("-rP")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["kmsmock served 1 request in this test: 1 succeeded, 0 denied, 0 failed."]
    )


def test_never_reports(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(extra="kms_report = never"))
    pytester.makepyfile(test_never_recipe=LAMBDA_TEST)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    assert "kmsmock served" not in result.stdout.str()


def test_a_misspelt_mode_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(extra="kms_report = failure"))
    pytester.makepyfile(test_x="def test_x(): pass")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*ini option kms_report = 'failure': choose one of failures, always, never*"]
    )


def test_a_wider_mock_lists_only_this_tests_requests(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_wide="""
        import boto3
        import pytest
        from kmsmock import mock_kms

        @pytest.fixture(scope="module")
        def shared():
            with mock_kms() as mock:
                boto3.client("kms", region_name="us-east-1").create_key(Description="earlier")
                yield mock

        def test_first(shared):
            boto3.client("kms", region_name="us-east-1").list_keys()

        def test_second(shared):
            boto3.client("kms", region_name="us-east-1").describe_key(KeyId="alias/missing")
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "kmsmock served 1 request in this test: 0 succeeded, 0 denied, 1 failed.",
            "1. DescribeKey by arn:aws:iam::123456789012:root -> NotFoundException: Alias "
            "arn:aws:kms:us-east-1:123456789012:alias/missing is not found.",
        ]
    )


def test_a_long_test_is_cut_with_a_note(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_long="""
        import boto3

        def test_many(kms):
            client = boto3.client("kms", region_name="us-east-1")
            for _ in range(60):
                client.list_keys()
            client.describe_key(KeyId="alias/missing")
        """
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "kmsmock served 61 requests in this test: 60 succeeded, 0 denied, 1 failed.",
            "(the first 11 requests not shown; kms.events lists every one)",
            "12. ListKeys by *",
        ]
    )

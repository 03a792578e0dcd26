"""Parameter Store calls kmsmock's KMS as SSM calls KMS (kmsmock/integrations/ssm.py), with
moto serving SSM; the mock is started with ``mock_kms(integrations=["ssm"])``, as a project's
own fixture would.

Exact texts: SSM wraps KMS's refusal as the AWS SDK for Java prints it, "<KMS message>
(Service: AWSKMS; Status Code: 400; Error Code: <KMS code>; Request ID: <KMS request ID>;
Proxy: null)", under ``InvalidKeyId`` (key state, missing key) or ``AccessDeniedException``.
Sources: AWS KMS Developer Guide, services-parameter-store.md ("InvalidKeyId exception with a
detailed error message from AWS KMS"; documented); binxio/aws-ssm-copy#10 (PutParameter,
NotFoundException, 2020; recorded); a 2020 transcript of GetParameters' AccessDeniedException
in the same form (recorded). Certainty: the form is recorded; that a disabled or pending key
reads the same way follows the documentation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from helpers_integrations import (
    ACCOUNT,
    OTHER_ACCOUNT,
    REGION,
    ROLE,
    ROLE_SESSION,
    account_policy,
    allow,
    error_of,
    kms_client,
    new_key,
    service_calls,
)
from moto import mock_aws

from kmsmock import KmsMock, mock_kms

NAME = "/billing/db-password"
ARN = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{NAME}"
VIA = "ssm.us-east-1.amazonaws.com"
# What SSM puts after KMS's message; the Request ID is the KMS request's.
SUFFIX = re.compile(
    r" \(Service: AWSKMS; Status Code: 400; Error Code: (\w+); Request ID: ([0-9a-f-]{36}); "
    r"Proxy: null\)$"
)


@pytest.fixture
def kms() -> Iterator[KmsMock]:  # this module's own: integrations on, no marker
    with mock_aws(), mock_kms(integrations=["ssm"]) as mock:
        yield mock


@pytest.fixture
def ssm(kms: KmsMock) -> BaseClient:
    return boto3.client("ssm", region_name=REGION)


def ssm_as(kms: KmsMock, principal: str) -> BaseClient:
    return boto3.client("ssm", region_name=REGION, **kms.credentials(principal))


def wrapped(kms: KmsMock, excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, str]:
    """(SSM's code, KMS's message, KMS's code), checking the suffix names the KMS request."""
    status, code, message = error_of(excinfo)
    assert status == 400
    match = SUFFIX.search(message)
    assert match is not None, message
    refused = [e for e in kms.events if e.request_id == match.group(2)]
    assert len(refused) == 1 and refused[0].error_code == match.group(1)
    return code, message[: match.start()], match.group(1)


def test_a_securestring_is_encrypted_under_aws_ssm_with_the_parameter_arn_as_context(
    kms: KmsMock, ssm: BaseClient
) -> None:
    ssm.put_parameter(Name=NAME, Value="hunter2", Type="SecureString")
    assert ssm.get_parameter(Name=NAME, WithDecryption=True)["Parameter"]["Value"] == "hunter2"
    ssm.get_parameter(Name=NAME)  # no decryption: no KMS call
    put, get = service_calls(kms, "SSM")
    managed = kms_client(kms).describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]["Arn"]
    assert (put.operation, put.key_arn, put.params["KeyId"]) == (
        "Encrypt",
        managed,
        "alias/aws/ssm",
    )
    assert put.params["EncryptionContext"] == {"PARAMETER_ARN": ARN}
    assert (get.operation, get.key_arn) == ("Decrypt", managed)
    assert get.params["EncryptionContext"] == {"PARAMETER_ARN": ARN}
    assert get.record()["userIdentity"]["invokedBy"] == "ssm.amazonaws.com"
    assert get.service_request == f"SSM GetParameter {NAME}"


def test_an_advanced_parameter_is_envelope_encrypted_with_a_data_key(
    kms: KmsMock, ssm: BaseClient
) -> None:
    key = new_key(kms)
    ssm.put_parameter(Name=NAME, Value="x" * 5000, Type="SecureString", KeyId=key, Tier="Advanced")
    assert ssm.get_parameter(Name=NAME, WithDecryption=True)["Parameter"]["Value"] == "x" * 5000
    put, get = service_calls(kms, "SSM")
    assert (put.operation, put.params["NumberOfBytes"]) == ("GenerateDataKey", 32)
    assert (get.operation, get.key_arn) == ("Decrypt", key)


def test_a_disabled_key_is_ssms_invalid_key_id_on_writes_and_reads(
    kms: KmsMock, ssm: BaseClient
) -> None:
    key = new_key(kms)
    ssm.put_parameter(Name=NAME, Value="hunter2", Type="SecureString", KeyId=key)
    kms_client(kms).disable_key(KeyId=key)
    with pytest.raises(ssm.exceptions.InvalidKeyId) as read:
        ssm.get_parameter(Name=NAME, WithDecryption=True)
    assert wrapped(kms, read) == ("InvalidKeyId", f"{key} is disabled.", "DisabledException")
    with pytest.raises(ClientError) as write:
        ssm.put_parameter(Name="/billing/other", Value="v", Type="SecureString", KeyId=key)
    assert wrapped(kms, write) == ("InvalidKeyId", f"{key} is disabled.", "DisabledException")
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name="/billing/other")  # nothing stored
    kms_client(kms).enable_key(KeyId=key)
    assert ssm.get_parameter(Name=NAME, WithDecryption=True)["Parameter"]["Value"] == "hunter2"


def test_a_key_pending_deletion_and_a_missing_key_are_invalid_key_id(
    kms: KmsMock, ssm: BaseClient
) -> None:
    key = new_key(kms)
    ssm.put_parameter(Name=NAME, Value="hunter2", Type="SecureString", KeyId=key)
    kms_client(kms).schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    with pytest.raises(ClientError) as pending:
        ssm.get_parameters(Names=[NAME], WithDecryption=True)
    assert wrapped(kms, pending) == (
        "InvalidKeyId",
        f"{key} is pending deletion.",
        "KMSInvalidStateException",
    )
    missing = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    with pytest.raises(ClientError) as unknown:
        ssm.put_parameter(Name="/x", Value="v", Type="SecureString", KeyId=missing)
    # As recorded from AWS (binxio/aws-ssm-copy#10).
    assert wrapped(kms, unknown) == (
        "InvalidKeyId",
        f"Key '{missing}' does not exist",
        "NotFoundException",
    )


def test_a_role_without_kms_decrypt_gets_ssms_access_denied_with_kmss_detail(
    kms: KmsMock, ssm: BaseClient
) -> None:
    key = new_key(kms)
    allow(kms, ROLE, ["kms:Encrypt"], key, via=VIA)
    app = ssm_as(kms, ROLE)
    app.put_parameter(Name=NAME, Value="hunter2", Type="SecureString", KeyId=key)
    app.get_parameter(Name=NAME)  # the ciphertext needs no KMS permission
    with pytest.raises(ClientError) as excinfo:
        app.get_parameter(Name=NAME, WithDecryption=True)
    assert wrapped(kms, excinfo) == (
        "AccessDeniedException",
        f"User: {ROLE_SESSION} is not authorized to perform: kms:Decrypt on resource: {key} "
        "because no identity-based policy allows the kms:Decrypt action",
        "AccessDeniedException",
    )
    # A policy may name the one parameter through its encryption context.
    allow(
        kms,
        ROLE,
        ["kms:Decrypt"],
        key,
        via=VIA,
        **{"kms:EncryptionContext:PARAMETER_ARN": ARN},
    )
    assert app.get_parameter(Name=NAME, WithDecryption=True)["Parameter"]["Value"] == "hunter2"


def test_reading_by_path_decrypts_every_securestring_it_returns(
    kms: KmsMock, ssm: BaseClient
) -> None:
    first, second = new_key(kms), new_key(kms)
    ssm.put_parameter(Name="/billing/a", Value="1", Type="SecureString", KeyId=first)
    ssm.put_parameter(Name="/billing/b", Value="2", Type="SecureString", KeyId=second)
    ssm.put_parameter(Name="/billing/c", Value="3", Type="String")
    found = ssm.get_parameters_by_path(Path="/billing", WithDecryption=True)["Parameters"]
    assert sorted(p["Value"] for p in found) == ["1", "2", "3"]
    reads = service_calls(kms, "SSM GetParametersByPath")
    assert sorted(e.key_arn or "" for e in reads) == sorted([first, second])
    kms_client(kms).disable_key(KeyId=second)
    with pytest.raises(ClientError) as excinfo:
        ssm.get_parameters_by_path(Path="/billing", WithDecryption=True)
    assert wrapped(kms, excinfo)[1] == f"{second} is disabled."


def test_a_key_of_another_account_needs_its_key_policy_and_the_callers_iam_policy(
    kms: KmsMock, ssm: BaseClient
) -> None:
    key = new_key(
        kms,
        policy=account_policy(OTHER_ACCOUNT, ACCOUNT),
        owner=f"arn:aws:iam::{OTHER_ACCOUNT}:root",
    )
    app = ssm_as(kms, ROLE)
    with pytest.raises(ClientError) as excinfo:
        app.put_parameter(Name=NAME, Value="v", Type="SecureString", KeyId=key)
    assert wrapped(kms, excinfo)[0] == "AccessDeniedException"
    allow(kms, ROLE, ["kms:Encrypt", "kms:Decrypt"], key)
    app.put_parameter(Name=NAME, Value="v", Type="SecureString", KeyId=key)
    assert app.get_parameter(Name=NAME, WithDecryption=True)["Parameter"]["Value"] == "v"
    # An AWS managed key serves its own account's principals only, whatever IAM says.
    other = kms_client(kms, f"arn:aws:iam::{OTHER_ACCOUNT}:root")
    managed = other.describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]["Arn"]
    allow(kms, ROLE, ["kms:*"])
    with pytest.raises(ClientError) as excinfo:
        app.put_parameter(Name="/y", Value="v", Type="SecureString", KeyId=managed)
    assert wrapped(kms, excinfo) == (
        "AccessDeniedException",
        f"User: {ROLE_SESSION} is not authorized to perform: kms:Encrypt on resource: {managed} "
        "because no resource-based policy allows the kms:Encrypt action",
        "AccessDeniedException",
    )


def test_an_overwritten_version_keeps_its_own_key(kms: KmsMock, ssm: BaseClient) -> None:
    old, new = new_key(kms), new_key(kms)
    ssm.put_parameter(Name=NAME, Value="v1", Type="SecureString", KeyId=old)
    ssm.put_parameter(Name=NAME, Value="v2", Type="SecureString", KeyId=new, Overwrite=True)
    kms_client(kms).disable_key(KeyId=old)
    assert ssm.get_parameter(Name=NAME, WithDecryption=True)["Parameter"]["Value"] == "v2"
    with pytest.raises(ClientError) as excinfo:
        ssm.get_parameter(Name=f"{NAME}:1", WithDecryption=True)
    assert wrapped(kms, excinfo)[1] == f"{old} is disabled."
    history = ssm.get_parameter_history(Name=NAME)["Parameters"]  # no decryption
    assert [p["Version"] for p in history] == [1, 2]

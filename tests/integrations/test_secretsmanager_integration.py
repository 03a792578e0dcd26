"""Secrets Manager calls kmsmock's KMS as Secrets Manager calls KMS
(kmsmock/integrations/secretsmanager.py), with moto serving Secrets Manager.

Exact texts, each status 400:
- ``AccessDeniedException`` "Access to KMS is not allowed": recorded from AWS for
  GetSecretValue (awsdocs/aws-kms-developer-guide#36) and CreateSecret (aws/aws-cdk#7677).
- ``DecryptionFailure`` "Secrets Manager can't decrypt the secret value: <key ARN> is
  disabled. (Service: AWSKMS; Status Code: 400; Error Code: DisabledException; Request ID:
  <id>; Proxy: null)": recorded from AWS (GetSecretValue, a GovCloud troubleshooting guide).
- ``EncryptionFailure`` "Secrets Manager can't encrypt the secret value: <the same detail>":
  assumed, by analogy with DecryptionFailure (no record found).
Encryption context and the validation calls: AWS Secrets Manager User Guide,
security-encryption.md (documented).
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
    account_policy,
    allow,
    error_of,
    kms_client,
    new_key,
    service_calls,
)
from moto import mock_aws

from kmsmock import KmsMock, active_mocks, mock_kms

VIA = "secretsmanager.us-east-1.amazonaws.com"
DENIED = (400, "AccessDeniedException", "Access to KMS is not allowed")


@pytest.fixture
def kms() -> Iterator[KmsMock]:
    with mock_aws(), mock_kms(integrations="secretsmanager") as mock:
        yield mock


@pytest.fixture
def sm(kms: KmsMock) -> BaseClient:
    return boto3.client("secretsmanager", region_name=REGION)


def sm_as(kms: KmsMock, principal: str) -> BaseClient:
    return boto3.client("secretsmanager", region_name=REGION, **kms.credentials(principal))


def failure(
    excinfo: pytest.ExceptionInfo[ClientError], code: str, verb: str, kms_message: str
) -> None:
    status, found, message = error_of(excinfo)
    assert (status, found) == (400, code)
    pattern = (
        rf"Secrets Manager can't {verb} the secret value: {re.escape(kms_message)} \(Service: "
        r"AWSKMS; Status Code: 400; Error Code: \w+; Request ID: [0-9a-f-]{36}; Proxy: null\)"
    )
    assert re.fullmatch(pattern, message), message


def test_a_secret_value_is_protected_by_a_data_key_bound_to_the_secret_and_version(
    kms: KmsMock, sm: BaseClient
) -> None:
    made = sm.create_secret(Name="db", SecretString="hunter2")
    assert sm.get_secret_value(SecretId="db")["SecretString"] == "hunter2"
    create, read = service_calls(kms, "Secrets Manager")
    managed = kms_client(kms).describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]
    assert (create.operation, create.key_arn) == ("GenerateDataKey", managed["Arn"])
    assert create.params["KeySpec"] == "AES_256"
    context = create.params["EncryptionContext"]
    assert context["SecretVersionId"] == made["VersionId"]
    # The ARN's suffix is drawn before the service stores the secret (documented as such).
    assert re.fullmatch(
        rf"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db-\w{{6}}", context["SecretARN"]
    )
    assert (read.operation, read.params["EncryptionContext"]) == ("Decrypt", context)
    record = read.record()
    assert record["userIdentity"]["invokedBy"] == "secretsmanager.amazonaws.com"
    assert (record["sourceIPAddress"], record["userAgent"]) == ("secretsmanager.amazonaws.com",) * 2
    # A new version is bound to the ARN Secrets Manager returned.
    second = sm.put_secret_value(SecretId="db", SecretString="correct horse")
    write = service_calls(kms, "Secrets Manager PutSecretValue")[0]
    assert write.params["EncryptionContext"] == {
        "SecretARN": made["ARN"],
        "SecretVersionId": second["VersionId"],
    }
    assert (
        sm.get_secret_value(SecretId=made["ARN"], VersionStage="AWSPREVIOUS")["SecretString"]
        == "hunter2"
    )


def test_choosing_a_key_validates_access_to_it_first(kms: KmsMock, sm: BaseClient) -> None:
    key, other = new_key(kms), new_key(kms)
    made = sm.create_secret(Name="db", SecretString="hunter2", KmsKeyId=key)
    calls = [
        (e.operation, e.params["EncryptionContext"]["SecretVersionId"])
        for e in kms.events
        if e.service_request
    ]
    assert calls == [
        ("GenerateDataKey", "RequestToValidateKeyAccess"),
        ("Decrypt", "RequestToValidateKeyAccess"),
        ("GenerateDataKey", made["VersionId"]),
    ]
    sm.update_secret(SecretId="db", KmsKeyId=other)  # no new value: the current one re-encrypted
    changed = service_calls(kms, "Secrets Manager UpdateSecret")
    assert [(e.operation, e.key_arn) for e in changed] == [
        ("GenerateDataKey", other),  # validation
        ("Decrypt", other),  # validation
        ("Decrypt", key),  # the current version, under the old key
        ("GenerateDataKey", other),  # ... and under the new one
    ]
    kms_client(kms).disable_key(KeyId=key)
    assert sm.get_secret_value(SecretId="db")["SecretString"] == "hunter2"


def test_a_disabled_key_fails_reads_and_writes_until_enabled(kms: KmsMock, sm: BaseClient) -> None:
    key = new_key(kms)
    sm.create_secret(Name="db", SecretString="hunter2", KmsKeyId=key)
    kms_client(kms).disable_key(KeyId=key)
    with pytest.raises(sm.exceptions.DecryptionFailure) as read:
        sm.get_secret_value(SecretId="db")
    failure(read, "DecryptionFailure", "decrypt", f"{key} is disabled.")
    with pytest.raises(sm.exceptions.EncryptionFailure) as write:
        sm.put_secret_value(SecretId="db", SecretString="new")
    failure(write, "EncryptionFailure", "encrypt", f"{key} is disabled.")
    with pytest.raises(ClientError) as create:
        sm.create_secret(Name="other", SecretString="v", KmsKeyId=key)
    failure(create, "EncryptionFailure", "encrypt", f"{key} is disabled.")
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.describe_secret(SecretId="other")  # nothing stored
    kms_client(kms).enable_key(KeyId=key)
    assert sm.get_secret_value(SecretId="db")["SecretString"] == "hunter2"


def test_a_key_pending_deletion_fails_reads(kms: KmsMock, sm: BaseClient) -> None:
    key = new_key(kms)
    sm.create_secret(Name="db", SecretString="hunter2", KmsKeyId=key)
    kms_client(kms).schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    with pytest.raises(ClientError) as excinfo:
        sm.get_secret_value(SecretId="db")
    failure(excinfo, "DecryptionFailure", "decrypt", f"{key} is pending deletion.")


def test_a_caller_without_kms_permission_is_told_access_to_kms_is_not_allowed(
    kms: KmsMock, sm: BaseClient
) -> None:
    key = new_key(kms)
    sm.create_secret(Name="db", SecretString="hunter2", KmsKeyId=key)
    app = sm_as(kms, ROLE)
    with pytest.raises(ClientError) as read:
        app.get_secret_value(SecretId="db")
    assert error_of(read) == DENIED
    with pytest.raises(ClientError) as create:
        app.create_secret(Name="mine", SecretString="v", KmsKeyId=key)
    assert error_of(create) == DENIED
    allow(kms, ROLE, ["kms:Decrypt"], key, via=VIA)
    assert app.get_secret_value(SecretId="db")["SecretString"] == "hunter2"
    denied, allowed = service_calls(kms, "Secrets Manager GetSecretValue")
    assert (denied.outcome, allowed.outcome) == ("denied", "allowed")


def test_the_aws_managed_key_serves_its_own_account_only(kms: KmsMock, sm: BaseClient) -> None:
    shared = sm.create_secret(Name="shared", SecretString="hunter2")["ARN"]
    outsider = f"arn:aws:iam::{OTHER_ACCOUNT}:role/reader"
    allow(kms, outsider, ["kms:Decrypt"])
    with pytest.raises(ClientError) as excinfo:
        sm_as(kms, outsider).get_secret_value(SecretId=shared)
    assert error_of(excinfo) == DENIED
    # Same account: aws/secretsmanager's policy lets any principal use it through the service.
    assert sm_as(kms, ROLE).get_secret_value(SecretId=shared)["SecretString"] == "hunter2"


def test_a_customer_key_shared_with_another_account_serves_its_readers(
    kms: KmsMock, sm: BaseClient
) -> None:
    key = new_key(kms, policy=account_policy(ACCOUNT, OTHER_ACCOUNT))
    shared = sm.create_secret(Name="shared", SecretString="hunter2", KmsKeyId=key)["ARN"]
    outsider = f"arn:aws:iam::{OTHER_ACCOUNT}:role/reader"
    reader = sm_as(kms, outsider)
    with pytest.raises(ClientError) as excinfo:
        reader.get_secret_value(SecretId=shared)
    assert error_of(excinfo) == DENIED  # its own account's IAM policy does not allow it yet
    allow(kms, outsider, ["kms:Decrypt"], key)
    assert reader.get_secret_value(SecretId=shared)["SecretString"] == "hunter2"


def test_a_batch_read_lists_the_secrets_it_cannot_decrypt_under_errors(
    kms: KmsMock, sm: BaseClient
) -> None:
    key = new_key(kms)
    good = sm.create_secret(Name="good", SecretString="1")["ARN"]
    bad = sm.create_secret(Name="bad", SecretString="2", KmsKeyId=key)["ARN"]
    kms_client(kms).disable_key(KeyId=key)
    answer = sm.batch_get_secret_value(SecretIdList=[good, bad])
    assert [v["ARN"] for v in answer["SecretValues"]] == [good]
    [error] = answer["Errors"]
    assert (error["SecretId"], error["ErrorCode"]) == (bad, "DecryptionFailure")
    assert error["Message"].startswith(
        f"Secrets Manager can't decrypt the secret value: {key} is disabled."
    )


@mock_aws
@mock_kms(integrations=["secretsmanager"])
def test_rotation_itself_calls_no_kms_and_the_decorators_stack() -> None:
    [kms] = active_mocks()
    sm = boto3.client("secretsmanager", region_name=REGION)
    sm.create_secret(Name="db", SecretString="hunter2")
    sm.delete_secret(SecretId="db", ForceDeleteWithoutRecovery=True)
    sm.create_secret(Name="db", SecretString="again")  # a new secret of the same name
    assert sm.get_secret_value(SecretId="db")["SecretString"] == "again"
    assert [e.operation for e in kms.events] == ["GenerateDataKey", "GenerateDataKey", "Decrypt"]

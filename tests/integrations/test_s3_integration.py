"""S3 calls kmsmock's KMS as Amazon S3 calls KMS (kmsmock/integrations/s3.py), with moto
serving S3: every scenario through the ``kms`` marker, as a project's tests would write it.

Exact texts: S3 answers a KMS refusal with ``KMS.<KMS error code>`` (400) and KMS's own
message, or 403 ``AccessDenied`` with KMS's AccessDenied text for a missing permission.
Sources: LocalStack's AWS-validated S3 snapshots (KMS.DisabledException "<arn> is
disabled.", KMS.KMSInvalidStateException "<arn> is pending deletion."; recorded), aws/aws-cli
#4507 (KMS.NotFoundException; recorded), the issue's record of the 403 (recorded). The tests
compare with KMS's own message for the same call, which kmsmock's KMS tests pin down.
"""

from __future__ import annotations

import base64
import json

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
    direct_message,
    error_of,
    kms_client,
    moto,  # noqa: F401  (a fixture)
    new_key,
    service_calls,
)

from kmsmock import KmsMock

pytestmark = [pytest.mark.kms(integrations=["s3"]), pytest.mark.usefixtures("moto")]

BUCKET = "reports"
VIA = "s3.us-east-1.amazonaws.com"


@pytest.fixture
def s3(kms: KmsMock) -> BaseClient:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=BUCKET)
    return client


def s3_as(kms: KmsMock, principal: str) -> BaseClient:
    return boto3.client("s3", region_name=REGION, **kms.credentials(principal))


def put(s3: BaseClient, key: str, kms_key: str | None = None, **extra: object) -> None:
    sse = {"ServerSideEncryption": "aws:kms"}
    if kms_key is not None:
        sse["SSEKMSKeyId"] = kms_key
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"quarterly figures", **sse, **extra)


def test_an_upload_and_a_download_call_kms_as_the_caller_through_s3(
    kms: KmsMock, s3: BaseClient
) -> None:
    key = new_key(kms)
    allow(kms, ROLE, ["kms:GenerateDataKey", "kms:Decrypt"], key, via=VIA)
    app = s3_as(kms, ROLE)
    put(app, "q1.csv", key)
    assert app.get_object(Bucket=BUCKET, Key="q1.csv")["Body"].read() == b"quarterly figures"

    upload, download = service_calls(kms, "S3")
    context = {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}/q1.csv"}
    assert (upload.operation, upload.outcome, upload.key_arn) == ("GenerateDataKey", "allowed", key)
    assert upload.params == {"KeyId": key, "KeySpec": "AES_256", "EncryptionContext": context}
    assert upload.service_request == f"S3 PutObject s3://{BUCKET}/q1.csv"
    assert (download.operation, download.outcome, download.key_arn) == ("Decrypt", "allowed", key)
    assert download.params == {"EncryptionContext": context}
    record = download.record()
    assert record["userIdentity"]["arn"] == ROLE_SESSION
    assert record["userIdentity"]["invokedBy"] == "s3.amazonaws.com"
    assert (record["sourceIPAddress"], record["userAgent"]) == ("s3.amazonaws.com",) * 2
    # The role may use the key through S3 only: the same call made directly is refused.
    with pytest.raises(ClientError):
        kms_client(kms, ROLE).generate_data_key(KeyId=key, KeySpec="AES_256")


def test_a_caller_without_kms_permission_gets_s3s_access_denied(
    kms: KmsMock, s3: BaseClient
) -> None:
    key = new_key(kms)
    allow(kms, ROLE, ["kms:Decrypt"], key)  # reads, but no GenerateDataKey
    with pytest.raises(ClientError) as excinfo:
        put(s3_as(kms, ROLE), "q1.csv", key)
    assert error_of(excinfo) == (
        403,
        "AccessDenied",
        f"User: {ROLE_SESSION} is not authorized to perform: kms:GenerateDataKey on resource: "
        f"{key} because no identity-based policy allows the kms:GenerateDataKey action",
    )
    # Nothing was stored.
    with pytest.raises(ClientError) as missing:
        s3.head_object(Bucket=BUCKET, Key="q1.csv")
    assert error_of(missing)[0] == 404
    [refused] = service_calls(kms, "S3 PutObject")
    assert (refused.outcome, refused.principal) == ("denied", ROLE_SESSION)
    assert f"for S3 PutObject s3://{BUCKET}/q1.csv -> AccessDeniedException" in kms.report()


def test_a_key_policy_change_blocks_reading_objects_written_before(
    kms: KmsMock, s3: BaseClient
) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            *account_policy(ACCOUNT)["Statement"],
            {
                "Sid": "App",
                "Effect": "Allow",
                "Principal": {"AWS": ROLE},
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": "*",
            },
        ],
    }
    key = new_key(kms, policy=policy)
    with kms.acting_as(ROLE):  # code that makes its own clients
        put(boto3.client("s3", region_name=REGION), "q1.csv", key)
    kms_client(kms).put_key_policy(KeyId=key, Policy=json.dumps(account_policy(ACCOUNT)))
    with kms.acting_as(ROLE), pytest.raises(ClientError) as excinfo:
        boto3.client("s3", region_name=REGION).get_object(Bucket=BUCKET, Key="q1.csv")
    assert error_of(excinfo) == (
        403,
        "AccessDenied",
        f"User: {ROLE_SESSION} is not authorized to perform: kms:Decrypt on resource: {key} "
        "because no identity-based policy allows the kms:Decrypt action",
    )
    kms_client(kms).put_key_policy(KeyId=key, Policy=json.dumps(policy))
    with kms.acting_as(ROLE):
        assert boto3.client("s3", region_name=REGION).get_object(Bucket=BUCKET, Key="q1.csv")


def test_a_disabled_key_fails_uploads_and_downloads_until_enabled(
    kms: KmsMock, s3: BaseClient
) -> None:
    key = new_key(kms)
    put(s3, "q1.csv", key)
    kms_client(kms).disable_key(KeyId=key)
    expected = (400, "KMS.DisabledException", f"{key} is disabled.")
    with pytest.raises(ClientError) as download:
        s3.get_object(Bucket=BUCKET, Key="q1.csv")
    assert error_of(download) == expected
    with pytest.raises(ClientError) as upload:
        put(s3, "q2.csv", key)
    assert error_of(upload) == expected
    with pytest.raises(ClientError) as missing:
        s3.head_object(Bucket=BUCKET, Key="q2.csv")
    assert error_of(missing)[0] == 404  # the refused upload stored nothing
    # HEAD reads no data: it calls KMS only for the object's checksum (its errors have no body).
    assert s3.head_object(Bucket=BUCKET, Key="q1.csv")["ServerSideEncryption"] == "aws:kms"
    with pytest.raises(ClientError) as head:
        s3.head_object(Bucket=BUCKET, Key="q1.csv", ChecksumMode="ENABLED")
    assert error_of(head) == (400, "400", "Bad Request")
    kms_client(kms).enable_key(KeyId=key)
    assert s3.get_object(Bucket=BUCKET, Key="q1.csv")["Body"].read() == b"quarterly figures"


def test_a_key_pending_deletion_fails_downloads_until_the_deletion_is_cancelled(
    kms: KmsMock, s3: BaseClient
) -> None:
    key = new_key(kms)
    put(s3, "q1.csv", key)
    client = kms_client(kms)
    client.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=BUCKET, Key="q1.csv")
    assert error_of(excinfo) == (400, "KMS.KMSInvalidStateException", f"{key} is pending deletion.")
    client.cancel_key_deletion(KeyId=key)
    client.enable_key(KeyId=key)  # cancelling leaves the key disabled
    assert s3.get_object(Bucket=BUCKET, Key="q1.csv")["Body"].read() == b"quarterly figures"


@pytest.mark.parametrize(
    "named",
    ["alias/nonexistent", "1234abcd-12ab-34cd-56ef-1234567890ab"],
    ids=["alias", "key-id"],
)
def test_a_key_that_does_not_exist_is_s3s_kms_not_found(
    kms: KmsMock, s3: BaseClient, named: str
) -> None:
    message = direct_message(kms, "generate_data_key", KeyId=named, KeySpec="AES_256")
    with pytest.raises(ClientError) as excinfo:
        put(s3, "q1.csv", named)
    assert error_of(excinfo) == (400, "KMS.NotFoundException", message)


def test_without_a_key_s3_uses_the_aws_managed_key_which_callers_use_only_through_s3(
    kms: KmsMock, s3: BaseClient
) -> None:
    app = s3_as(kms, ROLE)  # no identity policy at all: aws/s3's key policy lets it
    put(app, "q1.csv")
    assert app.get_object(Bucket=BUCKET, Key="q1.csv")["Body"].read() == b"quarterly figures"
    metadata = kms_client(kms).describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    assert metadata["KeyManager"] == "AWS"
    upload, download = service_calls(kms, "S3")
    assert upload.params["KeyId"] == "alias/aws/s3"
    assert upload.key_arn == download.key_arn == metadata["Arn"]
    with pytest.raises(ClientError) as direct:
        kms_client(kms, ROLE).generate_data_key(KeyId="alias/aws/s3", KeySpec="AES_256")
    assert error_of(direct)[1] == "AccessDeniedException"


def test_bucket_default_encryption_picks_the_key_and_the_bucket_key_context(
    kms: KmsMock, s3: BaseClient
) -> None:
    key = new_key(kms)
    s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_object(Bucket=BUCKET, Key="q1.csv", Body=b"x")  # no encryption header
    # An explicit SSE-S3 upload calls no KMS.
    s3.put_object(Bucket=BUCKET, Key="plain.csv", Body=b"x", ServerSideEncryption="AES256")
    [upload] = service_calls(kms, "S3")
    assert upload.params["KeyId"] == key
    # With an S3 Bucket Key, the context is the bucket's ARN.
    assert upload.params["EncryptionContext"] == {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}"}
    kms_client(kms).disable_key(KeyId=key)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=BUCKET, Key="q2.csv", Body=b"x")
    assert error_of(excinfo) == (400, "KMS.DisabledException", f"{key} is disabled.")
    s3.delete_bucket_encryption(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="q2.csv", Body=b"x")  # no default any more: no KMS


def test_a_multipart_upload_generates_a_data_key_and_decrypts_it_for_each_part(
    kms: KmsMock, s3: BaseClient
) -> None:
    key = new_key(kms)
    allow(kms, ROLE, ["kms:GenerateDataKey"], key)  # no kms:Decrypt
    app = s3_as(kms, ROLE)
    upload = app.create_multipart_upload(
        Bucket=BUCKET, Key="big.bin", ServerSideEncryption="aws:kms", SSEKMSKeyId=key
    )["UploadId"]
    part = {"Bucket": BUCKET, "Key": "big.bin", "UploadId": upload, "PartNumber": 1}
    with pytest.raises(ClientError) as excinfo:
        app.upload_part(Body=b"p" * 10, **part)
    assert error_of(excinfo)[:2] == (403, "AccessDenied")
    assert "kms:Decrypt" in error_of(excinfo)[2]

    allow(kms, ROLE, ["kms:GenerateDataKey", "kms:Decrypt"], key)
    etag = app.upload_part(Body=b"p" * 10, **part)["ETag"]
    app.complete_multipart_upload(
        Bucket=BUCKET,
        Key="big.bin",
        UploadId=upload,
        MultipartUpload={"Parts": [{"ETag": etag, "PartNumber": 1}]},
    )
    assert app.get_object(Bucket=BUCKET, Key="big.bin")["Body"].read() == b"p" * 10
    calls = [(e.operation, e.outcome) for e in service_calls(kms, "S3")]
    assert calls == [
        ("GenerateDataKey", "allowed"),  # CreateMultipartUpload
        ("Decrypt", "denied"),  # UploadPart, before the role could decrypt
        ("Decrypt", "allowed"),  # UploadPart
        ("Decrypt", "allowed"),  # GetObject of the completed object
    ]


def test_a_copy_decrypts_the_source_and_encrypts_the_copy_under_its_own_key(
    kms: KmsMock, s3: BaseClient
) -> None:
    source_key, copy_key = new_key(kms), new_key(kms)
    put(s3, "q1.csv", source_key)
    s3.copy_object(
        Bucket=BUCKET,
        Key="copy of q1.csv",
        CopySource={"Bucket": BUCKET, "Key": "q1.csv"},
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=copy_key,
    )
    read, write = service_calls(kms, "S3 CopyObject")
    assert (read.operation, read.key_arn) == ("Decrypt", source_key)
    assert (write.operation, write.key_arn) == ("GenerateDataKey", copy_key)
    assert write.params["EncryptionContext"] == {
        "aws:s3:arn": f"arn:aws:s3:::{BUCKET}/copy of q1.csv"
    }
    kms_client(kms).disable_key(KeyId=source_key)
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=BUCKET, Key="again", CopySource=f"{BUCKET}/q1.csv")
    assert error_of(excinfo) == (400, "KMS.DisabledException", f"{source_key} is disabled.")
    # The copy has its own key.
    assert s3.get_object(Bucket=BUCKET, Key="copy of q1.csv")["Body"].read() == b"quarterly figures"


def test_a_key_of_another_account_needs_its_key_policy_and_the_callers_iam_policy(
    kms: KmsMock, s3: BaseClient
) -> None:
    key = new_key(
        kms,
        policy=account_policy(OTHER_ACCOUNT, ACCOUNT),
        owner=f"arn:aws:iam::{OTHER_ACCOUNT}:root",
    )
    assert key.startswith(f"arn:aws:kms:{REGION}:{OTHER_ACCOUNT}:key/")
    app = s3_as(kms, ROLE)
    with pytest.raises(ClientError) as excinfo:
        put(app, "q1.csv", key)
    assert error_of(excinfo)[:2] == (403, "AccessDenied")
    allow(kms, ROLE, ["kms:GenerateDataKey", "kms:Decrypt"], key)
    put(app, "q1.csv", key)
    assert app.get_object(Bucket=BUCKET, Key="q1.csv")["Body"].read() == b"quarterly figures"
    upload = service_calls(kms, "S3 PutObject")[-1]
    assert upload.record()["userIdentity"]["accountId"] == ACCOUNT
    assert upload.record()["resources"][0]["accountId"] == OTHER_ACCOUNT


def test_the_callers_encryption_context_joins_s3s_and_dsse_kms_is_kms_too(
    kms: KmsMock, s3: BaseClient
) -> None:
    key = new_key(kms)
    mine = base64.b64encode(json.dumps({"team": "finance"}).encode()).decode()
    put(s3, "q1.csv", key, SSEKMSEncryptionContext=mine)
    s3.put_object(
        Bucket=BUCKET, Key="q2.csv", Body=b"x", ServerSideEncryption="aws:kms:dsse", SSEKMSKeyId=key
    )
    assert s3.get_object(Bucket=BUCKET, Key="q1.csv")
    first, second, read = service_calls(kms, "S3")
    assert first.params["EncryptionContext"] == {
        "team": "finance",
        "aws:s3:arn": f"arn:aws:s3:::{BUCKET}/q1.csv",
    }
    assert read.params["EncryptionContext"] == first.params["EncryptionContext"]
    assert second.params["EncryptionContext"] == {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}/q2.csv"}


def test_the_calls_are_billed_and_s3s_own_errors_come_before_kms_on_reads(
    kms: KmsMock, s3: BaseClient
) -> None:
    key = new_key(kms)
    put(s3, "q1.csv", key)
    kms_client(kms).disable_key(KeyId=key)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=BUCKET, Key="no such object")
    assert error_of(excinfo)[1] == "NoSuchKey"
    # CreateKey, DisableKey, and S3's GenerateDataKey.
    assert sum(kms.cost().requests.values()) == 3

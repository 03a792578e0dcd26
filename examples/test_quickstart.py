"""The main ways to use kmsmock, as short tests. Run them with `pytest examples/`."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from kmsmock import KmsMock, mock_kms


@mock_kms
def test_encrypt_and_decrypt_with_an_alias() -> None:
    kms = boto3.client("kms", region_name="eu-west-1")
    key = kms.create_key(Description="orders")["KeyMetadata"]
    kms.create_alias(AliasName="alias/orders", TargetKeyId=key["KeyId"])

    blob = kms.encrypt(KeyId="alias/orders", Plaintext=b"hi", EncryptionContext={"tenant": "a"})[
        "CiphertextBlob"
    ]

    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext={"tenant": "a"})["Plaintext"] == b"hi"


def test_the_kms_fixture_gives_an_active_mock(kms: KmsMock) -> None:
    client = boto3.client("kms", region_name="us-east-1")
    data_key = client.generate_data_key(
        KeyId=client.create_key()["KeyMetadata"]["KeyId"], KeySpec="AES_256"
    )
    assert len(data_key["Plaintext"]) == 32
    assert (
        client.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"]
        == (data_key["Plaintext"])
    )


def test_errors_are_the_ones_aws_gives() -> None:
    with mock_kms():
        kms = boto3.client("kms", region_name="us-east-1")
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        blob = kms.encrypt(
            KeyId=key_id, Plaintext=b"secret", EncryptionContext={"purpose": "test"}
        )["CiphertextBlob"]

        # The wrong encryption context fails exactly as on AWS: an empty message.
        with pytest.raises(kms.exceptions.InvalidCiphertextException) as wrong_context:
            kms.decrypt(CiphertextBlob=blob, EncryptionContext={"purpose": "prod"})
        assert wrong_context.value.response["Error"]["Message"] == ""

        kms.disable_key(KeyId=key_id)
        with pytest.raises(ClientError) as disabled:
            kms.encrypt(KeyId=key_id, Plaintext=b"x")
        assert disabled.value.response["Error"] == {
            "Code": "DisabledException",
            "Message": f"arn:aws:kms:us-east-1:123456789012:key/{key_id} is disabled.",
        }


def test_scheduled_deletion_and_cancellation() -> None:
    with mock_kms():
        kms = boto3.client("kms", region_name="us-east-1")
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        scheduled = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        assert scheduled["KeyState"] == "PendingDeletion"

        kms.cancel_key_deletion(KeyId=key_id)
        # As on AWS, a cancelled deletion leaves the key disabled, not enabled.
        assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"

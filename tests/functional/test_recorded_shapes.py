"""Response shapes as AWS recorded them (shared/spec/aws-recorded-errors.md): errors AWS sends
with no text carry no message member, and ReplicateKey leaves out ReplicaTags a replica does
not have."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import key_arn, new_key
from helpers_import_key_material import do_import, external


def parsed_error(call: Any, /, **params: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    response: dict[str, Any] = excinfo.value.response
    return response


def assert_no_text(response: dict[str, Any], code: str) -> None:
    """As botocore parses AWS's answer: an empty Error.Message and no top-level message."""
    assert response["Error"] == {"Code": code, "Message": ""}
    assert "message" not in response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_decrypt_with_the_wrong_context_has_no_message(client: BaseClient) -> None:
    # Recorded #30: a ciphertext made with an encryption context, decrypted without it.
    key_id = new_key(client)["KeyId"]
    blob = client.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext={"a": "b"})[
        "CiphertextBlob"
    ]
    assert_no_text(parsed_error(client.decrypt, CiphertextBlob=blob), "InvalidCiphertextException")
    assert_no_text(
        parsed_error(client.re_encrypt, CiphertextBlob=blob, DestinationKeyId=key_id),
        "InvalidCiphertextException",
    )


def test_verify_of_another_message_has_no_message(client: BaseClient) -> None:
    # Recorded #46: MessageType RAW, the signature of a different message.
    key_id = new_key(client, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyId"]
    signature = client.sign(
        KeyId=key_id, Message=b"one", SigningAlgorithm="ECDSA_SHA_256", MessageType="RAW"
    )["Signature"]
    response = parsed_error(
        client.verify,
        KeyId=key_id,
        Message=b"two",
        Signature=signature,
        SigningAlgorithm="ECDSA_SHA_256",
        MessageType="RAW",
    )
    assert_no_text(response, "KMSInvalidSignatureException")


def test_verify_mac_of_another_message_has_no_message(client: BaseClient) -> None:
    # Recorded #52.
    key_id = new_key(client, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyId"]
    mac = client.generate_mac(KeyId=key_id, Message=b"one", MacAlgorithm="HMAC_SHA_256")["Mac"]
    response = parsed_error(
        client.verify_mac, KeyId=key_id, Message=b"two", Mac=mac, MacAlgorithm="HMAC_SHA_256"
    )
    assert_no_text(response, "KMSInvalidMacException")


def test_rotate_key_on_demand_of_an_rsa_key_has_no_message(client: BaseClient) -> None:
    # Recorded #67: an enabled RSA_4096 ENCRYPT_DECRYPT key.
    key_id = new_key(client, KeySpec="RSA_4096", KeyUsage="ENCRYPT_DECRYPT")["KeyId"]
    response = parsed_error(client.rotate_key_on_demand, KeyId=key_id)
    assert_no_text(response, "UnsupportedOperationException")


def test_an_error_with_text_keeps_it_at_both_places(client: BaseClient) -> None:
    response = parsed_error(client.describe_key, KeyId="alias/none")
    message = "Alias arn:aws:kms:us-east-1:123456789012:alias/none is not found."
    assert response["Error"] == {"Code": "NotFoundException", "Message": message}
    assert response["message"] == message


def test_rotate_key_on_demand_with_nothing_pending_is_recorded_text(client: BaseClient) -> None:
    # Recorded #63: an EXTERNAL symmetric key with imported material, nothing pending.
    key_id = external(client)
    do_import(client, key_id, bytes(32))
    response = parsed_error(client.rotate_key_on_demand, KeyId=key_id)
    assert response["Error"] == {
        "Code": "KMSInvalidStateException",
        "Message": f"No available key material pending rotation for the key: {key_arn(key_id)}.",
    }


def test_replicate_key_omits_replica_tags_when_there_are_none(client: BaseClient) -> None:
    key_id = new_key(client, MultiRegion=True)["KeyId"]
    response = client.replicate_key(KeyId=key_id, ReplicaRegion="us-west-2")
    assert "ReplicaTags" not in response
    tags = [{"TagKey": "env", "TagValue": "dr"}]
    response = client.replicate_key(KeyId=key_id, ReplicaRegion="eu-west-1", Tags=tags)
    assert response["ReplicaTags"] == tags

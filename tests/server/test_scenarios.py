"""One scenario suite, two transports: every scenario runs in-process (the botocore hook) and
over HTTP (a local endpoint serving the same mock's world), and must see the same answers."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION, error_of, key_arn
from cryptography.hazmat.primitives.asymmetric import rsa

from kmsmock import KmsMock
from kmsmock.nitro import attestation_document, open_ciphertext_for_recipient

from .conftest import MakeClient

ROLE = f"arn:aws:iam::{ACCOUNT}:role/reader"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/kmsmock"


def test_create_encrypt_decrypt(transport: MakeClient) -> None:
    client = transport()
    key = client.create_key(Description="scenario")["KeyMetadata"]
    assert key["Arn"] == key_arn(key["KeyId"])
    assert key["Description"] == "scenario"
    blob = client.encrypt(
        KeyId=key["KeyId"], Plaintext=b"secret", EncryptionContext={"purpose": "test"}
    )["CiphertextBlob"]
    plain = client.decrypt(CiphertextBlob=blob, EncryptionContext={"purpose": "test"})
    assert plain["Plaintext"] == b"secret"
    assert plain["KeyId"] == key["Arn"]
    with pytest.raises(ClientError) as excinfo:
        client.decrypt(CiphertextBlob=blob, EncryptionContext={"purpose": "other"})
    assert error_of(excinfo) == ("InvalidCiphertextException", "")


def test_sign_and_verify(transport: MakeClient) -> None:
    client = transport()
    key = client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    signature = client.sign(KeyId=key["KeyId"], Message=b"msg", SigningAlgorithm="ECDSA_SHA_256")[
        "Signature"
    ]
    ok = client.verify(
        KeyId=key["KeyId"], Message=b"msg", Signature=signature, SigningAlgorithm="ECDSA_SHA_256"
    )
    assert ok["SignatureValid"] is True
    with pytest.raises(ClientError) as excinfo:
        client.verify(
            KeyId=key["KeyId"],
            Message=b"other",
            Signature=signature,
            SigningAlgorithm="ECDSA_SHA_256",
        )
    assert error_of(excinfo) == ("KMSInvalidSignatureException", "")


def test_not_found_and_disabled(transport: MakeClient) -> None:
    client = transport()
    with pytest.raises(ClientError) as excinfo:
        client.describe_key(KeyId="alias/missing")
    assert error_of(excinfo) == (
        "NotFoundException",
        f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/missing is not found.",
    )
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    client.disable_key(KeyId=key_id)
    with pytest.raises(ClientError) as excinfo:
        client.encrypt(KeyId=key_id, Plaintext=b"x")
    assert error_of(excinfo) == ("DisabledException", f"{key_arn(key_id)} is disabled.")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_server_side_validation(transport: MakeClient) -> None:
    from botocore.config import Config

    client = transport(config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as excinfo:
        client.generate_random(NumberOfBytes=1025)
    assert error_of(excinfo) == (
        "ValidationException",
        "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy "
        "constraint: Member must have value less than or equal to 1024",
    )


def test_issued_credentials_act_as_their_role(kms: KmsMock, transport: MakeClient) -> None:
    """A role with no permission is denied, named as its assumed-role session; the same
    role, allowed by the key policy, is served."""
    admin = transport()
    key_id = admin.create_key()["KeyMetadata"]["KeyId"]
    reader = transport(**kms.credentials(ROLE))
    with pytest.raises(ClientError) as excinfo:
        reader.describe_key(KeyId=key_id)
    assert error_of(excinfo) == (
        "AccessDeniedException",
        f"User: {SESSION} is not authorized to perform: kms:DescribeKey on resource: "
        f"{key_arn(key_id)} because no identity-based policy allows the kms:DescribeKey "
        "action",
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": ROLE},
                "Action": "kms:DescribeKey",
                "Resource": "*",
            },
        ],
    }
    admin.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(policy))
    assert reader.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"] == key_id
    denied = kms.events.filter(operation="DescribeKey", outcome="denied")
    assert [event.principal for event in denied] == [SESSION]


def test_region_comes_from_the_credential_scope(transport: MakeClient) -> None:
    arn = transport().create_key()["KeyMetadata"]["Arn"]
    elsewhere = transport(region_name="eu-west-3")
    assert elsewhere.list_keys()["Keys"] == []
    made = elsewhere.create_key()["KeyMetadata"]["Arn"]
    assert made.startswith(f"arn:aws:kms:eu-west-3:{ACCOUNT}:key/")
    with pytest.raises(ClientError) as excinfo:
        elsewhere.describe_key(KeyId=arn)
    assert error_of(excinfo) == ("NotFoundException", "Invalid arn us-east-1")


def test_audit_events_record_both_transports_alike(kms: KmsMock, transport: MakeClient) -> None:
    client = transport()
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError):
        client.describe_key(KeyId="1234abcd-12ab-34cd-56ef-1234567890ab")
    events = list(kms.events)
    assert [(e.operation, e.error_code) for e in events] == [
        ("CreateKey", None),
        ("DescribeKey", "NotFoundException"),
    ]
    assert events[0].principal == f"arn:aws:iam::{ACCOUNT}:root"
    assert events[0].key_arn == key_arn(key_id)


def test_nitro_recipient(transport: MakeClient) -> None:
    # The attestation document is a blob inside a structure: base64 in JSON over HTTP.
    client = transport()
    enclave_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    document = attestation_document(enclave_key.public_key())
    answer = client.generate_random(NumberOfBytes=12, Recipient={"AttestationDocument": document})
    assert "Plaintext" not in answer
    assert len(open_ciphertext_for_recipient(enclave_key, answer["CiphertextForRecipient"])) == 12

"""The Recipient parameter (Nitro Enclaves) through boto3: CiphertextForRecipient instead of the
plaintext, attestation documents checked, and the kms:RecipientAttestation:* condition keys."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import boto3
import cbor2
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, REGION, fails, modelled
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kmsmock import KmsMock, KmsMockUsageError
from kmsmock.nitro import TestCa, attestation_document, open_ciphertext_for_recipient

ENCLAVE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
IMAGE = "a1" * 48
ROLE = f"arn:aws:iam::{ACCOUNT}:role/enclave"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/enclave/kmsmock"


def recipient(document: bytes | None = None) -> dict[str, Any]:
    if document is None:
        document = attestation_document(ENCLAVE_KEY.public_key(), pcrs={0: IMAGE})
    return {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": document}


def opened(answer: dict[str, Any]) -> bytes:
    return open_ciphertext_for_recipient(ENCLAVE_KEY, answer["CiphertextForRecipient"])


def members(answer: dict[str, Any]) -> list[str]:
    return sorted(name for name in answer if name != "ResponseMetadata")


def expected(operation: str, *names: str) -> list[str]:
    """``names`` less those the loaded model's answer to ``operation`` lacks (KeyMaterialId
    came after botocore 1.35)."""
    return sorted(modelled(operation, dict.fromkeys(names)))


@pytest.fixture
def key_id(client: BaseClient) -> str:
    key_id: str = client.create_key()["KeyMetadata"]["KeyId"]
    return key_id


def test_decrypt(client: BaseClient, key_id: str) -> None:
    blob = client.encrypt(KeyId=key_id, Plaintext=b"db-password")["CiphertextBlob"]
    answer = client.decrypt(CiphertextBlob=blob, Recipient=recipient())
    assert members(answer) == expected(
        "Decrypt", "CiphertextForRecipient", "EncryptionAlgorithm", "KeyId", "KeyMaterialId"
    )
    assert opened(answer) == b"db-password"


@pytest.mark.parametrize("size", [{"KeySpec": "AES_256"}, {"NumberOfBytes": 7}])
def test_generate_data_key(client: BaseClient, key_id: str, size: dict[str, Any]) -> None:
    answer = client.generate_data_key(KeyId=key_id, Recipient=recipient(), **size)
    assert members(answer) == expected(
        "GenerateDataKey", "CiphertextBlob", "CiphertextForRecipient", "KeyId", "KeyMaterialId"
    )
    data_key = client.decrypt(CiphertextBlob=answer["CiphertextBlob"])["Plaintext"]
    assert opened(answer) == data_key
    assert len(data_key) == size.get("NumberOfBytes", 32)


def test_generate_data_key_pair(client: BaseClient, key_id: str) -> None:
    answer = client.generate_data_key_pair(
        KeyId=key_id, KeyPairSpec="ECC_NIST_P256", Recipient=recipient()
    )
    assert members(answer) == expected(
        "GenerateDataKeyPair",
        "CiphertextForRecipient",
        "KeyId",
        "KeyMaterialId",
        "KeyPairSpec",
        "PrivateKeyCiphertextBlob",
        "PublicKey",
    )
    private = serialization.load_der_private_key(opened(answer), password=None)
    assert (
        private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == answer["PublicKey"]
    )
    sealed = client.decrypt(CiphertextBlob=answer["PrivateKeyCiphertextBlob"])["Plaintext"]
    assert sealed == opened(answer)


@pytest.mark.parametrize("size", [1, 32, 1024])
def test_generate_random(client: BaseClient, size: int) -> None:
    answer = client.generate_random(NumberOfBytes=size, Recipient=recipient())
    assert members(answer) == ["CiphertextForRecipient"]
    assert len(opened(answer)) == size


def test_derive_shared_secret(client: BaseClient) -> None:
    key_id = client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")["KeyMetadata"][
        "KeyId"
    ]
    peer = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    params = {"KeyId": key_id, "KeyAgreementAlgorithm": "ECDH", "PublicKey": peer}
    answer = client.derive_shared_secret(Recipient=recipient(), **params)
    assert members(answer) == [
        "CiphertextForRecipient",
        "KeyAgreementAlgorithm",
        "KeyId",
        "KeyOrigin",
    ]
    assert opened(answer) == client.derive_shared_secret(**params)["SharedSecret"]


def test_untagged_document_and_no_key_encryption_algorithm(client: BaseClient) -> None:
    document = attestation_document(ENCLAVE_KEY.public_key(), tagged=False)
    answer = client.generate_random(NumberOfBytes=8, Recipient={"AttestationDocument": document})
    assert len(opened(answer)) == 8


# -- documents that are refused -----------------------------------------------------------------

MALFORMED = "The attestation document is malformed: "


def _cose(payload: dict[str, Any] | bytes, protected: bytes | None = None) -> bytes:
    raw = payload if isinstance(payload, bytes) else cbor2.dumps(payload)
    header = cbor2.dumps({1: -35}) if protected is None else protected
    return bytes(cbor2.dumps(cbor2.CBORTag(18, [header, {}, raw, bytes(96)])))


def _payload(**changes: Any) -> dict[str, Any]:
    good = cbor2.loads(cbor2.loads(attestation_document(ENCLAVE_KEY.public_key())).value[2])
    payload = dict(good)
    payload.update(changes)
    return {name: value for name, value in payload.items() if value is not None}


_MALFORMED_CASES = [
    (b"\xff\x00", "it is not CBOR."),
    (cbor2.dumps([1, 2, 3]), "it is not a COSE_Sign1 structure."),
    (cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"", b""])), "it is not a COSE_Sign1 structure."),
    (
        _cose({}, cbor2.dumps({1: -7})),
        "its protected header does not name the algorithm ES384.",
    ),
    (_cose(b"\x01"), "its payload is not a CBOR map."),
    (_cose(_payload(module_id=None)), "module_id is missing or has the wrong type."),
    (_cose(_payload(digest="SHA256")), "its digest is not SHA384."),
    (_cose(_payload(timestamp="now")), "timestamp is missing or has the wrong type."),
    (_cose(_payload(pcrs={0: b"short"})), "pcrs[0] is not a 32, 48 or 64-byte value."),
    (
        _cose(_payload(pcrs={"0": bytes(48)})),
        "pcrs has an index that is not an integer from 0 to 31.",
    ),
    (_cose(_payload(certificate=b"junk")), "certificate is not a DER X.509 certificate."),
    (_cose(_payload(cabundle=[])), "cabundle is not a list of DER certificates."),
    (_cose(_payload(public_key="text")), "public_key has the wrong type."),
]


# Named by their messages: the documents hold keys made afresh in each process, and pytest-xdist
# needs every worker to collect the same test IDs.
@pytest.mark.parametrize(
    ("document", "message"), _MALFORMED_CASES, ids=[m for _, m in _MALFORMED_CASES]
)
def test_malformed_documents(client: BaseClient, document: bytes, message: str) -> None:
    assert fails(client.generate_random, NumberOfBytes=8, Recipient=recipient(document)) == (
        "ValidationException",
        MALFORMED + message,
    )


def test_unsigned_document(client: BaseClient) -> None:
    assert fails(
        client.generate_random, NumberOfBytes=8, Recipient=recipient(_cose(_payload()))
    ) == (
        "ValidationException",
        "The attestation document's signature is not valid.",
    )


def test_tampered_document(client: BaseClient) -> None:
    message = cbor2.loads(attestation_document(ENCLAVE_KEY.public_key(), pcrs={0: IMAGE}))
    protected, unprotected, _, signature = message.value
    forged = cbor2.dumps(_payload(pcrs={0: bytes(48)}))  # another image, the old signature
    document = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, forged, signature]))
    assert fails(client.generate_random, NumberOfBytes=8, Recipient=recipient(document)) == (
        "ValidationException",
        "The attestation document's signature is not valid.",
    )


def test_document_from_an_untrusted_root(client: BaseClient) -> None:
    document = attestation_document(ENCLAVE_KEY.public_key(), ca=TestCa("elsewhere"))
    assert fails(client.generate_random, NumberOfBytes=8, Recipient=recipient(document)) == (
        "ValidationException",
        "The attestation document's certificate chain does not end at a trusted root certificate.",
    )


def test_document_without_a_public_key(client: BaseClient) -> None:
    assert fails(
        client.generate_random, NumberOfBytes=8, Recipient=recipient(attestation_document(None))
    ) == ("ValidationException", "The attestation document does not include a public key.")


def test_document_with_an_ec_public_key(client: BaseClient) -> None:
    public = (
        ec.generate_private_key(ec.SECP384R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert fails(
        client.generate_random, NumberOfBytes=8, Recipient=recipient(attestation_document(public))
    ) == (
        "ValidationException",
        "The public key in the attestation document is not a DER-encoded RSA public key.",
    )


def test_recipient_without_a_document(raw_client: BaseClient) -> None:
    assert fails(
        raw_client.generate_random,
        NumberOfBytes=8,
        Recipient={"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256"},
    ) == (
        "ValidationException",
        "1 validation error detected: Value null at 'recipient.attestationDocument' failed to "
        "satisfy constraint: Member must not be null",
    )


def test_only_rsaes_oaep_sha_256(raw_client: BaseClient) -> None:
    assert fails(
        raw_client.decrypt,
        CiphertextBlob=b"x" * 32,
        Recipient={"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_1", "AttestationDocument": b"d"},
    ) == (
        "ValidationException",
        "1 validation error detected: Value 'RSAES_OAEP_SHA_1' at "
        "'recipient.keyEncryptionAlgorithm' failed to satisfy constraint: Member must satisfy "
        "enum value set: [RSAES_OAEP_SHA_256]",
    )


# -- condition keys -----------------------------------------------------------------------------


def _only_the_enclave(condition: dict[str, Any]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "Enclave",
                    "Effect": "Allow",
                    "Principal": {"AWS": ROLE},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": "*",
                    "Condition": condition,
                },
            ],
        }
    )


@pytest.mark.parametrize(
    ("condition", "pcrs"),
    [
        ({"StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": IMAGE}}, {0: IMAGE}),
        ({"StringEquals": {"kms:RecipientAttestation:PCR8": "0f" * 48}}, {8: "0f" * 48}),
    ],
)
def test_key_policy_condition_on_the_enclave(
    kms: KmsMock, client: BaseClient, condition: dict[str, Any], pcrs: dict[int, str]
) -> None:
    key_id = client.create_key(Policy=_only_the_enclave(condition))["KeyMetadata"]["KeyId"]
    blob = client.encrypt(KeyId=key_id, Plaintext=b"model weights key")["CiphertextBlob"]
    enclave = boto3.client("kms", region_name=REGION, **kms.credentials(ROLE))
    good = attestation_document(ENCLAVE_KEY.public_key(), pcrs=pcrs)
    answer = enclave.decrypt(CiphertextBlob=blob, Recipient=recipient(good))
    assert opened(answer) == b"model weights key"

    arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"
    denied = (
        "AccessDeniedException",
        f"User: {SESSION} is not authorized to perform: kms:Decrypt on resource: {arn} "
        "because no identity-based policy allows the kms:Decrypt action",
    )
    other = attestation_document(ENCLAVE_KEY.public_key(), pcrs=dict.fromkeys(pcrs, "ee" * 48))
    assert fails(enclave.decrypt, CiphertextBlob=blob, Recipient=recipient(other)) == denied
    assert fails(enclave.decrypt, CiphertextBlob=blob) == denied


def test_identity_policy_condition_on_generate_random(kms: KmsMock) -> None:
    kms.set_identity_policy(
        ROLE,
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "kms:GenerateRandom",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"kms:RecipientAttestation:ImageSha384": IMAGE}},
                }
            ],
        },
    )
    enclave = boto3.client("kms", region_name=REGION, **kms.credentials(ROLE))
    assert len(opened(enclave.generate_random(NumberOfBytes=4, Recipient=recipient()))) == 4
    assert fails(enclave.generate_random, NumberOfBytes=4) == (
        "AccessDeniedException",
        f"User: {SESSION} is not authorized to perform: kms:GenerateRandom on resource: * "
        "because no identity-based policy allows the kms:GenerateRandom action",
    )


# -- audit events -------------------------------------------------------------------------------


def test_events_keep_neither_document_nor_ciphertext(kms: KmsMock, client: BaseClient) -> None:
    client.generate_random(NumberOfBytes=8, Recipient=recipient())
    event = kms.events[-1]
    assert event.operation == "GenerateRandom"
    assert event.params == {
        "NumberOfBytes": 8,
        "Recipient": {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256"},
    }
    assert event.result is None  # read-only: CloudTrail logs no response elements
    record = event.record()
    assert "recipient" not in json.dumps(record["requestParameters"]).lower()


def test_without_cbor2_the_extra_is_named(
    client: BaseClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = attestation_document(ENCLAVE_KEY.public_key())
    monkeypatch.setitem(sys.modules, "cbor2", None)  # as if not installed
    message = (
        "kmsmock needs the optional dependency cbor2 for Nitro Enclaves attestation documents: "
        "pip install 'kmsmock[nitro]'"
    )
    assert fails(client.generate_random, NumberOfBytes=8, Recipient=recipient(document)) == (
        "NotImplementedException",
        message,
    )
    with pytest.raises(KmsMockUsageError, match=re.escape(message)):
        attestation_document(ENCLAVE_KEY.public_key())


def test_opening_with_another_key_is_a_usage_error(client: BaseClient) -> None:
    answer = client.generate_random(NumberOfBytes=8, Recipient=recipient())
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(KmsMockUsageError, match="cannot be opened with this private key"):
        open_ciphertext_for_recipient(other, answer["CiphertextForRecipient"])

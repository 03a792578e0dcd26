"""RSA keys with KeyUsage ENCRYPT_DECRYPT: RSAES-OAEP Encrypt and Decrypt, interoperable with
`cryptography` offline, with AWS's plaintext limits and errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, REGION, describe, fails, key_arn, model_has, new_key, requires_model
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from kmsmock import KmsMock

ALGORITHMS = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
# Recorded from AWS: the largest plaintext per spec and algorithm.
LIMITS = {
    ("RSA_2048", "RSAES_OAEP_SHA_1"): 214,
    ("RSA_2048", "RSAES_OAEP_SHA_256"): 190,
    ("RSA_3072", "RSAES_OAEP_SHA_1"): 342,
    ("RSA_3072", "RSAES_OAEP_SHA_256"): 318,
    ("RSA_4096", "RSAES_OAEP_SHA_1"): 470,
    ("RSA_4096", "RSAES_OAEP_SHA_256"): 446,
}
INVALID_CIPHERTEXT = ("InvalidCiphertextException", "")


def rsa_key(client: BaseClient, spec: str = "RSA_2048") -> str:
    key_id: str = new_key(client, KeySpec=spec, KeyUsage="ENCRYPT_DECRYPT")["KeyId"]
    return key_id


def oaep(algorithm: str) -> padding.OAEP:
    hash_: hashes.HashAlgorithm = (
        hashes.SHA1() if algorithm == "RSAES_OAEP_SHA_1" else hashes.SHA256()
    )
    return padding.OAEP(mgf=padding.MGF1(hash_), algorithm=hash_, label=None)


def encrypt(client: BaseClient, key_id: str, plaintext: bytes, algorithm: str) -> bytes:
    blob: bytes = client.encrypt(KeyId=key_id, Plaintext=plaintext, EncryptionAlgorithm=algorithm)[
        "CiphertextBlob"
    ]
    return blob


@pytest.mark.parametrize("spec", ["RSA_2048", "RSA_3072", "RSA_4096"])
def test_encryption_key_metadata_and_public_key(client: BaseClient, spec: str) -> None:
    created = new_key(client, KeySpec=spec, KeyUsage="ENCRYPT_DECRYPT")
    assert created == describe(client, created["KeyId"])
    assert created["EncryptionAlgorithms"] == ALGORITHMS
    for absent in ("SigningAlgorithms", "CurrentKeyMaterialId", "MacAlgorithms"):
        assert absent not in created
    answer = client.get_public_key(KeyId=created["KeyId"])
    assert answer["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert answer["EncryptionAlgorithms"] == ALGORITHMS
    assert "SigningAlgorithms" not in answer


@pytest.mark.parametrize(("spec", "algorithm"), list(LIMITS))
def test_round_trips_and_offline_interoperability(
    client: BaseClient, kms: KmsMock, spec: str, algorithm: str
) -> None:
    key_id = rsa_key(client, spec)
    limit = LIMITS[(spec, algorithm)]
    plaintext = bytes(range(256)) * 2
    plaintext = plaintext[:limit]
    answer = client.encrypt(KeyId=key_id, Plaintext=plaintext, EncryptionAlgorithm=algorithm)
    assert answer["KeyId"] == key_arn(key_id)
    assert answer["EncryptionAlgorithm"] == algorithm
    assert len(answer["CiphertextBlob"]) == int(spec[4:]) // 8
    decrypted = client.decrypt(
        KeyId=key_id, CiphertextBlob=answer["CiphertextBlob"], EncryptionAlgorithm=algorithm
    )
    assert {k: v for k, v in decrypted.items() if k != "ResponseMetadata"} == {
        "KeyId": key_arn(key_id),
        "Plaintext": plaintext,
        "EncryptionAlgorithm": algorithm,
    }
    # Offline with the GetPublicKey DER: the mock decrypts it.
    public: Any = serialization.load_der_public_key(
        client.get_public_key(KeyId=key_id)["PublicKey"]
    )
    offline = public.encrypt(plaintext, oaep(algorithm))
    assert (
        client.decrypt(KeyId=key_id, CiphertextBlob=offline, EncryptionAlgorithm=algorithm)[
            "Plaintext"
        ]
        == plaintext
    )
    # And the mock's ciphertext is plain OAEP the private key opens offline.
    private = kms.world.regions[(ACCOUNT, REGION)].keys[key_id].private_key
    assert private is not None
    assert private.decrypt(answer["CiphertextBlob"], oaep(algorithm)) == plaintext


@pytest.mark.parametrize(("spec", "algorithm"), list(LIMITS))
def test_plaintext_over_the_limit(client: BaseClient, spec: str, algorithm: str) -> None:
    key_id = rsa_key(client, spec)
    limit = LIMITS[(spec, algorithm)]
    for size in (limit + 1, 1176):
        assert fails(
            client.encrypt, KeyId=key_id, Plaintext=b"x" * size, EncryptionAlgorithm=algorithm
        ) == (
            "ValidationException",
            f"Algorithm {algorithm} and key spec {spec} cannot encrypt data larger than "
            f"{limit} bytes.",
        )


def test_the_limit_is_checked_before_dry_run(client: BaseClient) -> None:
    key_id = rsa_key(client)
    assert (
        fails(
            client.encrypt,
            KeyId=key_id,
            Plaintext=b"x" * 191,
            EncryptionAlgorithm="RSAES_OAEP_SHA_256",
            DryRun=True,
        )[0]
        == "ValidationException"
    )
    assert fails(
        client.encrypt,
        KeyId=key_id,
        Plaintext=b"x" * 190,
        EncryptionAlgorithm="RSAES_OAEP_SHA_256",
        DryRun=True,
    ) == (
        "DryRunOperationException",
        "The request would have succeeded, but the DryRun option is set.",
    )


@pytest.mark.parametrize("operation", ["encrypt", "decrypt"])
@pytest.mark.parametrize("algorithm", [None, "SYMMETRIC_DEFAULT", "SM2PKE"])
def test_an_rsa_key_needs_an_oaep_algorithm(
    client: BaseClient, operation: str, algorithm: str | None
) -> None:
    key_id = rsa_key(client, "RSA_3072")
    params: dict[str, Any] = {"KeyId": key_id}
    if algorithm is not None:
        params["EncryptionAlgorithm"] = algorithm
    if operation == "encrypt":
        params["Plaintext"] = b"x"
    else:
        params["CiphertextBlob"] = encrypt(client, key_id, b"x", "RSAES_OAEP_SHA_256")
    # Seen from AWS: "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_4096."
    assert fails(getattr(client, operation), **params) == (
        "InvalidKeyUsageException",
        f"Algorithm {algorithm or 'SYMMETRIC_DEFAULT'} is incompatible with key spec RSA_3072.",
    )


def test_decrypt_with_the_other_oaep_hash_fails(client: BaseClient) -> None:
    key_id = rsa_key(client)
    blob = encrypt(client, key_id, b"secret", "RSAES_OAEP_SHA_256")
    assert (
        fails(
            client.decrypt,
            KeyId=key_id,
            CiphertextBlob=blob,
            EncryptionAlgorithm="RSAES_OAEP_SHA_1",
        )
        == INVALID_CIPHERTEXT
    )


def test_asymmetric_decrypt_needs_the_key_id(client: BaseClient) -> None:
    key_id = rsa_key(client)
    blob = encrypt(client, key_id, b"secret", "RSAES_OAEP_SHA_256")
    assert (
        fails(client.decrypt, CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
        == INVALID_CIPHERTEXT
    )


@pytest.mark.parametrize("change", ["other-key", "changed-byte", "truncated", "symmetric-blob"])
def test_ciphertext_that_does_not_open(client: BaseClient, change: str) -> None:
    key_id = rsa_key(client)
    blob = encrypt(client, key_id, b"secret", "RSAES_OAEP_SHA_256")
    if change == "other-key":
        key_id = rsa_key(client)
    elif change == "changed-byte":
        blob = blob[:100] + bytes([blob[100] ^ 1]) + blob[101:]
    elif change == "truncated":
        blob = blob[:-1]
    else:
        blob = client.encrypt(KeyId=new_key(client)["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    assert (
        fails(
            client.decrypt,
            KeyId=key_id,
            CiphertextBlob=blob,
            EncryptionAlgorithm="RSAES_OAEP_SHA_256",
        )
        == INVALID_CIPHERTEXT
    )


def test_encryption_key_state_is_checked(client: BaseClient) -> None:
    key_id = rsa_key(client)
    blob = encrypt(client, key_id, b"secret", "RSAES_OAEP_SHA_1")
    client.disable_key(KeyId=key_id)
    disabled = ("DisabledException", f"{key_arn(key_id)} is disabled.")
    assert (
        fails(
            client.decrypt,
            KeyId=key_id,
            CiphertextBlob=blob,
            EncryptionAlgorithm="RSAES_OAEP_SHA_1",
        )
        == disabled
    )
    assert (
        fails(client.encrypt, KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_1")
        == disabled
    )


def test_signing_key_cannot_encrypt(client: BaseClient) -> None:
    key_id = new_key(client, KeySpec="RSA_4096", KeyUsage="SIGN_VERIFY")["KeyId"]
    assert fails(
        client.encrypt, KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256"
    ) == (
        "InvalidKeyUsageException",
        f"{key_arn(key_id)} key usage is SIGN_VERIFY which is not valid for Encrypt.",
    )


def test_generate_data_key_needs_a_symmetric_key(client: BaseClient) -> None:
    key_id = rsa_key(client)
    assert fails(client.generate_data_key, KeyId=key_id, KeySpec="AES_256") == (
        "InvalidKeyUsageException",
        "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.",
    )


def test_dry_run_decrypt(client: BaseClient) -> None:
    key_id = rsa_key(client)
    blob = encrypt(client, key_id, b"secret", "RSAES_OAEP_SHA_256")
    assert fails(
        client.decrypt,
        KeyId=key_id,
        CiphertextBlob=blob,
        EncryptionAlgorithm="RSAES_OAEP_SHA_256",
        DryRun=True,
    ) == (
        "DryRunOperationException",
        "The request would have succeeded, but the DryRun option is set.",
    )


def test_re_encrypt_between_symmetric_and_rsa_keys(client: BaseClient) -> None:
    symmetric = new_key(client)["KeyId"]
    rsa_id = rsa_key(client)
    blob = client.encrypt(KeyId=symmetric, Plaintext=b"moving")["CiphertextBlob"]
    to_rsa = client.re_encrypt(
        CiphertextBlob=blob,
        DestinationKeyId=rsa_id,
        DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_256",
    )
    assert to_rsa["DestinationEncryptionAlgorithm"] == "RSAES_OAEP_SHA_256"
    # Only the symmetric side names its key material (where the model has the members).
    named = model_has("ReEncryptResponse.SourceKeyMaterialId")
    assert ("SourceKeyMaterialId" in to_rsa) is named
    assert "DestinationKeyMaterialId" not in to_rsa
    back = client.re_encrypt(
        CiphertextBlob=to_rsa["CiphertextBlob"],
        SourceKeyId=rsa_id,
        SourceEncryptionAlgorithm="RSAES_OAEP_SHA_256",
        DestinationKeyId=symmetric,
    )
    assert back["SourceKeyId"] == key_arn(rsa_id)
    assert "SourceKeyMaterialId" not in back
    assert ("DestinationKeyMaterialId" in back) is named
    assert client.decrypt(CiphertextBlob=back["CiphertextBlob"])["Plaintext"] == b"moving"


@requires_model("GetKeyLastUsage")
def test_last_use_is_recorded(client: BaseClient) -> None:
    key_id = rsa_key(client)
    blob = encrypt(client, key_id, b"secret", "RSAES_OAEP_SHA_256")
    assert client.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]["Operation"] == "Encrypt"
    client.decrypt(KeyId=key_id, CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert client.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]["Operation"] == "Decrypt"


def test_creating_many_rsa_keys_generates_nothing(client: BaseClient, kms: KmsMock) -> None:
    # The private key is made on first use: CreateKey of RSA_4096 costs what a symmetric one
    # does.
    ids = [
        new_key(client, KeySpec="RSA_4096", KeyUsage="ENCRYPT_DECRYPT")["KeyId"] for _ in range(50)
    ]
    keys = kms.world.regions[(ACCOUNT, REGION)].keys
    assert all(keys[key_id].private_key is None for key_id in ids)
    client.get_public_key(KeyId=ids[0])
    assert keys[ids[0]].private_key is not None
    assert keys[ids[1]].private_key is None

"""SM2 key material: SM2 data key pairs from GenerateDataKeyPair(WithoutPlaintext), and
importing key material with an SM2 wrapping key (SM2PKE) or into an SM2 key."""

from __future__ import annotations

import secrets
import sys
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import fails, model_has
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from helpers_sm2 import (
    INVALID_CIPHERTEXT,
    SPKI_PREFIX,
    TABLE,
    N,
    china_arn,
    china_fixture,  # noqa: F401
    gmssl_sm2,
    offline,
    public_hex,
    read_der,
    sm2_key,
    to_asn1,
)

from kmsmock import KmsMock

# -- GenerateDataKeyPair(WithoutPlaintext) with KeyPairSpec SM2 -------------------------------

PAIR_OPERATIONS = ["generate_data_key_pair", "generate_data_key_pair_without_plaintext"]
ID_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")  # OID 1.2.840.10045.2.1
SM2_CURVE = bytes.fromhex("06082a811ccf5501822d")  # OID 1.2.156.10197.1.301


def elements(body: bytes) -> list[tuple[int, bytes]]:
    """The (tag, body) of each DER element in ``body``, in order."""
    found = []
    while body:
        tag, part, body = read_der(body)
        found.append((tag, part))
    return found


def parse_pkcs8(der: bytes) -> tuple[int, bytes]:
    """(d, public point x || y) of an SM2 PKCS #8 PrivateKeyInfo, checking its structure."""
    tag, body, rest = read_der(der)
    assert (tag, rest) == (0x30, b"")
    version, algorithm, wrapped = elements(body)
    assert version == (0x02, b"\x00")
    assert algorithm == (0x30, ID_EC_PUBLIC_KEY + SM2_CURVE)
    assert wrapped[0] == 0x04
    tag, ec_body, rest = read_der(wrapped[1])
    assert (tag, rest) == (0x30, b"")
    ec_version, secret, public = elements(ec_body)
    assert ec_version == (0x02, b"\x01")
    assert secret[0] == 0x04 and len(secret[1]) == 32
    assert public[0] == 0xA1
    [(bit_string, bits)] = elements(public[1])
    assert bit_string == 0x03 and bits[:2] == b"\x00\x04" and len(bits) == 66
    return int.from_bytes(secret[1], "big"), bits[2:]


def china_key(china: BaseClient) -> str:
    key_id: str = china.create_key()["KeyMetadata"]["KeyId"]
    return key_id


@pytest.mark.parametrize("region", ["cn-north-1", "cn-northwest-1"])
def test_sm2_data_key_pair(kms: KmsMock, region: str) -> None:
    client = boto3.client("kms", region_name=region)
    key_id = china_key(client)
    pair = client.generate_data_key_pair(
        KeyId=key_id, KeyPairSpec="SM2", EncryptionContext={"purpose": "test"}
    )
    assert (pair["KeyId"], pair["KeyPairSpec"]) == (china_arn(key_id, region), "SM2")
    public = pair["PublicKey"]
    assert public[: len(SPKI_PREFIX)] == SPKI_PREFIX and len(public) == len(SPKI_PREFIX) + 64
    d, point = parse_pkcs8(pair["PrivateKeyPlaintext"])
    # The private key's public point is the SPKI's, and d * G is that point.
    assert point == public[len(SPKI_PREFIX) :]
    assert 0 < d < N - 1
    assert offline()._kg(d, TABLE["g"]) == point.hex()
    # A signature made offline with the parsed private key verifies with the public key, in
    # gmssl and in kmsmock's own SM2 alike.
    from kmsmock.crypto import sm2_keys

    private = sm2_keys.load_private_key(pair["PrivateKeyPlaintext"])
    assert private is not None and private.d == d
    signature = sm2_keys.sign(private, "SM2DSA", b"offline message", digest=False)
    r, s = decode_dss_signature(signature)
    assert offline(point.hex()).verify_with_sm3(f"{r:064x}{s:064x}", b"offline message")
    assert not offline(point.hex()).verify_with_sm3(f"{r:064x}{s:064x}", b"other message")
    public_key = sm2_keys.load_public_key(public)
    assert public_key is not None
    assert sm2_keys.verify(public_key, "SM2DSA", b"offline message", signature, digest=False)
    # Decrypt of the sealed copy gives the same PKCS #8 DER.
    opened = client.decrypt(
        CiphertextBlob=pair["PrivateKeyCiphertextBlob"], EncryptionContext={"purpose": "test"}
    )
    assert opened["Plaintext"] == pair["PrivateKeyPlaintext"]
    assert opened["KeyId"] == china_arn(key_id, region)


def test_sm2_pair_without_plaintext(china: BaseClient) -> None:
    key_id = china_key(china)
    pair = china.generate_data_key_pair_without_plaintext(KeyId=key_id, KeyPairSpec="SM2")
    assert "PrivateKeyPlaintext" not in pair
    assert pair["KeyPairSpec"] == "SM2"
    private_der = china.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])["Plaintext"]
    _, point = parse_pkcs8(private_der)
    assert SPKI_PREFIX + point == pair["PublicKey"]


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
def test_every_sm2_pair_is_new(china: BaseClient, operation: str) -> None:
    key_id = china_key(china)
    publics = {
        getattr(china, operation)(KeyId=key_id, KeyPairSpec="SM2")["PublicKey"] for _ in range(3)
    }
    assert len(publics) == 3


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
def test_sm2_pairs_need_a_symmetric_key(china: BaseClient, operation: str) -> None:
    key_id = sm2_key(china, "ENCRYPT_DECRYPT")
    assert fails(getattr(china, operation), KeyId=key_id, KeyPairSpec="SM2") == (
        "InvalidKeyUsageException",
        "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec SM2.",
    )


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
def test_sm2_pairs_without_gmssl(
    kms: KmsMock,
    china: BaseClient,
    client: BaseClient,
    operation: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    china_id, key_id = china_key(china), client.create_key()["KeyMetadata"]["KeyId"]
    monkeypatch.setitem(sys.modules, "gmssl", None)
    monkeypatch.setitem(sys.modules, "kmsmock.crypto.sm2_keys", None)
    assert fails(getattr(china, operation), KeyId=china_id, KeyPairSpec="SM2") == (
        "NotImplementedException",
        "kmsmock needs the optional dependency gmssl for SM2 keys: pip install 'kmsmock[sm2]'",
    )
    assert fails(getattr(client, operation), KeyId=key_id, KeyPairSpec="SM2") == (
        "UnsupportedOperationException",
        "KeyPairSpec SM2 is not supported in this Region",
    )


# -- Importing key material with an SM2 wrapping key (SM2PKE) ---------------------------------


def sm2_parameters(china: BaseClient, key_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = china.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="SM2PKE", WrappingKeySpec="SM2"
    )
    return answer


def wrap_offline(public_der: bytes, material: bytes) -> bytes:
    from kmsmock.crypto import sm2_keys

    public = sm2_keys.load_public_key(public_der)
    assert public is not None
    return sm2_keys.encrypt(public, "SM2PKE", material)


def import_material(china: BaseClient, key_id: str, token: bytes, wrapped: bytes) -> Any:
    return china.import_key_material(
        KeyId=key_id,
        ImportToken=token,
        EncryptedKeyMaterial=wrapped,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )


def test_sm2_wrapping_key_imports_symmetric_material(china: BaseClient) -> None:
    key_id = china.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    got = sm2_parameters(china, key_id)
    assert got["KeyId"] == china_arn(key_id)
    public = got["PublicKey"]
    assert public[: len(SPKI_PREFIX)] == SPKI_PREFIX and len(public) == len(SPKI_PREFIX) + 64
    material = secrets.token_bytes(32)
    imported = import_material(china, key_id, got["ImportToken"], wrap_offline(public, material))
    # ImportKeyMaterial answers with KeyId and KeyMaterialId where the model has them (not
    # botocore 1.35's).
    named = model_has("ImportKeyMaterialResponse.KeyMaterialId")
    if named:
        assert imported["KeyId"] == china_arn(key_id)
    blob = china.encrypt(KeyId=key_id, Plaintext=b"under imported material")["CiphertextBlob"]
    assert china.decrypt(CiphertextBlob=blob)["Plaintext"] == b"under imported material"
    # The material unwrapped is the material wrapped: after deleting it, only the same bytes
    # (wrapped by gmssl this time, under a new wrapping key) are accepted again.
    china.delete_imported_key_material(KeyId=key_id)
    again = sm2_parameters(china, key_id)
    assert again["PublicKey"] != public  # a new wrapping key per call
    raw = gmssl_sm2.CryptSM2(private_key="", public_key="", mode=1)
    raw.public_key = again["PublicKey"][len(SPKI_PREFIX) :].hex()
    other = to_asn1(raw.encrypt(secrets.token_bytes(32)))
    assert fails(
        china.import_key_material,
        KeyId=key_id,
        ImportToken=again["ImportToken"],
        EncryptedKeyMaterial=other,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    ) == (
        "IncorrectKeyMaterialException",
        "The key material being imported is not the key material previously imported into "
        f"{china_arn(key_id)}.",
    )
    same = to_asn1(raw.encrypt(material))
    reimported = import_material(china, key_id, again["ImportToken"], same)
    if named:
        assert reimported["KeyMaterialId"] == imported["KeyMaterialId"]
    assert china.decrypt(CiphertextBlob=blob)["Plaintext"] == b"under imported material"


@pytest.mark.parametrize("change", ["flipped", "other-key", "truncated", "rsa-token"])
def test_bad_sm2_wrapped_material(china: BaseClient, change: str) -> None:
    key_id = china.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    got = sm2_parameters(china, key_id)
    wrapped = wrap_offline(got["PublicKey"], secrets.token_bytes(32))
    token = got["ImportToken"]
    if change == "flipped":
        wrapped = wrapped[:-1] + bytes([wrapped[-1] ^ 1])
    elif change == "other-key":
        wrapped = wrap_offline(sm2_parameters(china, key_id)["PublicKey"], b"k" * 32)
    elif change == "truncated":
        wrapped = wrapped[:-1]
    else:
        # An SM2PKE blob offered with the token of an RSA wrapping key.
        token = china.get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
        )["ImportToken"]
    assert (
        fails(
            china.import_key_material,
            KeyId=key_id,
            ImportToken=token,
            EncryptedKeyMaterial=wrapped,
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        )
        == INVALID_CIPHERTEXT
    )
    assert china.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"


def test_sm2_key_material_imports_into_an_sm2_key(china: BaseClient) -> None:
    # An SM2 private key (PKCS #8, as a data key pair's) imported under SM2PKE signs in KMS with
    # the public key it was made with.
    pair_key = china_key(china)
    pair = china.generate_data_key_pair(KeyId=pair_key, KeyPairSpec="SM2")
    key_id = china.create_key(Origin="EXTERNAL", KeySpec="SM2", KeyUsage="SIGN_VERIFY")[
        "KeyMetadata"
    ]["KeyId"]
    got = sm2_parameters(china, key_id)
    import_material(
        china,
        key_id,
        got["ImportToken"],
        wrap_offline(got["PublicKey"], pair["PrivateKeyPlaintext"]),
    )
    assert china.get_public_key(KeyId=key_id)["PublicKey"] == pair["PublicKey"]
    signature = china.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="SM2DSA")["Signature"]
    r, s = decode_dss_signature(signature)
    assert offline(public_hex(china, key_id)).verify_with_sm3(f"{r:064x}{s:064x}", b"m")


@pytest.mark.parametrize("spec", ["ECC_NIST_P256", "SYMMETRIC_DEFAULT"])
def test_sm2_key_material_does_not_fit_other_specs(china: BaseClient, spec: str) -> None:
    pair = china.generate_data_key_pair(KeyId=china_key(china), KeyPairSpec="SM2")
    usage = "SIGN_VERIFY" if spec.startswith("ECC") else "ENCRYPT_DECRYPT"
    key_id = china.create_key(Origin="EXTERNAL", KeySpec=spec, KeyUsage=usage)["KeyMetadata"][
        "KeyId"
    ]
    got = sm2_parameters(china, key_id)
    assert fails(
        china.import_key_material,
        KeyId=key_id,
        ImportToken=got["ImportToken"],
        EncryptedKeyMaterial=wrap_offline(got["PublicKey"], pair["PrivateKeyPlaintext"]),
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    ) == ("IncorrectKeyMaterialException", f"The key material is not valid for key spec {spec}.")


@pytest.mark.parametrize(
    ("algorithm", "spec"),
    [
        ("SM2PKE", "RSA_2048"),
        ("SM2PKE", "RSA_4096"),
        ("RSAES_OAEP_SHA_256", "SM2"),
        ("RSA_AES_KEY_WRAP_SHA_256", "SM2"),
        ("RSAES_PKCS1_V1_5", "SM2"),
    ],
)
def test_sm2_wrapping_pairs_only_with_sm2pke(china: BaseClient, algorithm: str, spec: str) -> None:
    key_id = china.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    assert fails(
        china.get_parameters_for_import,
        KeyId=key_id,
        WrappingAlgorithm=algorithm,
        WrappingKeySpec=spec,
    ) == (
        "ValidationException",
        f"WrappingAlgorithm {algorithm} is not compatible with WrappingKeySpec {spec}. "
        "Use WrappingAlgorithm SM2PKE with WrappingKeySpec SM2.",
    )


def test_sm2_wrapping_without_gmssl(
    kms: KmsMock, china: BaseClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_id = china.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    monkeypatch.setitem(sys.modules, "gmssl", None)
    monkeypatch.setitem(sys.modules, "kmsmock.crypto.sm2_keys", None)
    assert fails(
        china.get_parameters_for_import,
        KeyId=key_id,
        WrappingAlgorithm="SM2PKE",
        WrappingKeySpec="SM2",
    ) == (
        "NotImplementedException",
        "kmsmock needs the optional dependency gmssl for SM2 keys: pip install 'kmsmock[sm2]'",
    )

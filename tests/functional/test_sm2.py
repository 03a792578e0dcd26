"""SM2 keys (AWS's China regions only): CreateKey, GetPublicKey, SM2DSA Sign/Verify, SM2PKE
Encrypt/Decrypt and ECDH DeriveSharedSecret, checked offline with gmssl (the optional extra
kmsmock[sm2]) and a hand-written SM2 where gmssl has no public API."""

from __future__ import annotations

import secrets
import sys
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import fails, requires_model
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock

gmssl_sm3 = pytest.importorskip("gmssl.sm3")


INVALID_SIGNATURE = ("KMSInvalidSignatureException", "")
USAGES = ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"]
ALGORITHMS = {
    "ENCRYPT_DECRYPT": {"EncryptionAlgorithms": ["SM2PKE"]},
    "SIGN_VERIFY": {"SigningAlgorithms": ["SM2DSA"]},
    "KEY_AGREEMENT": {"KeyAgreementAlgorithms": ["ECDH"]},
}
NOT_IN_REGION = ("UnsupportedOperationException", "KeySpec SM2 is not supported in this Region")


def offline_e(public: str, message: bytes, user_id: bytes = b"1234567812345678") -> bytes:
    """e = SM3(Z_A || M) with ``user_id``, computed by hand (GM/T 0003.2)."""

    def sm3(data: bytes) -> bytes:
        return bytes.fromhex(gmssl_sm3.sm3_hash(list(data)))

    entl = (len(user_id) * 8).to_bytes(2, "big")
    curve = bytes.fromhex(TABLE["a"] + TABLE["b"] + TABLE["g"] + public)
    return sm3(sm3(entl + user_id + curve) + message)


def offline_signature(public: str, private: str, e: bytes) -> bytes:
    raw = offline(public, private).sign(e, secrets.token_hex(32))
    return encode_dss_signature(int(raw[:64], 16), int(raw[64:], 16))


def offline_keypair() -> tuple[str, str]:
    d = secrets.randbelow(N - 2) + 1
    return f"{d:064x}", offline()._kg(d, TABLE["g"])


# -- CreateKey --------------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["cn-north-1", "cn-northwest-1"])
@pytest.mark.parametrize("usage", USAGES)
@pytest.mark.parametrize("member", ["KeySpec", "CustomerMasterKeySpec"])
def test_sm2_keys_in_china(kms: KmsMock, region: str, usage: str, member: str) -> None:
    client = boto3.client("kms", region_name=region)
    meta = client.create_key(**{member: "SM2"}, KeyUsage=usage)["KeyMetadata"]
    assert meta["Arn"] == china_arn(meta["KeyId"], region)
    assert (meta["KeySpec"], meta["CustomerMasterKeySpec"], meta["KeyUsage"]) == (
        "SM2",
        "SM2",
        usage,
    )
    listed = {m: meta[m] for m in meta if m.endswith("Algorithms")}
    assert listed == ALGORITHMS[usage]
    described = client.describe_key(KeyId=meta["KeyId"])["KeyMetadata"]
    assert {m: described[m] for m in described if m.endswith("Algorithms")} == listed


@pytest.mark.parametrize("usage", USAGES)
@pytest.mark.parametrize("member", ["KeySpec", "CustomerMasterKeySpec"])
def test_sm2_is_refused_outside_china(client: BaseClient, usage: str, member: str) -> None:
    assert fails(client.create_key, **{member: "SM2"}, KeyUsage=usage) == NOT_IN_REGION
    assert client.list_keys()["Keys"] == []


def test_sm2_needs_a_key_usage(china: BaseClient) -> None:
    assert fails(china.create_key, KeySpec="SM2") == (
        "ValidationException",
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
    )


def test_sm2_cannot_make_macs(china: BaseClient) -> None:
    assert fails(china.create_key, KeySpec="SM2", KeyUsage="GENERATE_VERIFY_MAC") == (
        "ValidationException",
        "KeyUsage GENERATE_VERIFY_MAC is not compatible with KeySpec SM2",
    )
    assert china.list_keys()["Keys"] == []


def test_without_gmssl_china_is_told_to_install_it(
    kms: KmsMock, china: BaseClient, client: BaseClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # None in sys.modules makes an import fail as if the module were not installed.
    monkeypatch.setitem(sys.modules, "gmssl", None)
    monkeypatch.setitem(sys.modules, "kmsmock.crypto.sm2_keys", None)
    assert fails(china.create_key, KeySpec="SM2", KeyUsage="SIGN_VERIFY") == (
        "NotImplementedException",
        "kmsmock needs the optional dependency gmssl for SM2 keys: pip install 'kmsmock[sm2]'",
    )
    assert china.list_keys()["Keys"] == []
    # Outside China AWS's own refusal comes first.
    assert fails(client.create_key, KeySpec="SM2", KeyUsage="SIGN_VERIFY") == NOT_IN_REGION


# -- GetPublicKey -----------------------------------------------------------------------------


@pytest.mark.parametrize("usage", USAGES)
def test_public_key_is_an_spki_on_the_sm2_curve(china: BaseClient, usage: str) -> None:
    key_id = sm2_key(china, usage)
    answer = china.get_public_key(KeyId=key_id)
    assert answer["KeyId"] == china_arn(key_id)
    assert (answer["KeySpec"], answer["CustomerMasterKeySpec"], answer["KeyUsage"]) == (
        "SM2",
        "SM2",
        usage,
    )
    assert {m: answer[m] for m in answer if m.endswith("Algorithms")} == ALGORITHMS[usage]
    point = public_hex(china, key_id)
    x, y = int(point[:64], 16), int(point[64:], 16)
    p, a, b = (int(TABLE[v], 16) for v in "pab")
    assert (y * y - x * x * x - a * x - b) % p == 0
    assert public_hex(china, key_id) == point  # one key pair per key


# -- Sign / Verify ----------------------------------------------------------------------------


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(message=st.binary(min_size=1, max_size=4096))
def test_raw_signatures_verify_offline_with_the_default_id(
    china: BaseClient, message: bytes
) -> None:
    key_id = sm2_key(china, "SIGN_VERIFY")
    public = public_hex(china, key_id)
    answer = china.sign(KeyId=key_id, Message=message, SigningAlgorithm="SM2DSA")
    assert (answer["KeyId"], answer["SigningAlgorithm"]) == (china_arn(key_id), "SM2DSA")
    r, s = decode_dss_signature(answer["Signature"])  # DER, as KMS returns it
    assert offline(public).verify_with_sm3(f"{r:064x}{s:064x}", message)
    # The same signature is over e = SM3(Z_A || M) with ID 1234567812345678, not another ID.
    raw = f"{r:064x}{s:064x}"
    assert offline(public).verify(raw, offline_e(public, message))
    assert not offline(public).verify(raw, offline_e(public, message, b"another id"))


def test_digest_is_e_and_signatures_cross_message_types(china: BaseClient) -> None:
    key_id = sm2_key(china, "SIGN_VERIFY")
    public = public_hex(china, key_id)
    e = offline_e(public, b"message")
    raw = china.sign(KeyId=key_id, Message=b"message", SigningAlgorithm="SM2DSA")["Signature"]
    digest = china.sign(KeyId=key_id, Message=e, MessageType="DIGEST", SigningAlgorithm="SM2DSA")[
        "Signature"
    ]
    for signature in (raw, digest):
        for message_type, message in (("RAW", b"message"), ("DIGEST", e)):
            answer = china.verify(
                KeyId=key_id,
                Message=message,
                MessageType=message_type,
                Signature=signature,
                SigningAlgorithm="SM2DSA",
            )
            assert answer["SignatureValid"] is True


def test_digests_with_ones_own_id_verify_offline(china: BaseClient) -> None:
    # AWS documents DIGEST as the way to sign with another distinguishing ID than the default.
    key_id = sm2_key(china, "SIGN_VERIFY")
    public = public_hex(china, key_id)
    e = offline_e(public, b"hello", b"alice@example.com")
    signature = china.sign(
        KeyId=key_id, Message=e, MessageType="DIGEST", SigningAlgorithm="SM2DSA"
    )["Signature"]
    r, s = decode_dss_signature(signature)
    assert offline(public).verify(f"{r:064x}{s:064x}", e)
    assert not offline(public).verify_with_sm3(f"{r:064x}{s:064x}", b"hello")


def test_offline_signatures_verify_in_the_mock_only_for_its_key(china: BaseClient) -> None:
    private, public = offline_keypair()
    key_id = sm2_key(china, "SIGN_VERIFY")
    e = offline_e(public_hex(china, key_id), b"hello")
    # The one private key the test has is not the KMS key's: gmssl's signature of the right
    # e checks out offline against its own key, and the mock refuses it.
    foreign = offline_signature(public, private, e)
    r, s = decode_dss_signature(foreign)
    assert offline(public).verify(f"{r:064x}{s:064x}", e)
    params = {"KeyId": key_id, "MessageType": "DIGEST", "SigningAlgorithm": "SM2DSA"}
    assert fails(china.verify, Message=e, Signature=foreign, **params) == INVALID_SIGNATURE


@pytest.mark.parametrize(
    "change", ["message", "signature", "not-der", "r-zero", "s-too-big", "other-key"]
)
def test_bad_signatures_are_refused(china: BaseClient, change: str) -> None:
    key_id = sm2_key(china, "SIGN_VERIFY")
    message = b"message"
    signature = china.sign(KeyId=key_id, Message=message, SigningAlgorithm="SM2DSA")["Signature"]
    r, s = decode_dss_signature(signature)
    if change == "message":
        message = b"massage"
    elif change == "signature":
        signature = encode_dss_signature(r, (s + 1) % N)
    elif change == "not-der":
        signature = signature[:-1]
    elif change == "r-zero":
        signature = encode_dss_signature(0, s)
    elif change == "s-too-big":
        signature = encode_dss_signature(r, s + N)
    else:
        key_id = sm2_key(china, "SIGN_VERIFY")
    params = {"KeyId": key_id, "Message": message, "SigningAlgorithm": "SM2DSA"}
    assert fails(china.verify, Signature=signature, **params) == INVALID_SIGNATURE


@pytest.mark.parametrize("size", [31, 33, 64])
def test_digest_must_be_32_bytes(china: BaseClient, size: int) -> None:
    key_id = sm2_key(china, "SIGN_VERIFY")
    assert fails(
        china.sign,
        KeyId=key_id,
        Message=b"d" * size,
        MessageType="DIGEST",
        SigningAlgorithm="SM2DSA",
    ) == ("ValidationException", "Digest is invalid length for algorithm SM2DSA.")


@pytest.mark.parametrize(
    "algorithm",
    [
        "ECDSA_SHA_256",
        "RSASSA_PSS_SHA_256",
        pytest.param(
            "ED25519_SHA_512", marks=requires_model("SigningAlgorithmSpec:ED25519_SHA_512")
        ),
    ],
)
def test_only_sm2dsa_signs(china: BaseClient, algorithm: str) -> None:
    key_id = sm2_key(china, "SIGN_VERIFY")
    assert fails(china.sign, KeyId=key_id, Message=b"m", SigningAlgorithm=algorithm) == (
        "InvalidKeyUsageException",
        f"Algorithm {algorithm} is incompatible with key spec SM2.",
    )


@pytest.mark.parametrize("usage", ["ENCRYPT_DECRYPT", "KEY_AGREEMENT"])
def test_other_usages_cannot_sign(china: BaseClient, usage: str) -> None:
    key_id = sm2_key(china, usage)
    assert fails(china.sign, KeyId=key_id, Message=b"m", SigningAlgorithm="SM2DSA") == (
        "InvalidKeyUsageException",
        f"{china_arn(key_id)} key usage is {usage} which is not valid for Sign.",
    )


# -- Encrypt / Decrypt (SM2PKE) ---------------------------------------------------------------


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plaintext=st.binary(min_size=1, max_size=1024))
def test_round_trip_and_asn1_ciphertext(china: BaseClient, plaintext: bytes) -> None:
    key_id = sm2_key(china, "ENCRYPT_DECRYPT")
    answer = china.encrypt(KeyId=key_id, Plaintext=plaintext, EncryptionAlgorithm="SM2PKE")
    assert (answer["KeyId"], answer["EncryptionAlgorithm"]) == (china_arn(key_id), "SM2PKE")
    blob = answer["CiphertextBlob"]
    tag, body, rest = read_der(blob)
    assert (tag, rest) == (0x30, b"")
    parts = []
    while body:
        part_tag, part, body = read_der(body)
        parts.append((part_tag, part))
    assert [t for t, _ in parts] == [0x02, 0x02, 0x04, 0x04]
    assert len(parts[2][1]) == 32 and len(parts[3][1]) == len(plaintext)
    decrypted = china.decrypt(KeyId=key_id, CiphertextBlob=blob, EncryptionAlgorithm="SM2PKE")
    assert decrypted["Plaintext"] == plaintext
    assert decrypted["EncryptionAlgorithm"] == "SM2PKE"
    assert "KeyMaterialId" not in decrypted


@pytest.mark.parametrize("plaintext", [b"x", b"offline secret" * 20])
def test_offline_ciphertexts_decrypt_in_the_mock(china: BaseClient, plaintext: bytes) -> None:
    key_id = sm2_key(china, "ENCRYPT_DECRYPT")
    raw = gmssl_sm2.CryptSM2(private_key="", public_key="", mode=1)
    raw.public_key = public_hex(china, key_id)
    blob = to_asn1(raw.encrypt(plaintext))
    answer = china.decrypt(KeyId=key_id, CiphertextBlob=blob, EncryptionAlgorithm="SM2PKE")
    assert answer["Plaintext"] == plaintext


def test_plaintext_limit_is_1024_bytes(china: BaseClient) -> None:
    key_id = sm2_key(china, "ENCRYPT_DECRYPT")
    china.encrypt(KeyId=key_id, Plaintext=b"x" * 1024, EncryptionAlgorithm="SM2PKE")
    assert fails(
        china.encrypt, KeyId=key_id, Plaintext=b"x" * 1025, EncryptionAlgorithm="SM2PKE"
    ) == (
        "ValidationException",
        "Algorithm SM2PKE and key spec SM2 cannot encrypt data larger than 1024 bytes.",
    )


@pytest.mark.parametrize("operation", ["encrypt", "decrypt"])
@pytest.mark.parametrize("algorithm", [None, "SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256"])
def test_an_sm2_key_needs_sm2pke(china: BaseClient, operation: str, algorithm: str | None) -> None:
    key_id = sm2_key(china, "ENCRYPT_DECRYPT")
    params: dict[str, Any] = {"KeyId": key_id}
    if algorithm is not None:
        params["EncryptionAlgorithm"] = algorithm
    if operation == "encrypt":
        params["Plaintext"] = b"x"
    else:
        params["CiphertextBlob"] = china.encrypt(
            KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm="SM2PKE"
        )["CiphertextBlob"]
    assert fails(getattr(china, operation), **params) == (
        "InvalidKeyUsageException",
        f"Algorithm {algorithm or 'SYMMETRIC_DEFAULT'} is incompatible with key spec SM2.",
    )


@pytest.mark.parametrize(
    "change",
    ["other-key", "hash-byte", "ciphertext-byte", "truncated", "trailing", "no-key-id", "junk"],
)
def test_ciphertext_that_does_not_open(china: BaseClient, change: str) -> None:
    key_id = sm2_key(china, "ENCRYPT_DECRYPT")
    blob = china.encrypt(KeyId=key_id, Plaintext=b"secret", EncryptionAlgorithm="SM2PKE")[
        "CiphertextBlob"
    ]
    params: dict[str, Any] = {"KeyId": key_id, "EncryptionAlgorithm": "SM2PKE"}
    if change == "other-key":
        params["KeyId"] = sm2_key(china, "ENCRYPT_DECRYPT")
    elif change == "hash-byte":
        blob = blob[:-10] + bytes([blob[-10] ^ 1]) + blob[-9:]  # in C3 (C2 is 6 bytes)
    elif change == "ciphertext-byte":
        blob = blob[:-1] + bytes([blob[-1] ^ 1])
    elif change == "truncated":
        blob = blob[:-1]
    elif change == "trailing":
        blob = blob + b"\x00"
    elif change == "no-key-id":
        del params["KeyId"]
    else:
        blob = b"\x30" + bytes(200)
    assert fails(china.decrypt, CiphertextBlob=blob, **params) == INVALID_CIPHERTEXT


def test_off_curve_c1_does_not_open(china: BaseClient) -> None:
    key_id = sm2_key(china, "ENCRYPT_DECRYPT")
    off_curve = (1).to_bytes(32, "big") * 2 + bytes(32) + b"secret"
    assert (
        fails(
            china.decrypt,
            KeyId=key_id,
            CiphertextBlob=to_asn1(off_curve),
            EncryptionAlgorithm="SM2PKE",
        )
        == INVALID_CIPHERTEXT
    )


def test_signing_key_cannot_encrypt(china: BaseClient) -> None:
    key_id = sm2_key(china, "SIGN_VERIFY")
    assert fails(china.encrypt, KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm="SM2PKE") == (
        "InvalidKeyUsageException",
        f"{china_arn(key_id)} key usage is SIGN_VERIFY which is not valid for Encrypt.",
    )


# -- DeriveSharedSecret -----------------------------------------------------------------------


def test_shared_secret_equals_the_offline_one(china: BaseClient) -> None:
    key_id = sm2_key(china, "KEY_AGREEMENT")
    private, public = offline_keypair()
    answer = china.derive_shared_secret(
        KeyId=key_id,
        KeyAgreementAlgorithm="ECDH",
        PublicKey=SPKI_PREFIX + bytes.fromhex(public),
    )
    offline_point = offline()._kg(int(private, 16), public_hex(china, key_id))
    assert answer["SharedSecret"] == bytes.fromhex(offline_point[:64])
    assert (answer["KeyId"], answer["KeyAgreementAlgorithm"], answer["KeyOrigin"]) == (
        china_arn(key_id),
        "ECDH",
        "AWS_KMS",
    )


def test_two_sm2_keys_agree(china: BaseClient) -> None:
    alice, bob = sm2_key(china, "KEY_AGREEMENT"), sm2_key(china, "KEY_AGREEMENT")

    def secret(own: str, peer: str) -> bytes:
        public = china.get_public_key(KeyId=peer)["PublicKey"]
        answer = china.derive_shared_secret(
            KeyId=own, KeyAgreementAlgorithm="ECDH", PublicKey=public
        )
        shared: bytes = answer["SharedSecret"]
        return shared

    assert secret(alice, bob) == secret(bob, alice)
    assert len(secret(alice, bob)) == 32


@pytest.mark.parametrize("peer", ["p256", "off-curve", "compressed", "junk"])
def test_public_keys_that_are_not_sm2_points(china: BaseClient, peer: str) -> None:
    key_id = sm2_key(china, "KEY_AGREEMENT")
    _, public = offline_keypair()
    if peer == "p256":
        p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
        der_key = p256.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    elif peer == "off-curve":
        der_key = SPKI_PREFIX + bytes.fromhex(public[:64]) + (1).to_bytes(32, "big")
    elif peer == "compressed":
        compressed = "3039301306072a8648ce3d020106082a811ccf5501822d03220002"
        der_key = bytes.fromhex(compressed + public[:64])
    else:
        der_key = b"not a key"
    assert fails(
        china.derive_shared_secret, KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=der_key
    ) == ("ValidationException", "")

"""KEY_AGREEMENT keys and DeriveSharedSecret (ECDH), checked against `cryptography` offline."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, REGION, describe, fails, key_arn, new_key
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock

CURVES: dict[str, ec.EllipticCurve] = {
    "ECC_NIST_P256": ec.SECP256R1(),
    "ECC_NIST_P384": ec.SECP384R1(),
    "ECC_NIST_P521": ec.SECP521R1(),
}
SECRET_SIZE = {"ECC_NIST_P256": 32, "ECC_NIST_P384": 48, "ECC_NIST_P521": 66}
# The order of each curve's base point: a private scalar lies in [1, order - 1].
ORDER = {
    "ECC_NIST_P256": int("FFFFFFFF00000000" + "FF" * 8 + "BCE6FAADA7179E84F3B9CAC2FC632551", 16),
    "ECC_NIST_P384": int("FF" * 24 + "C7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16),
    "ECC_NIST_P521": int(
        "01" + "FF" * 32 + "FA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409", 16
    ),
}
SPECS = list(CURVES)
# Recorded from AWS for a PublicKey that is not DER; the mock answers every unusable public
# key the same (see kmsmock/operations/key_agreement.py).
BAD_PUBLIC_KEY = ("ValidationException", "")
DRY_RUN = (
    "DryRunOperationException",
    "The request would have succeeded, but the DryRun option is set.",
)


def agreement_key(client: BaseClient, spec: str = "ECC_NIST_P256") -> str:
    key_id: str = new_key(client, KeySpec=spec, KeyUsage="KEY_AGREEMENT")["KeyId"]
    return key_id


def spki(public: Any) -> bytes:
    der: bytes = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def peer(spec: str) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """A key pair made outside KMS: the private key and its SPKI DER."""
    private = ec.generate_private_key(CURVES[spec])
    return private, spki(private.public_key())


def kms_public_key(client: BaseClient, key_id: str) -> ec.EllipticCurvePublicKey:
    public = serialization.load_der_public_key(client.get_public_key(KeyId=key_id)["PublicKey"])
    assert isinstance(public, ec.EllipticCurvePublicKey)
    return public


def derive(client: BaseClient, key_id: str, public_der: bytes, **extra: Any) -> dict[str, Any]:
    response: dict[str, Any] = client.derive_shared_secret(
        KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=public_der, **extra
    )
    response.pop("ResponseMetadata")
    return response


def derive_fails(client: BaseClient, key_id: str, public_der: bytes, **extra: Any) -> Any:
    return fails(
        client.derive_shared_secret,
        KeyId=key_id,
        KeyAgreementAlgorithm="ECDH",
        PublicKey=public_der,
        **extra,
    )


# -- CreateKey, DescribeKey, GetPublicKey -----------------------------------------------------


@pytest.mark.parametrize("spec", SPECS)
def test_key_agreement_key_lists_only_ecdh(client: BaseClient, kms: KmsMock, spec: str) -> None:
    created = new_key(client, KeySpec=spec, KeyUsage="KEY_AGREEMENT")
    assert created == describe(client, created["KeyId"])
    assert created["KeySpec"] == created["CustomerMasterKeySpec"] == spec
    assert created["KeyUsage"] == "KEY_AGREEMENT"
    assert created["KeyAgreementAlgorithms"] == ["ECDH"]
    for absent in (
        "SigningAlgorithms",
        "EncryptionAlgorithms",
        "MacAlgorithms",
        "CurrentKeyMaterialId",
    ):
        assert absent not in created
    # As for every asymmetric key, the private key is made on first use, not by CreateKey.
    assert kms.world.regions[(ACCOUNT, REGION)].keys[created["KeyId"]].private_key is None


@pytest.mark.parametrize("spec", SPECS)
def test_get_public_key_of_a_key_agreement_key(client: BaseClient, spec: str) -> None:
    key_id = agreement_key(client, spec)
    response = client.get_public_key(KeyId=key_id)
    response.pop("ResponseMetadata")
    public = serialization.load_der_public_key(response.pop("PublicKey"))
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert public.curve.name == CURVES[spec].name
    assert response == {
        "KeyId": key_arn(key_id),
        "CustomerMasterKeySpec": spec,
        "KeySpec": spec,
        "KeyUsage": "KEY_AGREEMENT",
        "KeyAgreementAlgorithms": ["ECDH"],
    }


@pytest.mark.parametrize(
    "spec",
    ["RSA_2048", "RSA_3072", "RSA_4096", "ECC_SECG_P256K1", "HMAC_256", "SYMMETRIC_DEFAULT"],
)
def test_specs_that_cannot_agree_keys(client: BaseClient, spec: str) -> None:
    # Recorded from AWS for RSA_2048; the others are refused by the same key-types table.
    assert fails(client.create_key, KeySpec=spec, KeyUsage="KEY_AGREEMENT") == (
        "ValidationException",
        f"KeyUsage KEY_AGREEMENT is not compatible with KeySpec {spec}",
    )
    assert client.list_keys()["Keys"] == []


# -- DeriveSharedSecret -----------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS)
def test_shared_secret_equals_the_offline_one(client: BaseClient, spec: str) -> None:
    key_id = agreement_key(client, spec)
    private, public_der = peer(spec)
    response = derive(client, key_id, public_der)
    expected = private.exchange(ec.ECDH(), kms_public_key(client, key_id))
    assert len(expected) == SECRET_SIZE[spec]
    assert response == {
        "KeyId": key_arn(key_id),
        "SharedSecret": expected,
        "KeyAgreementAlgorithm": "ECDH",
        "KeyOrigin": "AWS_KMS",
    }
    # The key's private key is kept: the same peer gives the same secret again.
    assert derive(client, key_id, public_der)["SharedSecret"] == expected


@pytest.mark.parametrize("spec", SPECS)
def test_two_kms_keys_agree_on_one_secret(client: BaseClient, spec: str) -> None:
    alice, bob = agreement_key(client, spec), agreement_key(client, spec)
    alice_public = client.get_public_key(KeyId=alice)["PublicKey"]
    bob_public = client.get_public_key(KeyId=bob)["PublicKey"]
    alice_secret = derive(client, alice, bob_public)["SharedSecret"]
    bob_secret = derive(client, bob, alice_public)["SharedSecret"]
    assert alice_secret == bob_secret
    assert len(alice_secret) == SECRET_SIZE[spec]
    # A different peer gives a different secret.
    assert derive(client, alice, peer(spec)[1])["SharedSecret"] != alice_secret


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_peer_key_gives_the_offline_secret(client: BaseClient, data: st.DataObject) -> None:
    spec = data.draw(st.sampled_from(SPECS), label="spec")
    scalar = data.draw(st.integers(min_value=1, max_value=ORDER[spec] - 1), label="scalar")
    private = ec.derive_private_key(scalar, CURVES[spec])
    key_id = agreement_key(client, spec)
    response = derive(client, key_id, spki(private.public_key()))
    assert response["SharedSecret"] == private.exchange(ec.ECDH(), kms_public_key(client, key_id))


def test_key_named_by_alias_and_arn(client: BaseClient) -> None:
    key_id = agreement_key(client)
    client.create_alias(AliasName="alias/agree", TargetKeyId=key_id)
    private, public_der = peer("ECC_NIST_P256")
    expected = private.exchange(ec.ECDH(), kms_public_key(client, key_id))
    for name in (
        "alias/agree",
        f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/agree",
        key_arn(key_id),
    ):
        response = derive(client, name, public_der)
        assert response["KeyId"] == key_arn(key_id)
        assert response["SharedSecret"] == expected


def test_unknown_key(client: BaseClient) -> None:
    missing = "1234abcd-12ab-34cd-56ef-1234567890ab"
    assert derive_fails(client, missing, peer("ECC_NIST_P256")[1]) == (
        "NotFoundException",
        f"Key '{key_arn(missing)}' does not exist",
    )


def test_dry_run_checks_everything_and_derives_nothing(client: BaseClient) -> None:
    key_id = agreement_key(client)
    public_der = peer("ECC_NIST_P256")[1]
    assert derive_fails(client, key_id, public_der, DryRun=True) == DRY_RUN
    # A DryRun that would fail answers the failure, not DryRunOperationException.
    assert derive_fails(client, key_id, b"InvalidPublicKey", DryRun=True) == BAD_PUBLIC_KEY
    symmetric = new_key(client)["KeyId"]
    assert derive_fails(client, symmetric, public_der, DryRun=True) == (
        "InvalidKeyUsageException",
        f"{key_arn(symmetric)} key usage is ENCRYPT_DECRYPT which is not valid for "
        "DeriveSharedSecret.",
    )
    client.disable_key(KeyId=key_id)
    assert derive_fails(client, key_id, public_der, DryRun=True) == (
        "DisabledException",
        f"{key_arn(key_id)} is disabled.",
    )
    assert derive_fails(client, key_id, public_der, DryRun=False) == (
        "DisabledException",
        f"{key_arn(key_id)} is disabled.",
    )


def test_dry_run_false_derives(client: BaseClient) -> None:
    key_id = agreement_key(client)
    private, public_der = peer("ECC_NIST_P256")
    response = derive(client, key_id, public_der, DryRun=False)
    assert response["SharedSecret"] == private.exchange(ec.ECDH(), kms_public_key(client, key_id))


def test_recipient_document_is_checked(client: BaseClient) -> None:
    # Served answers are tested in test_recipient.py.
    key_id = agreement_key(client)
    recipient = {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": b"doc"}
    assert derive_fails(client, key_id, peer("ECC_NIST_P256")[1], Recipient=recipient) == (
        "ValidationException",
        "The attestation document is malformed: it is not CBOR.",
    )


# -- key usage and key state ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "usage"),
    [
        ({}, "ENCRYPT_DECRYPT"),  # recorded from AWS
        ({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}, "SIGN_VERIFY"),  # recorded
        ({"KeySpec": "ECC_NIST_P384", "KeyUsage": "SIGN_VERIFY"}, "SIGN_VERIFY"),
        ({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}, "GENERATE_VERIFY_MAC"),
        ({"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}, "ENCRYPT_DECRYPT"),
    ],
)
def test_only_key_agreement_keys_derive(
    client: BaseClient, params: dict[str, Any], usage: str
) -> None:
    key_id = new_key(client, **params)["KeyId"]
    assert derive_fails(client, key_id, peer("ECC_NIST_P256")[1]) == (
        "InvalidKeyUsageException",
        f"{key_arn(key_id)} key usage is {usage} which is not valid for DeriveSharedSecret.",
    )


@pytest.mark.parametrize(
    ("operation", "method", "params"),
    [
        ("Sign", "sign", {"Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"}),
        (
            "Verify",
            "verify",
            {"Message": b"m", "Signature": b"s", "SigningAlgorithm": "ECDSA_SHA_256"},
        ),
        ("Encrypt", "encrypt", {"Plaintext": b"p"}),
        ("GenerateDataKey", "generate_data_key", {"KeySpec": "AES_256"}),
        ("GenerateMac", "generate_mac", {"Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}),
        (
            "VerifyMac",
            "verify_mac",
            {"Message": b"m", "Mac": b"x" * 32, "MacAlgorithm": "HMAC_SHA_256"},
        ),
    ],
)
def test_key_agreement_key_is_for_nothing_else(
    client: BaseClient, operation: str, method: str, params: dict[str, Any]
) -> None:
    key_id = agreement_key(client)
    assert fails(getattr(client, method), KeyId=key_id, **params) == (
        "InvalidKeyUsageException",
        f"{key_arn(key_id)} key usage is KEY_AGREEMENT which is not valid for {operation}.",
    )


def test_disabled_and_pending_deletion_keys(client: BaseClient) -> None:
    key_id = agreement_key(client)
    public_der = peer("ECC_NIST_P256")[1]
    client.disable_key(KeyId=key_id)
    assert derive_fails(client, key_id, public_der) == (
        "DisabledException",
        f"{key_arn(key_id)} is disabled.",
    )
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert derive_fails(client, key_id, public_der) == (
        "KMSInvalidStateException",
        f"{key_arn(key_id)} is pending deletion.",
    )
    client.cancel_key_deletion(KeyId=key_id)
    client.enable_key(KeyId=key_id)
    assert derive(client, key_id, public_der)["KeyOrigin"] == "AWS_KMS"


# -- invalid public keys ----------------------------------------------------------------------


def _der(tag: int, body: bytes) -> bytes:
    assert len(body) < 128  # short-form length is all these small structures need
    return bytes([tag, len(body)]) + body


_EC_PUBLIC_KEY_OID = bytes.fromhex("06072a8648ce3d0201")
_P256_OID = bytes.fromhex("06082a8648ce3d030107")


def _p256_spki(point: bytes) -> bytes:
    """A P-256 SubjectPublicKeyInfo around any encoded point, valid or not."""
    algorithm = _der(0x30, _EC_PUBLIC_KEY_OID + _P256_OID)
    return _der(0x30, algorithm + _der(0x03, b"\x00" + point))


def _off_curve() -> bytes:
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    # (x, y ^ 1) is on the curve only if y ^ 1 == p - y: never for a random key in practice.
    return _p256_spki(b"\x04" + point.x.to_bytes(32, "big") + (point.y ^ 1).to_bytes(32, "big"))


def _invalid_public_keys() -> dict[str, bytes]:
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    good = spki(p256)
    return {
        "not DER (recorded)": b"InvalidPublicKey",
        "PEM": p256.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "bare X9.62 point": p256.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        ),
        "truncated": good[:-1],
        "trailing byte": good + b"\x00",
        "P-384 key": spki(ec.generate_private_key(ec.SECP384R1()).public_key()),
        "P-521 key": spki(ec.generate_private_key(ec.SECP521R1()).public_key()),
        "secp256k1 key": spki(ec.generate_private_key(ec.SECP256K1()).public_key()),
        "RSA key": spki(
            rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
        ),
        "Ed25519 key": spki(ed25519.Ed25519PrivateKey.generate().public_key()),
        "X25519 key": spki(x25519.X25519PrivateKey.generate().public_key()),
        "point not on the curve": _off_curve(),
        "point at infinity": _p256_spki(b"\x00"),
        "empty point": _p256_spki(b""),
        "zero coordinates": _p256_spki(b"\x04" + bytes(64)),
    }


_INVALID = _invalid_public_keys()


def test_hand_built_spki_of_a_valid_point_derives(client: BaseClient) -> None:
    # The builder the invalid keys use makes a key AWS accepts when given a valid point.
    key_id = agreement_key(client)
    private = ec.generate_private_key(ec.SECP256R1())
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert _p256_spki(point) == spki(private.public_key())
    response = derive(client, key_id, _p256_spki(point))
    assert response["SharedSecret"] == private.exchange(ec.ECDH(), kms_public_key(client, key_id))


@pytest.mark.parametrize("name", list(_INVALID))
def test_unusable_public_keys(client: BaseClient, name: str) -> None:
    key_id = agreement_key(client)
    assert derive_fails(client, key_id, _INVALID[name]) == BAD_PUBLIC_KEY


@pytest.mark.parametrize(
    ("spec", "other"),
    [
        ("ECC_NIST_P384", "ECC_NIST_P256"),
        ("ECC_NIST_P521", "ECC_NIST_P384"),
        ("ECC_NIST_P256", "ECC_NIST_P521"),
    ],
)
def test_peer_on_another_curve(client: BaseClient, spec: str, other: str) -> None:
    key_id = agreement_key(client, spec)
    other_kms_key = agreement_key(client, other)
    other_public = client.get_public_key(KeyId=other_kms_key)["PublicKey"]
    assert derive_fails(client, key_id, other_public) == BAD_PUBLIC_KEY
    assert derive_fails(client, key_id, peer(other)[1]) == BAD_PUBLIC_KEY


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(garbage=st.binary(min_size=1, max_size=200))
def test_arbitrary_bytes_are_not_a_public_key(client: BaseClient, garbage: bytes) -> None:
    key_id = agreement_key(client)
    assert derive_fails(client, key_id, garbage) == BAD_PUBLIC_KEY


def test_unknown_key_agreement_algorithm(raw_client: BaseClient) -> None:
    key_id = agreement_key(raw_client)
    assert fails(
        raw_client.derive_shared_secret,
        KeyId=key_id,
        KeyAgreementAlgorithm="INVALID",
        PublicKey=peer("ECC_NIST_P256")[1],
    ) == (  # recorded from AWS
        "ValidationException",
        "1 validation error detected: Value 'INVALID' at 'keyAgreementAlgorithm' failed to "
        "satisfy constraint: Member must satisfy enum value set: [ECDH]",
    )

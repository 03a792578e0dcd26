"""Asymmetric signing keys: CreateKey for RSA and ECC specs, GetPublicKey, Sign and Verify,
checked against `cryptography` offline in both directions."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION, describe, error_of, fails, key_arn, new_key, requires_model
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock

RSA_ALGORITHMS = [
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
]
ECC_ALGORITHM = {
    "ECC_NIST_P256": "ECDSA_SHA_256",
    "ECC_NIST_P384": "ECDSA_SHA_384",
    "ECC_NIST_P521": "ECDSA_SHA_512",
    "ECC_SECG_P256K1": "ECDSA_SHA_256",
}
CURVES = {
    "ECC_NIST_P256": "secp256r1",
    "ECC_NIST_P384": "secp384r1",
    "ECC_NIST_P521": "secp521r1",
    "ECC_SECG_P256K1": "secp256k1",
}
RSA_SPECS = ["RSA_2048", "RSA_3072", "RSA_4096"]
PAIRS = [(spec, alg) for spec in RSA_SPECS for alg in RSA_ALGORITHMS] + list(ECC_ALGORITHM.items())
DRY_RUN = (
    "DryRunOperationException",
    "The request would have succeeded, but the DryRun option is set.",
)


def signing_key(client: BaseClient, spec: str) -> str:
    key_id: str = new_key(client, KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyId"]
    return key_id


def public_key(client: BaseClient, key_id: str) -> Any:
    return serialization.load_der_public_key(client.get_public_key(KeyId=key_id)["PublicKey"])


def hash_of(algorithm: str) -> hashes.HashAlgorithm:
    bits = algorithm[-3:]
    return {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[bits]


def offline_args(algorithm: str, digest: bool) -> tuple[Any, ...]:
    """The padding/algorithm arguments `cryptography` takes for a KMS signing algorithm."""
    hash_ = hash_of(algorithm)
    chosen: Any = utils.Prehashed(hash_) if digest else hash_
    if algorithm.startswith("ECDSA"):
        return (ec.ECDSA(chosen),)
    if algorithm.startswith("RSASSA_PSS"):
        # AWS: MGF1 with the same hash, salt as long as the digest.
        return padding.PSS(mgf=padding.MGF1(hash_), salt_length=hash_.digest_size), chosen
    return padding.PKCS1v15(), chosen


def digest(algorithm: str, message: bytes) -> bytes:
    return hashlib.new("sha" + algorithm[-3:], message).digest()


def sign(client: BaseClient, key_id: str, message: bytes, algorithm: str, **extra: Any) -> bytes:
    signature: bytes = client.sign(
        KeyId=key_id, Message=message, SigningAlgorithm=algorithm, **extra
    )["Signature"]
    return signature


# -- CreateKey and metadata -------------------------------------------------------------------


@pytest.mark.parametrize("spec", [*RSA_SPECS, *ECC_ALGORITHM])
def test_signing_key_metadata(client: BaseClient, kms: KmsMock, spec: str) -> None:
    created = new_key(client, KeySpec=spec, KeyUsage="SIGN_VERIFY")
    assert created == describe(client, created["KeyId"])
    assert created["KeySpec"] == created["CustomerMasterKeySpec"] == spec
    assert created["KeyUsage"] == "SIGN_VERIFY"
    expected = RSA_ALGORITHMS if spec.startswith("RSA") else [ECC_ALGORITHM[spec]]
    assert created["SigningAlgorithms"] == expected
    for absent in ("EncryptionAlgorithms", "CurrentKeyMaterialId", "MacAlgorithms"):
        assert absent not in created
    # The private key is made on first use, not by CreateKey.
    assert kms.world.regions[(ACCOUNT, REGION)].keys[created["KeyId"]].private_key is None


@pytest.mark.parametrize(
    ("spec", "usage"),
    [
        ("RSA_2048", "KEY_AGREEMENT"),
        ("RSA_3072", "GENERATE_VERIFY_MAC"),
        ("ECC_NIST_P256", "ENCRYPT_DECRYPT"),
        ("ECC_NIST_P521", "GENERATE_VERIFY_MAC"),
        ("ECC_SECG_P256K1", "ENCRYPT_DECRYPT"),
        ("ECC_SECG_P256K1", "KEY_AGREEMENT"),
    ],
)
def test_usages_aws_does_not_allow(client: BaseClient, spec: str, usage: str) -> None:
    assert fails(client.create_key, KeySpec=spec, KeyUsage=usage) == (
        "ValidationException",
        f"KeyUsage {usage} is not compatible with KeySpec {spec}",
    )
    assert client.list_keys()["Keys"] == []


@pytest.mark.parametrize("spec", ["RSA_2048", "ECC_NIST_P256"])
def test_asymmetric_key_needs_a_key_usage(client: BaseClient, spec: str) -> None:
    assert fails(client.create_key, KeySpec=spec) == (
        "ValidationException",
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
    )


@pytest.mark.parametrize(
    "method",
    [
        "enable_key_rotation",
        "disable_key_rotation",
        "rotate_key_on_demand",
        "get_key_rotation_status",
        "list_key_rotations",
    ],
)
@pytest.mark.parametrize("spec", ["RSA_2048", "ECC_NIST_P384"])
def test_signing_keys_do_not_rotate(client: BaseClient, method: str, spec: str) -> None:
    key_id = signing_key(client, spec)
    assert fails(getattr(client, method), KeyId=key_id) == ("UnsupportedOperationException", "")


# -- GetPublicKey ------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [*RSA_SPECS, *ECC_ALGORITHM])
def test_get_public_key_has_every_field(client: BaseClient, spec: str) -> None:
    key_id = signing_key(client, spec)
    client.create_alias(AliasName="alias/signer", TargetKeyId=key_id)
    answer = client.get_public_key(KeyId="alias/signer")
    del answer["ResponseMetadata"]
    der = answer.pop("PublicKey")
    assert answer == {
        "KeyId": key_arn(key_id),
        "CustomerMasterKeySpec": spec,
        "KeySpec": spec,
        "KeyUsage": "SIGN_VERIFY",
        "SigningAlgorithms": describe(client, key_id)["SigningAlgorithms"],
    }
    public = serialization.load_der_public_key(der)
    if spec.startswith("RSA"):
        assert isinstance(public, rsa.RSAPublicKey)
        assert public.key_size == int(spec[4:])
        assert public.public_numbers().e == 65537
    else:
        assert isinstance(public, ec.EllipticCurvePublicKey)
        assert public.curve.name == CURVES[spec]
    # SubjectPublicKeyInfo DER, byte for byte, and stable across calls.
    assert der == public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert client.get_public_key(KeyId=key_id)["PublicKey"] == der


def test_keys_have_their_own_key_pairs(client: BaseClient) -> None:
    first, second = signing_key(client, "ECC_NIST_P256"), signing_key(client, "ECC_NIST_P256")
    assert (
        client.get_public_key(KeyId=first)["PublicKey"]
        != (client.get_public_key(KeyId=second)["PublicKey"])
    )


def test_get_public_key_of_a_symmetric_key_is_unsupported(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    assert fails(client.get_public_key, KeyId=key_id) == (
        "UnsupportedOperationException",
        f"{key_arn(key_id)} key spec SYMMETRIC_DEFAULT is not valid for this operation.",
    )


def test_get_public_key_of_unknown_and_disabled_keys(client: BaseClient) -> None:
    assert fails(client.get_public_key, KeyId="key_id") == (
        "NotFoundException",
        "Invalid keyId 'key_id'",
    )
    key_id = signing_key(client, "ECC_NIST_P256")
    client.disable_key(KeyId=key_id)
    assert fails(client.get_public_key, KeyId=key_id) == (
        "DisabledException",
        f"{key_arn(key_id)} is disabled.",
    )


# -- Sign / Verify: interoperability -----------------------------------------------------------


@pytest.mark.parametrize(("spec", "algorithm"), PAIRS)
def test_mock_signatures_verify_offline_and_offline_ones_in_the_mock(
    client: BaseClient, kms: KmsMock, spec: str, algorithm: str
) -> None:
    key_id = signing_key(client, spec)
    public = public_key(client, key_id)
    message = b"the message to sign"
    for digest_mode in (False, True):
        given = digest(algorithm, message) if digest_mode else message
        message_type = "DIGEST" if digest_mode else "RAW"
        answer = client.sign(
            KeyId=key_id, Message=given, SigningAlgorithm=algorithm, MessageType=message_type
        )
        assert answer["KeyId"] == key_arn(key_id)
        assert answer["SigningAlgorithm"] == algorithm
        # A signature over the digest equals one over the message: check both ways offline.
        public.verify(answer["Signature"], message, *offline_args(algorithm, False))
        public.verify(answer["Signature"], given, *offline_args(algorithm, digest_mode))
        verified = client.verify(
            KeyId=key_id,
            Message=given,
            MessageType=message_type,
            Signature=answer["Signature"],
            SigningAlgorithm=algorithm,
        )
        assert {k: v for k, v in verified.items() if k != "ResponseMetadata"} == {
            "KeyId": key_arn(key_id),
            "SignatureValid": True,
            "SigningAlgorithm": algorithm,
        }
    # A signature made offline with the key's private key verifies in the mock.
    private = kms.world.regions[(ACCOUNT, REGION)].keys[key_id].private_key
    assert private is not None
    offline = private.sign(message, *offline_args(algorithm, False))
    client.verify(KeyId=key_id, Message=message, Signature=offline, SigningAlgorithm=algorithm)


@pytest.mark.parametrize("spec", ["ECC_NIST_P256", "RSA_2048"])
def test_a_signature_by_another_private_key_does_not_verify(client: BaseClient, spec: str) -> None:
    algorithm = "ECDSA_SHA_256" if spec.startswith("ECC") else "RSASSA_PSS_SHA_256"
    other: Any = (
        ec.generate_private_key(ec.SECP256R1())
        if spec.startswith("ECC")
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    signature = other.sign(b"m", *offline_args(algorithm, False))
    key_id = signing_key(client, spec)
    assert fails(
        client.verify, KeyId=key_id, Message=b"m", Signature=signature, SigningAlgorithm=algorithm
    ) == ("KMSInvalidSignatureException", "")


def test_pss_signatures_use_a_salt_as_long_as_the_digest(client: BaseClient) -> None:
    key_id = signing_key(client, "RSA_2048")
    signature = sign(client, key_id, b"m", "RSASSA_PSS_SHA_384")
    public = public_key(client, key_id)
    public.verify(
        signature,
        b"m",
        padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48),
        hashes.SHA384(),
    )
    with pytest.raises(InvalidSignature):
        public.verify(
            signature,
            b"m",
            padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=32),
            hashes.SHA384(),
        )


@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [
        ("RSA_2048", "RSASSA_PSS_SHA_256"),
        ("RSA_4096", "RSASSA_PKCS1_V1_5_SHA_512"),
        ("ECC_NIST_P256", "ECDSA_SHA_256"),
        ("ECC_SECG_P256K1", "ECDSA_SHA_256"),
        ("ECC_NIST_P384", "ECDSA_SHA_384"),
    ],
)
@pytest.mark.parametrize(
    "change",
    ["other-message", "garbage", "other-key", "raw-vs-digest"],
)
def test_a_bad_signature_is_an_exception_not_false(
    client: BaseClient, spec: str, algorithm: str, change: str
) -> None:
    key_id = signing_key(client, spec)
    message = b"some important message"
    signature = sign(client, key_id, message, algorithm)
    params: dict[str, Any] = {
        "KeyId": key_id,
        "Message": message,
        "Signature": signature,
        "SigningAlgorithm": algorithm,
    }
    if change == "other-message":
        params["Message"] = b"some different important message"
    elif change == "garbage":
        params["Signature"] = b"\x30\x02\x01\x01" + b"\0" * 12
    elif change == "other-key":
        params["KeyId"] = signing_key(client, spec)
    else:
        # The RAW signature checked as one over a digest that happens to be the message's hash
        params.update(Message=digest(algorithm, digest(algorithm, message)), MessageType="DIGEST")
    assert fails(client.verify, **params) == ("KMSInvalidSignatureException", "")


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=st.binary(min_size=1, max_size=4096), flip=st.integers(min_value=0))
def test_any_message_signs_and_any_changed_signature_byte_fails(
    client: BaseClient, message: bytes, flip: int
) -> None:
    key_id = signing_key(client, "ECC_NIST_P256")
    signature = sign(client, key_id, message, "ECDSA_SHA_256")
    client.verify(
        KeyId=key_id, Message=message, Signature=signature, SigningAlgorithm="ECDSA_SHA_256"
    )
    index = flip % len(signature)
    bad = signature[:index] + bytes([signature[index] ^ 0x40]) + signature[index + 1 :]
    assert fails(
        client.verify,
        KeyId=key_id,
        Message=message,
        Signature=bad,
        SigningAlgorithm="ECDSA_SHA_256",
    ) == ("KMSInvalidSignatureException", "")


# -- Sign / Verify: refusals -------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "algorithm"), PAIRS[::2] + list(ECC_ALGORITHM.items()))
@pytest.mark.parametrize("operation", ["sign", "verify"])
def test_digest_of_the_wrong_length(
    client: BaseClient, spec: str, algorithm: str, operation: str
) -> None:
    key_id = signing_key(client, spec)
    params: dict[str, Any] = {
        "KeyId": key_id,
        "Message": b"x" * 28,  # as recorded: a raw 28-byte message sent as a digest
        "MessageType": "DIGEST",
        "SigningAlgorithm": algorithm,
    }
    if operation == "verify":
        params["Signature"] = sign(client, key_id, b"x", algorithm)
    assert fails(getattr(client, operation), **params) == (
        "ValidationException",
        f"Digest is invalid length for algorithm {algorithm}.",
    )


@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [
        ("ECC_NIST_P256", "ECDSA_SHA_384"),
        ("ECC_NIST_P384", "ECDSA_SHA_256"),
        ("ECC_NIST_P521", "ECDSA_SHA_384"),
        ("ECC_SECG_P256K1", "ECDSA_SHA_512"),
        ("ECC_NIST_P256", "RSASSA_PSS_SHA_256"),
        ("RSA_2048", "ECDSA_SHA_256"),
        ("RSA_2048", "SM2DSA"),
        pytest.param(
            "RSA_3072",
            "ML_DSA_SHAKE_256",
            marks=requires_model("SigningAlgorithmSpec:ML_DSA_SHAKE_256"),
        ),
    ],
)
@pytest.mark.parametrize("operation", ["sign", "verify"])
def test_algorithm_the_key_spec_does_not_allow(
    client: BaseClient, spec: str, algorithm: str, operation: str
) -> None:
    key_id = signing_key(client, spec)
    params: dict[str, Any] = {"KeyId": key_id, "Message": b"m", "SigningAlgorithm": algorithm}
    if operation == "verify":
        params["Signature"] = b"s" * 64
    assert fails(getattr(client, operation), **params) == (
        "InvalidKeyUsageException",
        f"Algorithm {algorithm} is incompatible with key spec {spec}.",
    )


def test_unknown_signing_algorithm_is_a_validation_error(raw_client: BaseClient) -> None:
    key_id = signing_key(raw_client, "ECC_NIST_P256")
    code, message = fails(raw_client.sign, KeyId=key_id, Message=b"m", SigningAlgorithm="NOPE")
    assert code == "ValidationException"
    assert message.startswith(
        "1 validation error detected: Value 'NOPE' at 'signingAlgorithm' failed to satisfy "
        "constraint: Member must satisfy enum value set: ["
    )


def test_sign_with_an_encryption_key(client: BaseClient) -> None:
    key_id = new_key(client, KeySpec="RSA_4096", KeyUsage="ENCRYPT_DECRYPT")["KeyId"]
    assert fails(
        client.sign, KeyId=key_id, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256"
    ) == (
        "InvalidKeyUsageException",
        f"{key_arn(key_id)} key usage is ENCRYPT_DECRYPT which is not valid for Sign.",
    )


def test_verify_with_a_symmetric_key(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    assert fails(
        client.verify,
        KeyId=key_id,
        Message=b"m",
        Signature=b"s",
        SigningAlgorithm="ECDSA_SHA_256",
    ) == (
        "InvalidKeyUsageException",
        f"{key_arn(key_id)} key usage is ENCRYPT_DECRYPT which is not valid for Verify.",
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda c, k: c.encrypt(KeyId=k, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256"),
        lambda c, k: c.generate_data_key(KeyId=k, KeySpec="AES_256"),
        lambda c, k: c.generate_mac(KeyId=k, Message=b"m", MacAlgorithm="HMAC_SHA_256"),
    ],
    ids=["Encrypt", "GenerateDataKey", "GenerateMac"],
)
@pytest.mark.parametrize("spec", ["RSA_4096", "ECC_NIST_P256"])
def test_signing_key_cannot_encrypt_or_mac(
    client: BaseClient, call: Any, spec: str, request: Any
) -> None:
    key_id = signing_key(client, spec)
    with pytest.raises(ClientError) as excinfo:
        call(client, key_id)
    operation = request.node.callspec.id.split("-")[-1]
    assert error_of(excinfo) == (
        "InvalidKeyUsageException",
        f"{key_arn(key_id)} key usage is SIGN_VERIFY which is not valid for {operation}.",
    )


def test_raw_message_limit_is_4096_bytes(raw_client: BaseClient) -> None:
    key_id = signing_key(raw_client, "ECC_NIST_P256")
    signature = sign(raw_client, key_id, b"x" * 4096, "ECDSA_SHA_256")
    raw_client.verify(
        KeyId=key_id, Message=b"x" * 4096, Signature=signature, SigningAlgorithm="ECDSA_SHA_256"
    )
    code, message = fails(
        raw_client.sign, KeyId=key_id, Message=b"x" * 4097, SigningAlgorithm="ECDSA_SHA_256"
    )
    assert code == "ValidationException"
    assert message.endswith(
        "at 'message' failed to satisfy constraint: Member must have length less than or "
        "equal to 4096"
    )


@requires_model("MessageType:EXTERNAL_MU")
def test_external_mu_is_for_ml_dsa_only(client: BaseClient) -> None:
    key_id = signing_key(client, "ECC_NIST_P256")
    assert fails(
        client.sign,
        KeyId=key_id,
        Message=b"m" * 64,
        MessageType="EXTERNAL_MU",
        SigningAlgorithm="ECDSA_SHA_256",
    ) == (
        "ValidationException",
        "MessageType EXTERNAL_MU is incompatible with key spec ECC_NIST_P256.",
    )


@pytest.mark.parametrize("operation", ["sign", "verify"])
def test_key_states_refuse_signing(client: BaseClient, operation: str) -> None:
    key_id = signing_key(client, "ECC_NIST_P256")
    params: dict[str, Any] = {"KeyId": key_id, "Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"}
    if operation == "verify":
        params["Signature"] = sign(client, key_id, b"m", "ECDSA_SHA_256")
    client.disable_key(KeyId=key_id)
    assert fails(getattr(client, operation), **params) == (
        "DisabledException",
        f"{key_arn(key_id)} is disabled.",
    )
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert fails(getattr(client, operation), **params) == (
        "KMSInvalidStateException",
        f"{key_arn(key_id)} is pending deletion.",
    )


def test_dry_run_sign_and_verify(client: BaseClient) -> None:
    key_id = signing_key(client, "ECC_NIST_P384")
    params: dict[str, Any] = {"KeyId": key_id, "Message": b"m", "SigningAlgorithm": "ECDSA_SHA_384"}
    assert fails(client.sign, DryRun=True, **params) == DRY_RUN
    # The checks still come first.
    assert fails(client.sign, DryRun=True, MessageType="DIGEST", **params) == (
        "ValidationException",
        "Digest is invalid length for algorithm ECDSA_SHA_384.",
    )
    signature = sign(client, key_id, b"m", "ECDSA_SHA_384")
    assert fails(client.verify, DryRun=True, Signature=signature, **params) == DRY_RUN
    assert client.verify(Signature=signature, **params)["SignatureValid"] is True


@requires_model("GetKeyLastUsage")
def test_dry_run_sign_and_verify_are_not_uses(client: BaseClient) -> None:
    key_id = signing_key(client, "ECC_NIST_P384")
    params: dict[str, Any] = {"KeyId": key_id, "Message": b"m", "SigningAlgorithm": "ECDSA_SHA_384"}
    assert fails(client.sign, DryRun=True, **params) == DRY_RUN
    assert "KeyLastUsage" not in client.get_key_last_usage(KeyId=key_id) or (
        "Operation" not in client.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]
    )
    signature = sign(client, key_id, b"m", "ECDSA_SHA_384")
    assert fails(client.verify, DryRun=True, Signature=signature, **params) == DRY_RUN
    assert client.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]["Operation"] == "Sign"
    client.verify(Signature=signature, **params)
    assert client.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]["Operation"] == "Verify"


# -- aliases across key types -----------------------------------------------------------------


def test_alias_moves_between_asymmetric_families_of_the_same_usage(client: BaseClient) -> None:
    # "Type" is symmetric, asymmetric or HMAC (UpdateAlias docs): RSA to ECC is allowed.
    rsa_id, ecc_id = signing_key(client, "RSA_2048"), signing_key(client, "ECC_NIST_P256")
    client.create_alias(AliasName="alias/signer", TargetKeyId=rsa_id)
    client.update_alias(AliasName="alias/signer", TargetKeyId=ecc_id)
    assert describe(client, "alias/signer")["KeyId"] == ecc_id


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({}, {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
        ({}, {"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}),
        (
            {"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"},
            {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"},
        ),
    ],
    ids=["symmetric-to-hmac", "symmetric-to-rsa", "other-usage"],
)
def test_alias_cannot_move_to_another_type_or_usage(
    client: BaseClient, first: dict[str, str], second: dict[str, str]
) -> None:
    one, two = new_key(client, **first), new_key(client, **second)
    client.create_alias(AliasName="alias/a", TargetKeyId=one["KeyId"])
    # AWS's text for this refusal is not recorded.
    assert fails(client.update_alias, AliasName="alias/a", TargetKeyId=two["KeyId"]) == (
        "ValidationException",
        f"Alias alias/a cannot be changed from a key of type {one['KeySpec']} and usage "
        f"{one['KeyUsage']} to a key of type {two['KeySpec']} and usage {two['KeyUsage']}.",
    )
    assert describe(client, "alias/a")["KeyId"] == one["KeyId"]

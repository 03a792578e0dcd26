"""ECC_NIST_EDWARDS25519 (ED25519_SHA_512, ED25519_PH_SHA_512) and ML_DSA_44/65/87
(ML_DSA_SHAKE_256) signing keys, checked against `cryptography` (and, for Ed25519ph, which
`cryptography` lacks, against RFC 8032's test vector) offline in both directions.

A row skips where the loaded botocore model lacks its key spec, signing algorithm or message type
(Ed25519 and ML-DSA came after botocore 1.35), or where `cryptography` cannot make ML-DSA keys
(before 48)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from botocore.client import BaseClient
from conftest import (
    ACCOUNT,
    REGION,
    describe,
    fails,
    key_arn,
    model_has,
    new_key,
    requires_cryptography,
    requires_model,
)
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock
from kmsmock.crypto import asymmetric, ed25519ph

PURE, PREHASHED, MLDSA = "ED25519_SHA_512", "ED25519_PH_SHA_512", "ML_DSA_SHAKE_256"
EDWARDS = "ECC_NIST_EDWARDS25519"
ML_DSA_SPECS = ["ML_DSA_44", "ML_DSA_65", "ML_DSA_87"]
# FIPS 204 table 2: public key and signature sizes in bytes.
ML_DSA_SIZES = {"ML_DSA_44": (1312, 2420), "ML_DSA_65": (1952, 3309), "ML_DSA_87": (2592, 4627)}
# Every (spec, algorithm) pair, with the MessageType each algorithm takes.
PAIRS = [(EDWARDS, PURE), (EDWARDS, PREHASHED)] + [(spec, MLDSA) for spec in ML_DSA_SPECS]
# What each value a test row names needs in the loaded model.
_MODEL_NEEDS = {
    **{spec: f"KeySpec:{spec}" for spec in (EDWARDS, *ML_DSA_SPECS)},
    **{algorithm: f"SigningAlgorithmSpec:{algorithm}" for algorithm in (PURE, PREHASHED, MLDSA)},
    "EXTERNAL_MU": "MessageType:EXTERNAL_MU",
}
MESSAGE_TYPE = {PURE: "RAW", PREHASHED: "DIGEST", MLDSA: "RAW"}
BAD_MU = ("ValidationException", f"Digest is invalid length for algorithm {MLDSA}.")
DRY_RUN = (
    "DryRunOperationException",
    "The request would have succeeded, but the DryRun option is set.",
)

# RFC 8032 section 7.3, the Ed25519ph test vector ("abc").
RFC_SECRET = bytes.fromhex("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42")
RFC_PUBLIC = bytes.fromhex("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf")
RFC_SIGNATURE = bytes.fromhex(
    "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41"
    "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406"
)


def _needs(values: tuple[Any, ...]) -> tuple[list[str], list[str]]:
    """(model things, ML-DSA specs) that a test row naming ``values`` needs."""
    named = [value for value in values if isinstance(value, str)]
    return (
        [_MODEL_NEEDS[value] for value in named if value in _MODEL_NEEDS],
        [value for value in named if value in ML_DSA_SPECS],
    )


def _marks(values: tuple[Any, ...]) -> list[pytest.MarkDecorator]:
    things, specs = _needs(values)
    return [requires_model(*things), requires_cryptography(*specs)]


def row(*values: Any) -> Any:
    """A parametrize row that skips where the model or `cryptography` cannot serve it."""
    return pytest.param(*values, marks=_marks(values))


def needs(*values: Any) -> Callable[[Any], Any]:
    """A test that skips where the model or `cryptography` cannot serve ``values``."""

    def decorate(test: Any) -> Any:
        for mark in _marks(values):
            test = mark(test)
        return test

    return decorate


def rows(values: list[Any]) -> list[Any]:
    return [row(*value) if isinstance(value, tuple) else row(value) for value in values]


def served(*values: Any) -> bool:
    things, specs = _needs(values)
    return all(map(model_has, things)) and all(map(asymmetric.cryptography_makes, specs))


def ml_dsa_public_class(spec: str) -> Any:
    # Imported here: a `cryptography` before 47 has no mldsa module.
    from cryptography.hazmat.primitives.asymmetric import mldsa

    return getattr(mldsa, f"MLDSA{spec[-2:]}PublicKey")


def signing_key(client: BaseClient, spec: str) -> str:
    key_id: str = new_key(client, KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyId"]
    return key_id


def public_der(client: BaseClient, key_id: str) -> bytes:
    der: bytes = client.get_public_key(KeyId=key_id)["PublicKey"]
    return der


def public_key(client: BaseClient, key_id: str) -> Any:
    return serialization.load_der_public_key(public_der(client, key_id))


def raw_public(client: BaseClient, key_id: str) -> bytes:
    raw: bytes = public_key(client, key_id).public_bytes_raw()
    return raw


def message_for(algorithm: str, message: bytes) -> bytes:
    """What Sign takes for ``message``: ED25519_PH_SHA_512 takes its SHA-512 digest."""
    return hashlib.sha512(message).digest() if algorithm == PREHASHED else message


def sign(client: BaseClient, key_id: str, algorithm: str, message: bytes) -> bytes:
    signature: bytes = client.sign(
        KeyId=key_id,
        Message=message_for(algorithm, message),
        MessageType=MESSAGE_TYPE[algorithm],
        SigningAlgorithm=algorithm,
    )["Signature"]
    return signature


def verify_params(key_id: str, algorithm: str, message: bytes, signature: bytes) -> dict[str, Any]:
    return {
        "KeyId": key_id,
        "Message": message_for(algorithm, message),
        "MessageType": MESSAGE_TYPE[algorithm],
        "Signature": signature,
        "SigningAlgorithm": algorithm,
    }


def verify_offline(
    client: BaseClient, key_id: str, algorithm: str, message: bytes, sig: bytes
) -> None:
    """Raises InvalidSignature unless ``sig`` is the key's signature of ``message``."""
    if algorithm == PREHASHED:
        # AWS hashes the DIGEST it is given once more (Sign API reference): the Ed25519ph
        # message is the caller's SHA-512 digest.
        if not ed25519ph.verify(raw_public(client, key_id), message_for(algorithm, message), sig):
            raise InvalidSignature
    else:
        public_key(client, key_id).verify(sig, message)


# -- Ed25519ph itself ---------------------------------------------------------------------------


def test_ed25519ph_reproduces_the_rfc_8032_test_vector() -> None:
    assert ed25519ph.public_key(RFC_SECRET) == RFC_PUBLIC
    # Pure Ed25519 derives the same public key from the same 32 bytes.
    pure = ed25519.Ed25519PrivateKey.from_private_bytes(RFC_SECRET)
    assert pure.public_key().public_bytes_raw() == RFC_PUBLIC
    assert ed25519ph.sign(RFC_SECRET, b"abc") == RFC_SIGNATURE
    assert ed25519ph.verify(RFC_PUBLIC, b"abc", RFC_SIGNATURE)
    # Ed25519ph is not pure Ed25519 over the prehash or over the message.
    with pytest.raises(InvalidSignature):
        pure.public_key().verify(RFC_SIGNATURE, b"abc")
    with pytest.raises(InvalidSignature):
        pure.public_key().verify(RFC_SIGNATURE, hashlib.sha512(b"abc").digest())


@pytest.mark.parametrize(
    ("public", "message", "signature"),
    [
        (RFC_PUBLIC, b"abd", RFC_SIGNATURE),
        (RFC_PUBLIC, b"abc", RFC_SIGNATURE[:63]),
        (RFC_PUBLIC, b"abc", RFC_SIGNATURE + b"\0"),
        # S not below the group order L, and S + L (the same scalar mod L): both refused.
        (RFC_PUBLIC, b"abc", RFC_SIGNATURE[:32] + b"\xff" * 32),
        (
            RFC_PUBLIC,
            b"abc",
            RFC_SIGNATURE[:32]
            + (
                int.from_bytes(RFC_SIGNATURE[32:], "little")
                + 2**252
                + 27742317777372353535851937790883648493
            ).to_bytes(32, "little"),
        ),
        (b"\xff" * 32, b"abc", RFC_SIGNATURE),  # not a point on the curve
        (RFC_PUBLIC[:31], b"abc", RFC_SIGNATURE),
        (ed25519ph.public_key(b"\1" * 32), b"abc", RFC_SIGNATURE),
    ],
    ids=["message", "short", "long", "big-s", "s-plus-l", "not-a-point", "short-key", "other-key"],
)
def test_ed25519ph_refuses_what_is_not_the_signature(
    public: bytes, message: bytes, signature: bytes
) -> None:
    assert not ed25519ph.verify(public, message, signature)


@settings(max_examples=30)
@given(seed=st.binary(min_size=32, max_size=32), message=st.binary(max_size=200))
def test_ed25519ph_signs_and_verifies_any_message(seed: bytes, message: bytes) -> None:
    public = ed25519ph.public_key(seed)
    signature = ed25519ph.sign(seed, message)
    assert ed25519ph.verify(public, message, signature)
    assert not ed25519ph.verify(public, message + b"!", signature)


# -- CreateKey, DescribeKey, GetPublicKey -------------------------------------------------------


@pytest.mark.parametrize("spec", rows([EDWARDS, *ML_DSA_SPECS]))
def test_key_metadata_lists_the_signing_algorithms(
    client: BaseClient, kms: KmsMock, spec: str
) -> None:
    created = new_key(client, KeySpec=spec, KeyUsage="SIGN_VERIFY")
    assert created == describe(client, created["KeyId"])
    assert created["KeySpec"] == created["CustomerMasterKeySpec"] == spec
    assert created["KeyUsage"] == "SIGN_VERIFY"
    assert created["SigningAlgorithms"] == ([PURE, PREHASHED] if spec == EDWARDS else [MLDSA])
    for absent in ("EncryptionAlgorithms", "CurrentKeyMaterialId", "MacAlgorithms"):
        assert absent not in created
    # As for RSA and ECC keys, the private key is made on first use, not by CreateKey.
    assert kms.world.regions[(ACCOUNT, REGION)].keys[created["KeyId"]].private_key is None


@pytest.mark.parametrize(
    ("spec", "usage"),
    rows(
        [
            (EDWARDS, "ENCRYPT_DECRYPT"),
            (EDWARDS, "KEY_AGREEMENT"),
            (EDWARDS, "GENERATE_VERIFY_MAC"),
            ("ML_DSA_44", "ENCRYPT_DECRYPT"),
            ("ML_DSA_65", "KEY_AGREEMENT"),
            ("ML_DSA_87", "GENERATE_VERIFY_MAC"),
        ]
    ),
)
def test_usages_aws_does_not_allow(client: BaseClient, spec: str, usage: str) -> None:
    assert fails(client.create_key, KeySpec=spec, KeyUsage=usage) == (
        "ValidationException",
        f"KeyUsage {usage} is not compatible with KeySpec {spec}",
    )
    assert fails(client.create_key, KeySpec=spec) == (
        "ValidationException",
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
    )
    assert client.list_keys()["Keys"] == []


@pytest.mark.parametrize("spec", rows([EDWARDS, *ML_DSA_SPECS]))
def test_get_public_key_is_subject_public_key_info(client: BaseClient, spec: str) -> None:
    key_id = signing_key(client, spec)
    answer = client.get_public_key(KeyId=key_id)
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
    if spec == EDWARDS:
        assert isinstance(public, ed25519.Ed25519PublicKey)
        # RFC 8410: SEQUENCE { AlgorithmIdentifier { id-Ed25519 }, BIT STRING (32 bytes) }
        assert der == bytes.fromhex("302a300506032b6570032100") + public.public_bytes_raw()
    else:
        assert isinstance(public, ml_dsa_public_class(spec))
        assert len(public.public_bytes_raw()) == ML_DSA_SIZES[spec][0]
    assert der == public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert public_der(client, key_id) == der
    assert public_der(client, signing_key(client, spec)) != der


# -- Sign / Verify: interoperability ------------------------------------------------------------


@pytest.mark.parametrize(("spec", "algorithm"), rows(PAIRS))
def test_mock_signatures_verify_offline_and_offline_ones_in_the_mock(
    client: BaseClient, kms: KmsMock, spec: str, algorithm: str
) -> None:
    key_id = signing_key(client, spec)
    message = b"release 1.2.3"
    answer = client.sign(
        KeyId=key_id,
        Message=message_for(algorithm, message),
        MessageType=MESSAGE_TYPE[algorithm],
        SigningAlgorithm=algorithm,
    )
    assert answer["KeyId"] == key_arn(key_id)
    assert answer["SigningAlgorithm"] == algorithm
    signature = answer["Signature"]
    verify_offline(client, key_id, algorithm, message, signature)
    if spec != EDWARDS:
        assert len(signature) == ML_DSA_SIZES[spec][1]
    verified = client.verify(**verify_params(key_id, algorithm, message, signature))
    assert {k: v for k, v in verified.items() if k != "ResponseMetadata"} == {
        "KeyId": key_arn(key_id),
        "SignatureValid": True,
        "SigningAlgorithm": algorithm,
    }
    # A signature made offline with the key's private key verifies in the mock.
    private: Any = kms.world.regions[(ACCOUNT, REGION)].keys[key_id].private_key
    other = b"made offline"
    if algorithm == PREHASHED:
        offline = ed25519ph.sign(private.private_bytes_raw(), message_for(algorithm, other))
    else:
        offline = private.sign(other)
    client.verify(**verify_params(key_id, algorithm, other, offline))


@needs(EDWARDS, PURE, PREHASHED)
def test_the_two_ed25519_algorithms_make_different_signatures(client: BaseClient) -> None:
    key_id = signing_key(client, EDWARDS)
    digest = hashlib.sha512(b"m").digest()
    pure = client.sign(KeyId=key_id, Message=digest, SigningAlgorithm=PURE)["Signature"]
    prehashed = client.sign(
        KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm=PREHASHED
    )["Signature"]
    # Pure Ed25519 is deterministic; Ed25519ph is too, and separated from it by dom2.
    assert pure == client.sign(KeyId=key_id, Message=digest, SigningAlgorithm=PURE)["Signature"]
    assert pure != prehashed
    for algorithm, signature in ((PURE, prehashed), (PREHASHED, pure)):
        assert fails(
            client.verify,
            KeyId=key_id,
            Message=digest,
            MessageType=MESSAGE_TYPE[algorithm],
            Signature=signature,
            SigningAlgorithm=algorithm,
        ) == ("KMSInvalidSignatureException", "")
    # The prehashed signature is over SHA-512(digest), not over the digest as a prehash.
    public = raw_public(client, key_id)
    assert ed25519ph.verify(public, digest, prehashed)
    assert not ed25519ph.verify(public, b"m", prehashed)


@pytest.mark.parametrize(("spec", "algorithm"), rows(PAIRS))
@pytest.mark.parametrize("change", ["message", "signature", "other-key", "truncated"])
def test_a_bad_signature_is_an_exception_not_false(
    client: BaseClient, spec: str, algorithm: str, change: str
) -> None:
    key_id = signing_key(client, spec)
    signature = sign(client, key_id, algorithm, b"pay 10")
    params = verify_params(key_id, algorithm, b"pay 10", signature)
    if change == "message":
        params["Message"] = message_for(algorithm, b"pay 1000")
    elif change == "signature":
        params["Signature"] = signature[:5] + bytes([signature[5] ^ 1]) + signature[6:]
    elif change == "other-key":
        params["KeyId"] = signing_key(client, spec)
    else:
        params["Signature"] = signature[:-1]
    assert fails(client.verify, **params) == ("KMSInvalidSignatureException", "")


@needs(EDWARDS, PURE, PREHASHED)  # some pair is served, then
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pair=st.sampled_from([pair for pair in PAIRS if served(*pair)]),
    message=st.binary(min_size=1, max_size=4096),
    flip=st.integers(min_value=0),
)
def test_any_message_signs_and_any_changed_signature_byte_fails(
    client: BaseClient, pair: tuple[str, str], message: bytes, flip: int
) -> None:
    spec, algorithm = pair
    key_id = signing_key(client, spec)
    signature = sign(client, key_id, algorithm, message)
    verify_offline(client, key_id, algorithm, message, signature)
    client.verify(**verify_params(key_id, algorithm, message, signature))
    index = flip % len(signature)
    bad = signature[:index] + bytes([signature[index] ^ 0x40]) + signature[index + 1 :]
    assert fails(client.verify, **verify_params(key_id, algorithm, message, bad)) == (
        "KMSInvalidSignatureException",
        "",
    )


# -- Sign / Verify with MessageType EXTERNAL_MU (ML-DSA) ----------------------------------------


def offline_mu(client: BaseClient, key_id: str, message: bytes) -> bytes:
    """FIPS 204 section 6.2 from GetPublicKey's DER: mu = SHAKE256(tr || 0 || 0 || M, 64) with
    tr = SHAKE256(pk, 64), pure ML-DSA with an empty context, as the KMS Developer Guide's
    offline-verification example computes it."""
    tr = hashlib.shake_256(raw_public(client, key_id)).digest(64)
    return hashlib.shake_256(tr + b"\x00\x00" + message).digest(64)


def mu_params(key_id: str, mu: bytes) -> dict[str, Any]:
    return {"KeyId": key_id, "Message": mu, "MessageType": "EXTERNAL_MU", "SigningAlgorithm": MLDSA}


@needs("EXTERNAL_MU")
@requires_model("GetKeyLastUsage")
@pytest.mark.parametrize("spec", rows(ML_DSA_SPECS))
@pytest.mark.parametrize("message", [b"", b"m", b"pay 10" * 1000])
def test_external_mu_signature_verifies_offline_over_the_message(
    client: BaseClient, spec: str, message: bytes
) -> None:
    key_id = signing_key(client, spec)
    mu = offline_mu(client, key_id, message)
    response = client.sign(**mu_params(key_id, mu))
    assert response["KeyId"] == key_arn(key_id)
    assert response["SigningAlgorithm"] == MLDSA
    signature = response["Signature"]
    assert len(signature) == ML_DSA_SIZES[spec][1]
    public_key(client, key_id).verify(signature, message)
    with pytest.raises(InvalidSignature):
        public_key(client, key_id).verify(signature, message + b"!")
    # The same signature as a RAW one (KMS Developer Guide, "ML-DSA keys in AWS KMS"): Verify
    # takes it either way, where the message fits RAW's 4096 bytes.
    assert client.verify(Signature=signature, **mu_params(key_id, mu))["SignatureValid"] is True
    if len(message) <= 4096 and message:
        client.verify(**verify_params(key_id, MLDSA, message, signature))
    usage = client.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]
    assert usage["Operation"] == "Verify"


@needs("EXTERNAL_MU")
@pytest.mark.parametrize("spec", rows(ML_DSA_SPECS))
def test_external_mu_verify_accepts_a_raw_signature(client: BaseClient, spec: str) -> None:
    key_id = signing_key(client, spec)
    # RAW Sign is `cryptography`'s signature over the message.
    signature = sign(client, key_id, MLDSA, b"pay 10")
    response = client.verify(
        Signature=signature, **mu_params(key_id, offline_mu(client, key_id, b"pay 10"))
    )
    assert response == {
        "KeyId": key_arn(key_id),
        "SignatureValid": True,
        "SigningAlgorithm": MLDSA,
        "ResponseMetadata": response["ResponseMetadata"],
    }


@needs("EXTERNAL_MU")
@pytest.mark.parametrize("spec", rows(ML_DSA_SPECS))
@pytest.mark.parametrize("change", ["message", "signature", "other-key", "truncated", "context"])
def test_external_mu_tampering_is_an_invalid_signature(
    client: BaseClient, spec: str, change: str
) -> None:
    key_id = signing_key(client, spec)
    mu = offline_mu(client, key_id, b"pay 10")
    signature = client.sign(**mu_params(key_id, mu))["Signature"]
    params = {"Signature": signature, **mu_params(key_id, mu)}
    if change == "message":
        params["Message"] = offline_mu(client, key_id, b"pay 1000")
    elif change == "signature":
        params["Signature"] = signature[:40] + bytes([signature[40] ^ 1]) + signature[41:]
    elif change == "other-key":
        params["KeyId"] = signing_key(client, spec)
    elif change == "truncated":
        params["Signature"] = signature[:-1]
    else:
        # mu over M' with a one-byte context: KMS signs with the empty context only.
        tr = hashlib.shake_256(raw_public(client, key_id)).digest(64)
        params["Message"] = hashlib.shake_256(tr + b"\x00\x01c" + b"pay 10").digest(64)
    assert fails(client.verify, **params) == ("KMSInvalidSignatureException", "")


@needs(*ML_DSA_SPECS, MLDSA, "EXTERNAL_MU")
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    spec=st.sampled_from(ML_DSA_SPECS),
    message=st.binary(max_size=6000),
    flip=st.integers(min_value=0),
)
def test_any_message_signs_from_mu_and_any_changed_byte_fails(
    client: BaseClient, spec: str, message: bytes, flip: int
) -> None:
    key_id = signing_key(client, spec)
    mu = offline_mu(client, key_id, message)
    signature = client.sign(**mu_params(key_id, mu))["Signature"]
    public_key(client, key_id).verify(signature, message)
    index = flip % len(signature)
    bad = signature[:index] + bytes([signature[index] ^ 0x40]) + signature[index + 1 :]
    assert fails(client.verify, Signature=bad, **mu_params(key_id, mu)) == (
        "KMSInvalidSignatureException",
        "",
    )


@needs("ML_DSA_44", MLDSA, "EXTERNAL_MU")
@pytest.mark.parametrize("operation", ["sign", "verify"])
def test_external_mu_dry_run(client: BaseClient, operation: str) -> None:
    key_id = signing_key(client, "ML_DSA_44")
    params = mu_params(key_id, offline_mu(client, key_id, b"m"))
    if operation == "verify":
        params["Signature"] = sign(client, key_id, MLDSA, b"m")
    assert fails(getattr(client, operation), DryRun=True, **params) == DRY_RUN


# -- Sign / Verify: refusals --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "algorithm", "message_type", "against"),
    rows(
        [
            (EDWARDS, PURE, "DIGEST", f"signing algorithm {PURE}"),
            (EDWARDS, PREHASHED, "RAW", f"signing algorithm {PREHASHED}"),
            (EDWARDS, PURE, "EXTERNAL_MU", f"key spec {EDWARDS}"),
            (EDWARDS, PREHASHED, "EXTERNAL_MU", f"key spec {EDWARDS}"),
            ("ML_DSA_44", MLDSA, "DIGEST", f"signing algorithm {MLDSA}"),
            ("ML_DSA_87", MLDSA, "DIGEST", f"signing algorithm {MLDSA}"),
        ]
    ),
)
@pytest.mark.parametrize("operation", ["sign", "verify"])
def test_message_type_the_algorithm_does_not_take(
    client: BaseClient, spec: str, algorithm: str, message_type: str, against: str, operation: str
) -> None:
    key_id = signing_key(client, spec)
    params: dict[str, Any] = {
        "KeyId": key_id,
        "Message": b"d" * 64,  # the right length for every digest here: the type is wrong
        "MessageType": message_type,
        "SigningAlgorithm": algorithm,
    }
    if operation == "verify":
        params["Signature"] = b"s" * 64
    assert fails(getattr(client, operation), **params) == (
        "ValidationException",
        f"MessageType {message_type} is incompatible with {against}.",
    )


@needs(EDWARDS, PREHASHED)
@pytest.mark.parametrize("length", [1, 32, 48, 63, 65])
@pytest.mark.parametrize("operation", ["sign", "verify"])
def test_ed25519ph_digest_must_be_64_bytes(client: BaseClient, length: int, operation: str) -> None:
    key_id = signing_key(client, EDWARDS)
    params: dict[str, Any] = {
        "KeyId": key_id,
        "Message": b"d" * length,
        "MessageType": "DIGEST",
        "SigningAlgorithm": PREHASHED,
    }
    if operation == "verify":
        params["Signature"] = sign(client, key_id, PREHASHED, b"m")
    assert fails(getattr(client, operation), **params) == (
        "ValidationException",
        f"Digest is invalid length for algorithm {PREHASHED}.",
    )


@needs("EXTERNAL_MU")
@pytest.mark.parametrize("spec", rows(ML_DSA_SPECS))
@pytest.mark.parametrize("length", [1, 32, 48, 63, 65, 4096])
@pytest.mark.parametrize("operation", ["sign", "verify"])
def test_external_mu_must_be_64_bytes(
    client: BaseClient, spec: str, length: int, operation: str
) -> None:
    key_id = signing_key(client, spec)
    params = mu_params(key_id, b"u" * length)
    if operation == "verify":
        params["Signature"] = sign(client, key_id, MLDSA, b"m")
    assert fails(getattr(client, operation), **params) == BAD_MU
    # The length is checked before DryRun, as DIGEST's is.
    assert fails(getattr(client, operation), DryRun=True, **params) == BAD_MU


@pytest.mark.parametrize(
    ("spec", "algorithm"),
    rows(
        [
            (EDWARDS, MLDSA),
            (EDWARDS, "ECDSA_SHA_512"),
            (EDWARDS, "RSASSA_PSS_SHA_512"),
            ("ML_DSA_44", PURE),
            ("ML_DSA_65", PREHASHED),
            ("ML_DSA_87", "ECDSA_SHA_256"),
            ("ECC_NIST_P256", PURE),
            ("ECC_NIST_P521", PREHASHED),
            ("RSA_2048", MLDSA),
        ]
    ),
)
@pytest.mark.parametrize("operation", ["sign", "verify"])
def test_algorithm_the_key_spec_does_not_allow(
    client: BaseClient, spec: str, algorithm: str, operation: str
) -> None:
    key_id = signing_key(client, spec)
    params: dict[str, Any] = {"KeyId": key_id, "Message": b"m", "SigningAlgorithm": algorithm}
    if operation == "verify":
        params["Signature"] = b"s" * 64
    # The algorithm check comes before the MessageType one: DIGEST would be wrong as well.
    assert fails(getattr(client, operation), MessageType="DIGEST", **params) == (
        "InvalidKeyUsageException",
        f"Algorithm {algorithm} is incompatible with key spec {spec}.",
    )


@pytest.mark.parametrize(("spec", "algorithm"), rows([(EDWARDS, PURE), ("ML_DSA_65", MLDSA)]))
def test_raw_message_limit_is_4096_bytes(raw_client: BaseClient, spec: str, algorithm: str) -> None:
    key_id = signing_key(raw_client, spec)
    signature = sign(raw_client, key_id, algorithm, b"x" * 4096)
    raw_client.verify(**verify_params(key_id, algorithm, b"x" * 4096, signature))
    for params in (
        {"KeyId": key_id, "Message": b"x" * 4097, "SigningAlgorithm": algorithm},
        verify_params(key_id, algorithm, b"x" * 4097, signature),
    ):
        operation = raw_client.verify if "Signature" in params else raw_client.sign
        code, message = fails(operation, **params)
        assert code == "ValidationException"
        assert message.endswith(
            "at 'message' failed to satisfy constraint: Member must have length less than or "
            "equal to 4096"
        )


@pytest.mark.parametrize("spec", rows([EDWARDS, "ML_DSA_44"]))
def test_signing_key_cannot_encrypt(client: BaseClient, spec: str) -> None:
    key_id = signing_key(client, spec)
    assert fails(
        client.encrypt, KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256"
    ) == (
        "InvalidKeyUsageException",
        f"{key_arn(key_id)} key usage is SIGN_VERIFY which is not valid for Encrypt.",
    )


@pytest.mark.parametrize(("spec", "algorithm"), rows([(EDWARDS, PREHASHED), ("ML_DSA_87", MLDSA)]))
@pytest.mark.parametrize("operation", ["sign", "verify"])
def test_key_states_refuse_signing(
    client: BaseClient, spec: str, algorithm: str, operation: str
) -> None:
    key_id = signing_key(client, spec)
    params = verify_params(key_id, algorithm, b"m", sign(client, key_id, algorithm, b"m"))
    if operation == "sign":
        del params["Signature"]
    client.disable_key(KeyId=key_id)
    assert fails(getattr(client, operation), **params) == (
        "DisabledException",
        f"{key_arn(key_id)} is disabled.",
    )
    assert fails(client.get_public_key, KeyId=key_id) == (
        "DisabledException",
        f"{key_arn(key_id)} is disabled.",
    )

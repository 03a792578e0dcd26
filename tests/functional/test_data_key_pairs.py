"""GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext through boto3: a fresh pair of
every KeyPairSpec, checked offline with ``cryptography``, its private key sealed under the
symmetric key with the encryption context, and the errors AWS answers."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, REGION, enum_listing, fails, key_arn, modelled, requires_model
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PAIR_OPERATIONS = ["generate_data_key_pair", "generate_data_key_pair_without_plaintext"]
OPERATION_NAMES = {
    "generate_data_key_pair": "GenerateDataKeyPair",
    "generate_data_key_pair_without_plaintext": "GenerateDataKeyPairWithoutPlaintext",
}
# RSA_4096 takes about half a second per pair: it is made once, in the every-spec test.
FAST_SPECS = [
    "RSA_2048",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "ECC_NIST_EDWARDS25519",
]
SPECS = ["RSA_2048", "RSA_3072", "RSA_4096", *FAST_SPECS[1:]]
# Ed25519 pairs came after botocore 1.35's DataKeyPairSpec: those rows skip on older models.
ED25519_IN_MODEL = requires_model("DataKeyPairSpec:ECC_NIST_EDWARDS25519")


def rows(specs: list[str]) -> list[Any]:
    return [
        pytest.param(spec, marks=ED25519_IN_MODEL) if spec == "ECC_NIST_EDWARDS25519" else spec
        for spec in specs
    ]


CURVES = {
    "ECC_NIST_P256": ec.SECP256R1,
    "ECC_NIST_P384": ec.SECP384R1,
    "ECC_NIST_P521": ec.SECP521R1,
    "ECC_SECG_P256K1": ec.SECP256K1,
}
INVALID_CIPHERTEXT = ("InvalidCiphertextException", "")  # AWS sends no message
DRY_RUN = (
    "DryRunOperationException",
    "The request would have succeeded, but the DryRun option is set.",
)
PLAINTEXT_FIELDS = {
    "PrivateKeyCiphertextBlob",
    "PrivateKeyPlaintext",
    "PublicKey",
    "KeyId",
    "KeyPairSpec",
    "KeyMaterialId",
}
WITHOUT_PLAINTEXT_FIELDS = PLAINTEXT_FIELDS - {"PrivateKeyPlaintext"}

fixture_settings = settings(
    max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)


def body(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


@pytest.fixture
def key(client: BaseClient) -> dict[str, Any]:
    """A new symmetric key with the alias ``alias/pair-test``."""
    metadata: dict[str, Any] = client.create_key()["KeyMetadata"]
    client.create_alias(AliasName="alias/pair-test", TargetKeyId=metadata["KeyId"])
    return metadata


def load_private(der: bytes) -> Any:
    return serialization.load_der_private_key(der, password=None)


def pkcs8(private: Any) -> bytes:
    return bytes(
        private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def spki(public: Any) -> bytes:
    return bytes(
        public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def check_kind(spec: str, private: Any) -> None:
    """``private`` is a key of ``spec``: its algorithm and its size or curve."""
    if spec.startswith("RSA_"):
        assert isinstance(private, rsa.RSAPrivateKey)
        assert private.key_size == int(spec[4:])
        assert private.public_key().public_numbers().e == 65537
    elif spec == "ECC_NIST_EDWARDS25519":
        assert isinstance(private, ed25519.Ed25519PrivateKey)
    else:
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        assert isinstance(private.curve, CURVES[spec])


def sign_and_verify(private: Any, public_der: bytes) -> None:
    """A signature made offline with the private key verifies with the returned public key
    (``verify`` raises InvalidSignature otherwise)."""
    public: Any = serialization.load_der_public_key(public_der)
    message = b"release 1.2.3"
    if isinstance(private, rsa.RSAPrivateKey):
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        public.verify(private.sign(message, pss, hashes.SHA256()), message, pss, hashes.SHA256())
    elif isinstance(private, ed25519.Ed25519PrivateKey):
        public.verify(private.sign(message), message)
    else:
        ecdsa = ec.ECDSA(hashes.SHA256())
        public.verify(private.sign(message, ecdsa), message, ecdsa)


# -- Every spec -----------------------------------------------------------------------------


@pytest.mark.parametrize("spec", rows(SPECS))
def test_pair_of_every_spec(client: BaseClient, key: dict[str, Any], spec: str) -> None:
    context = {"purpose": "signing", "tenant": "t-1"}
    answer = body(
        client.generate_data_key_pair(
            KeyId=key["KeyId"], KeyPairSpec=spec, EncryptionContext=context
        )
    )
    assert set(answer) == set(modelled("GenerateDataKeyPair", dict.fromkeys(PLAINTEXT_FIELDS)))
    assert answer["KeyId"] == key["Arn"]
    assert answer["KeyPairSpec"] == spec
    assert answer.get("KeyMaterialId") == key.get("CurrentKeyMaterialId")

    private_der = answer["PrivateKeyPlaintext"]
    private = load_private(private_der)  # unencrypted: no password
    check_kind(spec, private)
    # PKCS #8 exactly (not PKCS #1 or SEC 1), and the public key is SubjectPublicKeyInfo.
    assert pkcs8(private) == private_der
    assert spki(private.public_key()) == answer["PublicKey"]
    assert spki(serialization.load_der_public_key(answer["PublicKey"])) == answer["PublicKey"]
    sign_and_verify(private, answer["PublicKey"])

    # The private key is sealed under the KMS key with the encryption context.
    blob = answer["PrivateKeyCiphertextBlob"]
    decrypted = client.decrypt(CiphertextBlob=blob, EncryptionContext=context)
    assert decrypted["Plaintext"] == private_der
    assert decrypted["KeyId"] == key["Arn"]
    assert fails(client.decrypt, CiphertextBlob=blob) == INVALID_CIPHERTEXT
    wrong = {**context, "tenant": "t-2"}
    assert fails(client.decrypt, CiphertextBlob=blob, EncryptionContext=wrong) == (
        INVALID_CIPHERTEXT
    )


@pytest.mark.parametrize("spec", rows([*FAST_SPECS, "RSA_3072"]))
def test_without_plaintext_of_every_spec(
    client: BaseClient, key: dict[str, Any], spec: str
) -> None:
    answer = body(
        client.generate_data_key_pair_without_plaintext(
            KeyId=key["Arn"], KeyPairSpec=spec, EncryptionContext={"a": "b"}
        )
    )
    assert set(answer) == set(
        modelled("GenerateDataKeyPairWithoutPlaintext", dict.fromkeys(WITHOUT_PLAINTEXT_FIELDS))
    )
    assert answer["KeyId"] == key["Arn"]
    assert answer["KeyPairSpec"] == spec
    assert answer.get("KeyMaterialId") == key.get("CurrentKeyMaterialId")

    blob = answer["PrivateKeyCiphertextBlob"]
    private_der = client.decrypt(CiphertextBlob=blob, EncryptionContext={"a": "b"})["Plaintext"]
    private = load_private(private_der)
    check_kind(spec, private)
    assert pkcs8(private) == private_der
    assert spki(private.public_key()) == answer["PublicKey"]
    sign_and_verify(private, answer["PublicKey"])
    assert fails(client.decrypt, CiphertextBlob=blob, EncryptionContext={"a": "c"}) == (
        INVALID_CIPHERTEXT
    )


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
@pytest.mark.parametrize("spec", rows(["RSA_2048", "ECC_NIST_P256", "ECC_NIST_EDWARDS25519"]))
def test_each_call_makes_a_new_pair(
    client: BaseClient, key: dict[str, Any], operation: str, spec: str
) -> None:
    call = getattr(client, operation)
    answers = [call(KeyId=key["KeyId"], KeyPairSpec=spec) for _ in range(3)]
    assert len({a["PublicKey"] for a in answers}) == 3
    assert len({a["PrivateKeyCiphertextBlob"] for a in answers}) == 3
    privates = {
        client.decrypt(CiphertextBlob=a["PrivateKeyCiphertextBlob"])["Plaintext"] for a in answers
    }
    assert len(privates) == 3


@pytest.mark.parametrize("form", ["id", "arn", "alias", "alias-arn"])
def test_key_named_in_every_form(client: BaseClient, key: dict[str, Any], form: str) -> None:
    named = {
        "id": key["KeyId"],
        "arn": key["Arn"],
        "alias": "alias/pair-test",
        "alias-arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/pair-test",
    }[form]
    for operation in PAIR_OPERATIONS:
        answer = getattr(client, operation)(KeyId=named, KeyPairSpec="ECC_NIST_P256")
        assert answer["KeyId"] == key["Arn"]


@requires_model("KeyMetadata.CurrentKeyMaterialId", "GenerateDataKeyPairResponse.KeyMaterialId")
def test_sealed_under_the_current_material_after_rotation(
    client: BaseClient, key: dict[str, Any]
) -> None:
    before = client.generate_data_key_pair(KeyId=key["KeyId"], KeyPairSpec="ECC_NIST_P256")
    client.rotate_key_on_demand(KeyId=key["KeyId"])
    after = client.generate_data_key_pair_without_plaintext(
        KeyId=key["KeyId"], KeyPairSpec="ECC_NIST_P256"
    )
    current = client.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"]
    assert before["KeyMaterialId"] == key["CurrentKeyMaterialId"] != current
    assert after["KeyMaterialId"] == current
    for answer in (before, after):
        decrypted = client.decrypt(CiphertextBlob=answer["PrivateKeyCiphertextBlob"])
        assert decrypted["KeyMaterialId"] == answer["KeyMaterialId"]


contexts = st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=4)


@fixture_settings
@given(context=contexts, other=contexts)
def test_any_context_seals_the_private_key(
    client: BaseClient, key: dict[str, Any], context: dict[str, str], other: dict[str, str]
) -> None:
    answer = client.generate_data_key_pair(
        KeyId=key["KeyId"], KeyPairSpec="ECC_NIST_P256", EncryptionContext=context
    )
    blob = answer["PrivateKeyCiphertextBlob"]
    opened = client.decrypt(CiphertextBlob=blob, EncryptionContext=context)["Plaintext"]
    assert opened == answer["PrivateKeyPlaintext"]
    if other != context:
        assert fails(client.decrypt, CiphertextBlob=blob, EncryptionContext=other) == (
            INVALID_CIPHERTEXT
        )


def test_private_key_re_encrypts_to_another_key(client: BaseClient, key: dict[str, Any]) -> None:
    other = client.create_key()["KeyMetadata"]
    answer = client.generate_data_key_pair(
        KeyId=key["KeyId"], KeyPairSpec="ECC_NIST_P384", EncryptionContext={"a": "b"}
    )
    moved = client.re_encrypt(
        CiphertextBlob=answer["PrivateKeyCiphertextBlob"],
        SourceEncryptionContext={"a": "b"},
        DestinationKeyId=other["KeyId"],
    )
    assert (
        client.decrypt(CiphertextBlob=moved["CiphertextBlob"])["Plaintext"]
        == (answer["PrivateKeyPlaintext"])
    )


@requires_model("GetKeyLastUsage")
def test_use_is_recorded_and_dry_run_is_not(client: BaseClient, key: dict[str, Any]) -> None:
    for operation in PAIR_OPERATIONS:
        answer = getattr(client, operation)(KeyId=key["KeyId"], KeyPairSpec="ECC_NIST_P256")
        usage = client.get_key_last_usage(KeyId=key["KeyId"])["KeyLastUsage"]
        assert usage["Operation"] == OPERATION_NAMES[operation]
        assert usage["KmsRequestId"] == answer["ResponseMetadata"]["RequestId"]
    fails(client.generate_data_key_pair, KeyId=key["KeyId"], KeyPairSpec="RSA_2048", DryRun=True)
    usage = client.get_key_last_usage(KeyId=key["KeyId"])["KeyLastUsage"]
    assert usage["Operation"] == "GenerateDataKeyPairWithoutPlaintext"


# -- DryRun ---------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
def test_dry_run_that_would_succeed(
    client: BaseClient, key: dict[str, Any], operation: str
) -> None:
    call = getattr(client, operation)
    assert fails(call, KeyId=key["KeyId"], KeyPairSpec="RSA_4096", DryRun=True) == DRY_RUN
    answer = call(KeyId=key["KeyId"], KeyPairSpec="ECC_NIST_P256", DryRun=False)
    assert answer["KeyPairSpec"] == "ECC_NIST_P256"


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
def test_dry_run_reports_the_real_error(
    client: BaseClient, key: dict[str, Any], operation: str
) -> None:
    client.disable_key(KeyId=key["KeyId"])
    call = getattr(client, operation)
    assert fails(call, KeyId=key["KeyId"], KeyPairSpec="ECC_NIST_P256", DryRun=True) == (
        "DisabledException",
        f"{key['Arn']} is disabled.",
    )


# -- Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
def test_disabled_key(client: BaseClient, key: dict[str, Any], operation: str) -> None:
    client.disable_key(KeyId=key["KeyId"])
    assert fails(getattr(client, operation), KeyId="alias/pair-test", KeyPairSpec="RSA_2048") == (
        "DisabledException",
        f"{key['Arn']} is disabled.",
    )
    client.enable_key(KeyId=key["KeyId"])
    getattr(client, operation)(KeyId="alias/pair-test", KeyPairSpec="ECC_NIST_P256")


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
def test_key_pending_deletion(client: BaseClient, key: dict[str, Any], operation: str) -> None:
    client.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert fails(getattr(client, operation), KeyId=key["Arn"], KeyPairSpec="ECC_NIST_P256") == (
        "KMSInvalidStateException",
        f"{key['Arn']} is pending deletion.",
    )


ASYMMETRIC_KEYS = [
    ("RSA_2048", "SIGN_VERIFY"),
    ("ECC_NIST_P256", "SIGN_VERIFY"),
    ("HMAC_256", "GENERATE_VERIFY_MAC"),
]


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
@pytest.mark.parametrize(("key_spec", "usage"), ASYMMETRIC_KEYS)
def test_key_of_another_usage(
    client: BaseClient, operation: str, key_spec: str, usage: str
) -> None:
    arn = client.create_key(KeySpec=key_spec, KeyUsage=usage)["KeyMetadata"]["Arn"]
    assert fails(getattr(client, operation), KeyId=arn, KeyPairSpec="ECC_NIST_P256") == (
        "InvalidKeyUsageException",
        f"{arn} key usage is {usage} which is not valid for {OPERATION_NAMES[operation]}.",
    )


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
def test_asymmetric_encryption_key(client: BaseClient, operation: str) -> None:
    # As GenerateDataKey answers for it in kmsmock (AWS's text for data key pairs is unknown).
    key_id = client.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"][
        "KeyId"
    ]
    assert fails(getattr(client, operation), KeyId=key_id, KeyPairSpec="RSA_2048") == (
        "InvalidKeyUsageException",
        "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.",
    )


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
def test_unknown_key(client: BaseClient, operation: str) -> None:
    missing = "1234abcd-12ab-34cd-56ef-1234567890ab"
    call = getattr(client, operation)
    assert fails(call, KeyId=missing, KeyPairSpec="ECC_NIST_P256") == (
        "NotFoundException",
        f"Key '{key_arn(missing)}' does not exist",
    )
    assert fails(call, KeyId="alias/none", KeyPairSpec="ECC_NIST_P256") == (
        "NotFoundException",
        f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/none is not found.",
    )


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
def test_sm2_outside_china(client: BaseClient, key: dict[str, Any], operation: str) -> None:
    # AWS's CreateKey answer for SM2 outside China, worded for this operation's member.
    assert fails(getattr(client, operation), KeyId=key["KeyId"], KeyPairSpec="SM2") == (
        "UnsupportedOperationException",
        "KeyPairSpec SM2 is not supported in this Region",
    )


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
def test_sm2_and_other_specs_in_china(kms: Any, operation: str) -> None:
    # SM2 pairs themselves are checked in test_sm2_key_material.py; here, that China serves
    # every spec.
    pytest.importorskip("gmssl", reason="SM2 needs the optional dependency gmssl")
    client = boto3.client("kms", region_name="cn-north-1")
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    for spec in ("SM2", "ECC_NIST_P256"):
        answer = getattr(client, operation)(KeyId=key_id, KeyPairSpec=spec)
        assert answer["KeyId"] == f"arn:aws-cn:kms:cn-north-1:{ACCOUNT}:key/{key_id}"
        assert answer["KeyPairSpec"] == spec


def test_recipient_document_is_checked(client: BaseClient, key: dict[str, Any]) -> None:
    # Served answers are tested in test_recipient.py.
    recipient = {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": b"doc"}
    assert fails(
        client.generate_data_key_pair,
        KeyId=key["KeyId"],
        KeyPairSpec="ECC_NIST_P256",
        Recipient=recipient,
    ) == ("ValidationException", "The attestation document is malformed: it is not CBOR.")


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
def test_grant_tokens_are_accepted(client: BaseClient, key: dict[str, Any], operation: str) -> None:
    token = client.create_grant(
        KeyId=key["KeyId"],
        GranteePrincipal="arn:aws:iam::123456789012:role/app",
        Operations=["GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"],
    )["GrantToken"]
    answer = getattr(client, operation)(
        KeyId=key["KeyId"], KeyPairSpec="ECC_NIST_P256", GrantTokens=[token]
    )
    assert answer["KeyId"] == key["Arn"]


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
def test_a_grant_token_the_mock_did_not_issue_is_refused(
    client: BaseClient, key: dict[str, Any], operation: str
) -> None:
    assert fails(
        getattr(client, operation),
        KeyId=key["KeyId"],
        KeyPairSpec="ECC_NIST_P256",
        GrantTokens=["token-1"],
    ) == ("InvalidGrantTokenException", "The grant token is not valid.")


SPEC_ENUM = enum_listing(
    "DataKeyPairSpec",
    "[RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, "
    "ECC_SECG_P256K1, SM2, ECC_NIST_EDWARDS25519]",
)
NOT_NULL = "failed to satisfy constraint: Member must not be null"


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"KeyPairSpec": "RSA_1024"},
            "1 validation error detected: Value 'RSA_1024' at 'keyPairSpec' failed to satisfy "
            f"constraint: Member must satisfy enum value set: {SPEC_ENUM}",
        ),
        (
            {},
            f"1 validation error detected: Value null at 'keyPairSpec' {NOT_NULL}",
        ),
        (
            {"KeyPairSpec": "ECC_NIST_P256", "GrantTokens": ["t"] * 11},
            "1 validation error detected: Value '[t, t, t, t, t, t, t, t, t, t, t]' at "
            "'grantTokens' failed to satisfy constraint: Member must have length less than or "
            "equal to 10",
        ),
    ],
    ids=["bad-spec", "no-spec", "too-many-grant-tokens"],
)
def test_validation(
    raw_client: BaseClient,
    operation: str,
    params: dict[str, Any],
    expected: str,
) -> None:
    key_id = raw_client.create_key()["KeyMetadata"]["KeyId"]
    assert fails(getattr(raw_client, operation), KeyId=key_id, **params) == (
        "ValidationException",
        expected,
    )


@pytest.mark.parametrize("operation", PAIR_OPERATIONS)
def test_no_key_id(raw_client: BaseClient, operation: str) -> None:
    assert fails(getattr(raw_client, operation), KeyPairSpec="ECC_NIST_P256") == (
        "ValidationException",
        f"1 validation error detected: Value null at 'keyId' {NOT_NULL}",
    )

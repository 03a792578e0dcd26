"""ML-KEM keys (FIPS 203): CreateKey, DescribeKey, GetPublicKey, Encapsulate and Decapsulate,
checked offline with `cryptography` (ML-KEM-768/1024) and kyber-py (all three, the optional
extra kmsmock[mlkem512]).

botocore models before 1.44 have neither the operations nor the key specs: the whole file is
skipped there. ML_KEM_768/1024 tests skip where `cryptography` cannot make such keys (before 48),
ML_KEM_512 tests where kyber-py is not installed.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from conftest import ACCOUNT, REGION, fails, key_arn, requires_cryptography, requires_model
from cryptography.hazmat.primitives import serialization
from freezegun import freeze_time

from kmsmock import KmsMock, mock_kms
from kmsmock.crypto import asymmetric

pytestmark = requires_model("Encapsulate")

SPECS = ["ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"]
# Specs `cryptography` has; ML_KEM_512 needs kyber-py.
CRYPTOGRAPHY_SPECS = ["ML_KEM_768", "ML_KEM_1024"]
USAGE = "ENCAPSULATE_DECAPSULATE"
CIPHERTEXT_BYTES = {"ML_KEM_512": 768, "ML_KEM_768": 1088, "ML_KEM_1024": 1568}
PUBLIC_KEY_BYTES = {"ML_KEM_512": 800, "ML_KEM_768": 1184, "ML_KEM_1024": 1568}
# The SubjectPublicKeyInfo header before the raw key: 22 bytes for every ML-KEM spec.
SPKI_HEADER = 22
OIDS = {"ML_KEM_512": "0401", "ML_KEM_768": "0402", "ML_KEM_1024": "0403"}
INVALID_CIPHERTEXT = ("InvalidCiphertextException", "")
ML_KEM = {"EncapsulationAlgorithm": "ML_KEM"}
OTHER = "210987654321"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/run"


def needs(spec: str) -> None:
    """Skip an ML_KEM_512 test without kyber-py, an ML_KEM_768/1024 one where `cryptography`
    cannot make the key (kmsmock answers NotImplementedException to both)."""
    if not asymmetric.cryptography_makes(spec):
        from cryptography import __version__

        pytest.skip(f"cryptography {__version__} makes no {spec} keys")
    if spec == "ML_KEM_512":
        pytest.importorskip(
            "kyber_py.ml_kem",
            reason="ML_KEM_512 needs the optional dependency kyber-py: "
            "pip install 'kmsmock[mlkem512]'",
        )


def mlkem() -> Any:
    """`cryptography`'s mlkem module: imported by the tests that use it, after ``needs``, as
    a `cryptography` before 47 has none."""
    from cryptography.hazmat.primitives.asymmetric import mlkem

    return mlkem


def kyber(spec: str) -> Any:
    """kyber-py's parameter set for ``spec`` (skips without kyber-py)."""
    ml_kem = pytest.importorskip("kyber_py.ml_kem", reason="offline check with kyber-py")
    return getattr(ml_kem, spec)


def mlkem_key(client: BaseClient, spec: str = "ML_KEM_768", **extra: Any) -> str:
    needs(spec)
    key_id: str = client.create_key(KeySpec=spec, KeyUsage=USAGE, **extra)["KeyMetadata"]["KeyId"]
    return key_id


def encapsulate(client: BaseClient, key_id: str) -> tuple[bytes, bytes]:
    response = client.encapsulate(KeyId=key_id, **ML_KEM)
    return response["SharedSecret"], response["SharedSecretCiphertextBlob"]


def decapsulate(client: BaseClient, key_id: str, blob: bytes) -> bytes:
    secret: bytes = client.decapsulate(KeyId=key_id, SharedSecretCiphertextBlob=blob, **ML_KEM)[
        "SharedSecret"
    ]
    return secret


# -- CreateKey, DescribeKey, GetPublicKey ------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS)
def test_create_and_describe_list_only_ml_kem(client: BaseClient, spec: str) -> None:
    needs(spec)
    metadata = client.create_key(KeySpec=spec, KeyUsage=USAGE)["KeyMetadata"]
    described = client.describe_key(KeyId=metadata["KeyId"])["KeyMetadata"]
    for meta in (metadata, described):
        assert meta["KeySpec"] == meta["CustomerMasterKeySpec"] == spec
        assert meta["KeyUsage"] == USAGE
        assert meta["EncapsulationAlgorithms"] == ["ML_KEM"]
        for other in (
            "EncryptionAlgorithms",
            "SigningAlgorithms",
            "KeyAgreementAlgorithms",
            "MacAlgorithms",
            "CurrentKeyMaterialId",
        ):
            assert other not in meta


@pytest.mark.parametrize("spec", SPECS)
def test_get_public_key(client: BaseClient, spec: str) -> None:
    key_id = mlkem_key(client, spec)
    response = client.get_public_key(KeyId=key_id)
    del response["ResponseMetadata"]
    der = response.pop("PublicKey")
    assert response == {
        "KeyId": key_arn(key_id),
        "CustomerMasterKeySpec": spec,
        "KeySpec": spec,
        "KeyUsage": USAGE,
        "EncapsulationAlgorithms": ["ML_KEM"],
    }
    # SEQUENCE { SEQUENCE { id-alg-ml-kem-* }, BIT STRING (no unused bits) { the raw key } }
    assert len(der) == SPKI_HEADER + PUBLIC_KEY_BYTES[spec]
    assert der[4:17].hex() == "300b06096086480165030404" + OIDS[spec][2:]
    assert der[17] == 0x03 and der[21] == 0x00
    if spec in CRYPTOGRAPHY_SPECS:
        public = serialization.load_der_public_key(der)
        assert isinstance(public, (mlkem().MLKEM768PublicKey, mlkem().MLKEM1024PublicKey))
        assert public.public_bytes_raw() == der[SPKI_HEADER:]


@pytest.mark.parametrize("usage", ["SIGN_VERIFY", "ENCRYPT_DECRYPT", "KEY_AGREEMENT"])
@pytest.mark.parametrize("spec", SPECS)
def test_ml_kem_keys_take_only_encapsulate_decapsulate(
    client: BaseClient, spec: str, usage: str
) -> None:
    assert fails(client.create_key, KeySpec=spec, KeyUsage=usage) == (
        "ValidationException",
        f"KeyUsage {usage} is not compatible with KeySpec {spec}",
    )
    assert client.list_keys()["Keys"] == []


@pytest.mark.parametrize(
    "spec", ["SYMMETRIC_DEFAULT", "RSA_2048", "ECC_NIST_P256", "ML_DSA_65", "HMAC_256"]
)
def test_encapsulate_decapsulate_only_with_ml_kem_specs(client: BaseClient, spec: str) -> None:
    assert fails(client.create_key, KeySpec=spec, KeyUsage=USAGE) == (
        "ValidationException",
        f"KeyUsage {USAGE} is not compatible with KeySpec {spec}",
    )


def test_ml_kem_needs_a_key_usage(client: BaseClient) -> None:
    assert fails(client.create_key, KeySpec="ML_KEM_768") == (
        "ValidationException",
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
    )


@pytest.mark.parametrize("spec", SPECS)
def test_not_in_china_regions(kms: KmsMock, spec: str) -> None:
    china = boto3.client("kms", region_name="cn-north-1")
    assert fails(china.create_key, KeySpec=spec, KeyUsage=USAGE) == (
        "UnsupportedOperationException",
        f"KeySpec {spec} is not supported in this Region",
    )
    assert china.list_keys()["Keys"] == []
    # No ML-KEM key exists there: an Encapsulate finds none.
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    arn = f"arn:aws-cn:kms:cn-north-1:{ACCOUNT}:key/{key_id}"
    assert fails(china.encapsulate, KeyId=key_id, **ML_KEM) == (
        "NotFoundException",
        f"Key '{arn}' does not exist",
    )


def test_without_kyber_py_ml_kem_512_is_told_to_install_it(
    client: BaseClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # None in sys.modules makes an import fail as if the module were not installed.
    monkeypatch.setitem(sys.modules, "kyber_py", None)
    monkeypatch.setitem(sys.modules, "kyber_py.ml_kem", None)
    assert fails(client.create_key, KeySpec="ML_KEM_512", KeyUsage=USAGE) == (
        "NotImplementedException",
        "kmsmock needs the optional dependency kyber-py for ML_KEM_512 keys: "
        "pip install 'kmsmock[mlkem512]'",
    )
    assert client.list_keys()["Keys"] == []
    mlkem_key(client, "ML_KEM_768")  # `cryptography` serves the others


@pytest.mark.parametrize("spec", CRYPTOGRAPHY_SPECS)
def test_where_cryptography_cannot_make_the_key_it_is_told_what_to_install(
    kms: KmsMock, client: BaseClient, monkeypatch: pytest.MonkeyPatch, spec: str
) -> None:
    # As where the installed `cryptography` predates ML-KEM (before 47) or its backend has none
    # (47.0.0's wheels): cryptography_makes itself is checked in tests/unit.
    from cryptography import __version__

    monkeypatch.setattr(asymmetric, "cryptography_makes", lambda asked: asked != spec)
    told = (
        "NotImplementedException",
        f"kmsmock needs cryptography 48 or later for {spec} keys (installed: cryptography "
        f"{__version__}): pip install 'cryptography>=48'",
    )
    assert fails(client.create_key, KeySpec=spec, KeyUsage=USAGE) == told
    assert client.list_keys()["Keys"] == []
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    assert fails(client.generate_data_key_pair, KeyId=key_id, KeyPairSpec=spec) == told
    # The region's refusal comes first: in China the spec is not offered at all.
    china = boto3.client("kms", region_name="cn-north-1")
    assert fails(china.create_key, KeySpec=spec, KeyUsage=USAGE)[0] == (
        "UnsupportedOperationException"
    )


# -- Encapsulate and Decapsulate ---------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS)
def test_round_trip(client: BaseClient, spec: str) -> None:
    key_id = mlkem_key(client, spec)
    response = client.encapsulate(KeyId=key_id, **ML_KEM)
    del response["ResponseMetadata"]
    secret, blob = response.pop("SharedSecret"), response.pop("SharedSecretCiphertextBlob")
    assert response == {"KeyId": key_arn(key_id), "EncapsulationAlgorithm": "ML_KEM"}
    assert len(secret) == 32 and len(blob) == CIPHERTEXT_BYTES[spec]
    decapsulated = client.decapsulate(KeyId=key_id, SharedSecretCiphertextBlob=blob, **ML_KEM)
    del decapsulated["ResponseMetadata"]
    assert decapsulated == {
        "KeyId": key_arn(key_id),
        "SharedSecret": secret,
        "EncapsulationAlgorithm": "ML_KEM",
    }
    # Every Encapsulate draws a new secret.
    assert encapsulate(client, key_id)[0] != secret


def test_key_named_by_alias_and_arns(client: BaseClient) -> None:
    key_id = mlkem_key(client)
    client.create_alias(AliasName="alias/pq", TargetKeyId=key_id)
    alias_arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/pq"
    for name in ("alias/pq", alias_arn, key_arn(key_id)):
        secret, blob = encapsulate(client, name)
        assert decapsulate(client, name, blob) == secret


@pytest.mark.parametrize("spec", CRYPTOGRAPHY_SPECS)
def test_offline_encapsulation_with_cryptography_decapsulates(
    client: BaseClient, spec: str
) -> None:
    key_id = mlkem_key(client, spec)
    public = serialization.load_der_public_key(client.get_public_key(KeyId=key_id)["PublicKey"])
    assert isinstance(public, (mlkem().MLKEM768PublicKey, mlkem().MLKEM1024PublicKey))
    secret, blob = public.encapsulate()
    assert decapsulate(client, key_id, blob) == secret


@pytest.mark.parametrize("spec", SPECS)
def test_offline_encapsulation_with_kyber_py_decapsulates(client: BaseClient, spec: str) -> None:
    """kyber-py, an implementation of its own, against kmsmock's public key: a cross-check of
    ML_KEM_512 (served by kyber-py too) and of `cryptography`'s two specs."""
    scheme = kyber(spec)
    key_id = mlkem_key(client, spec)
    der = client.get_public_key(KeyId=key_id)["PublicKey"]
    secret, blob = scheme.encaps(der[SPKI_HEADER:])
    assert decapsulate(client, key_id, blob) == secret


@pytest.mark.parametrize("spec", SPECS)
def test_seeded_private_key_decapsulates_kmsmock_encapsulations_offline(
    kms: KmsMock, client: BaseClient, spec: str
) -> None:
    """The other direction: a key seeded with a private key made offline; what Encapsulate
    returns, the offline private key decapsulates."""
    needs(spec)
    scheme = kyber(spec)
    if spec == "ML_KEM_512":
        # PKCS #8 in the seed form `cryptography` writes for the other two specs, by hand.
        seed = os.urandom(64)
        der = bytes.fromhex("3054020100300b060960864801650304040104428040") + seed
        body = "".join(line + "\n" for line in textwrap.wrap(base64.b64encode(der).decode(), 64))
        pem = f"-----BEGIN PRIVATE KEY-----\n{body}-----END PRIVATE KEY-----\n"
    else:
        private = (
            mlkem().MLKEM768PrivateKey if spec == "ML_KEM_768" else mlkem().MLKEM1024PrivateKey
        ).generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    kms.load({"keys": [{"id": key_id, "spec": spec, "private_key_pem": pem}]})
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyUsage"] == USAGE
    secret, blob = encapsulate(client, key_id)
    if spec != "ML_KEM_512":
        seed = private.private_bytes_raw()
    _, decapsulation_key = scheme.key_derive(seed)
    assert scheme.decaps(decapsulation_key, blob) == secret
    if spec != "ML_KEM_512":
        assert private.decapsulate(blob) == secret


@pytest.mark.parametrize("spec", SPECS)
def test_a_blob_of_the_wrong_length_is_invalid(client: BaseClient, spec: str) -> None:
    key_id = mlkem_key(client, spec)
    _, blob = encapsulate(client, key_id)
    for wrong in (blob[:-1], blob + b"\x00", b"x", bytes(CIPHERTEXT_BYTES["ML_KEM_1024"] + 1)):
        assert (
            fails(client.decapsulate, KeyId=key_id, SharedSecretCiphertextBlob=wrong, **ML_KEM)
            == INVALID_CIPHERTEXT
        )
    # Another spec's length.
    other = 1088 if spec != "ML_KEM_768" else 768
    assert (
        fails(client.decapsulate, KeyId=key_id, SharedSecretCiphertextBlob=bytes(other), **ML_KEM)
        == INVALID_CIPHERTEXT
    )


@pytest.mark.parametrize("spec", SPECS)
def test_a_tampered_blob_gives_another_secret_without_error(client: BaseClient, spec: str) -> None:
    """FIPS 203 implicit rejection: the same answer every time, but not the secret."""
    key_id = mlkem_key(client, spec)
    secret, blob = encapsulate(client, key_id)
    tampered = bytes([blob[0] ^ 1]) + blob[1:]
    rejected = decapsulate(client, key_id, tampered)
    assert len(rejected) == 32 and rejected != secret
    assert decapsulate(client, key_id, tampered) == rejected  # deterministic
    # Made for another key of the same spec: no error either.
    other = mlkem_key(client, spec)
    assert decapsulate(client, other, blob) not in (secret, rejected)


def test_dry_run(client: BaseClient) -> None:
    key_id = mlkem_key(client)
    _, blob = encapsulate(client, key_id)
    dry = (
        "DryRunOperationException",
        "The request would have succeeded, but the DryRun option is set.",
    )
    assert fails(client.encapsulate, KeyId=key_id, DryRun=True, **ML_KEM) == dry
    assert (
        fails(
            client.decapsulate, KeyId=key_id, SharedSecretCiphertextBlob=blob, DryRun=True, **ML_KEM
        )
        == dry
    )
    # A request that would fail fails, DryRun or not.
    assert (
        fails(
            client.decapsulate, KeyId=key_id, SharedSecretCiphertextBlob=b"x", DryRun=True, **ML_KEM
        )
        == INVALID_CIPHERTEXT
    )


def test_unknown_encapsulation_algorithm(raw_client: BaseClient) -> None:
    key_id = mlkem_key(raw_client)
    code, message = fails(raw_client.encapsulate, KeyId=key_id, EncapsulationAlgorithm="KYBER")
    assert code == "ValidationException"
    assert message == (
        "1 validation error detected: Value 'KYBER' at 'encapsulationAlgorithm' failed to "
        "satisfy constraint: Member must satisfy enum value set: [ML_KEM]"
    )


# -- key usage and key state -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("create", "usage"),
    [
        ({}, "ENCRYPT_DECRYPT"),
        ({"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}, "ENCRYPT_DECRYPT"),
        pytest.param(
            {"KeySpec": "ML_DSA_44", "KeyUsage": "SIGN_VERIFY"},
            "SIGN_VERIFY",
            marks=requires_cryptography("ML_DSA_44"),
        ),
        ({"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"}, "KEY_AGREEMENT"),
        ({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}, "GENERATE_VERIFY_MAC"),
    ],
)
def test_other_keys_cannot_encapsulate(
    client: BaseClient, create: dict[str, str], usage: str
) -> None:
    key_id = client.create_key(**create)["KeyMetadata"]["KeyId"]
    for operation, call, extra in (
        ("Encapsulate", client.encapsulate, {}),
        ("Decapsulate", client.decapsulate, {"SharedSecretCiphertextBlob": bytes(1088)}),
    ):
        assert fails(call, KeyId=key_id, **ML_KEM, **extra) == (
            "InvalidKeyUsageException",
            f"{key_arn(key_id)} key usage is {usage} which is not valid for {operation}.",
        )


def test_ml_kem_keys_do_nothing_else(client: BaseClient) -> None:
    key_id = mlkem_key(client)
    refused = f"{key_arn(key_id)} key usage is {USAGE} which is not valid for"
    assert fails(client.encrypt, KeyId=key_id, Plaintext=b"x") == (
        "InvalidKeyUsageException",
        f"{refused} Encrypt.",
    )
    assert fails(client.sign, KeyId=key_id, Message=b"x", SigningAlgorithm="ML_DSA_SHAKE_256") == (
        "InvalidKeyUsageException",
        f"{refused} Sign.",
    )


def test_disabled_and_pending_deletion_keys(client: BaseClient) -> None:
    key_id = mlkem_key(client)
    _, blob = encapsulate(client, key_id)
    arn = key_arn(key_id)
    client.disable_key(KeyId=key_id)
    assert fails(client.encapsulate, KeyId=key_id, **ML_KEM) == (
        "DisabledException",
        f"{arn} is disabled.",
    )
    assert fails(client.decapsulate, KeyId=key_id, SharedSecretCiphertextBlob=blob, **ML_KEM) == (
        "DisabledException",
        f"{arn} is disabled.",
    )
    client.enable_key(KeyId=key_id)
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert fails(client.encapsulate, KeyId=key_id, **ML_KEM) == (
        "KMSInvalidStateException",
        f"{arn} is pending deletion.",
    )


# -- permissions, grants, cross-account --------------------------------------------------------


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


_ROOT = {
    "Sid": "Enable IAM User Permissions",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}


def test_permissions_are_kms_encapsulate_and_decapsulate(kms: KmsMock, client: BaseClient) -> None:
    key_id = mlkem_key(client)
    arn = key_arn(key_id)
    _, blob = encapsulate(client, key_id)
    app = boto3.client("kms", region_name=REGION, **kms.credentials(ROLE, session_name="run"))
    for action, call, extra in (
        ("kms:Encapsulate", app.encapsulate, {}),
        ("kms:Decapsulate", app.decapsulate, {"SharedSecretCiphertextBlob": blob}),
    ):
        assert fails(call, KeyId=arn, **ML_KEM, **extra) == (
            "AccessDeniedException",
            f"User: {SESSION} is not authorized to perform: {action} on resource: {arn} "
            f"because no identity-based policy allows the {action} action",
        )
    kms.set_identity_policy(
        ROLE,
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "kms:Encapsulate", "Resource": arn}],
        },
    )
    secret, blob = encapsulate(app, arn)
    assert fails(app.decapsulate, KeyId=arn, SharedSecretCiphertextBlob=blob, **ML_KEM)[0] == (
        "AccessDeniedException"
    )
    assert decapsulate(client, key_id, blob) == secret


def test_grants(kms: KmsMock, client: BaseClient) -> None:
    key_id = mlkem_key(client)
    arn = key_arn(key_id)
    grant = client.create_grant(
        KeyId=key_id, GranteePrincipal=ROLE, Operations=["Encapsulate", "Decapsulate"]
    )
    app = boto3.client("kms", region_name=REGION, **kms.credentials(ROLE, session_name="run"))
    secret, blob = encapsulate(app, arn)
    assert decapsulate(app, arn, blob) == secret
    [listed] = client.list_grants(KeyId=key_id)["Grants"]
    assert listed["Operations"] == ["Encapsulate", "Decapsulate"]
    client.revoke_grant(KeyId=key_id, GrantId=grant["GrantId"])
    assert fails(app.encapsulate, KeyId=arn, **ML_KEM)[0] == "AccessDeniedException"
    assert fails(client.create_grant, KeyId=key_id, GranteePrincipal=ROLE, Operations=["Sign"]) == (
        "ValidationException",
        "Grant operations Sign are not supported for a KMS key with KeySpec ML_KEM_768 and "
        "KeyUsage ENCAPSULATE_DECAPSULATE.",
    )
    symmetric = client.create_key()["KeyMetadata"]["KeyId"]
    assert fails(
        client.create_grant, KeyId=symmetric, GranteePrincipal=ROLE, Operations=["Encapsulate"]
    ) == (
        "ValidationException",
        "Grant operations Encapsulate are not supported for a KMS key with KeySpec "
        "SYMMETRIC_DEFAULT and KeyUsage ENCRYPT_DECRYPT.",
    )


def test_cross_account_by_key_arn_or_alias_arn(kms: KmsMock, client: BaseClient) -> None:
    external = {
        "Sid": "Allow other account",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
        "Action": ["kms:Encapsulate", "kms:Decapsulate"],
        "Resource": "*",
    }
    key_id = mlkem_key(client, Policy=_policy(_ROOT, external))
    client.create_alias(AliasName="alias/pq", TargetKeyId=key_id)
    other = boto3.client("kms", region_name=REGION, **kms.credentials(f"arn:aws:iam::{OTHER}:root"))
    for name in (key_arn(key_id), f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/pq"):
        secret, blob = encapsulate(other, name)
        assert decapsulate(other, name, blob) == secret
    # A key ID resolves in the caller's own account.
    assert fails(other.encapsulate, KeyId=key_id, **ML_KEM) == (
        "NotFoundException",
        f"Key 'arn:aws:kms:{REGION}:{OTHER}:key/{key_id}' does not exist",
    )


# -- audit events, cost, quotas, persistence ---------------------------------------------------


def test_audit_events_never_hold_the_secret(kms: KmsMock, client: BaseClient) -> None:
    key_id = mlkem_key(client)
    secret, blob = encapsulate(client, key_id)
    decapsulate(client, key_id, blob)
    for operation in ("Encapsulate", "Decapsulate"):
        [event] = kms.events.filter(operation=operation)
        record = event.record()
        assert record["readOnly"] is True
        assert record["requestParameters"] == {
            "keyId": key_id,
            "encapsulationAlgorithm": "ML_KEM",
        }
        assert record["responseElements"] is None
    text = json.dumps(kms.events.to_cloudtrail())
    for value in (secret, blob):
        assert value.hex() not in text
        assert base64.b64encode(value).decode() not in text


def test_requests_are_priced_as_asymmetric(kms: KmsMock, client: BaseClient) -> None:
    key_id = mlkem_key(client)
    _, blob = encapsulate(client, key_id)
    decapsulate(client, key_id, blob)
    client.get_public_key(KeyId=key_id)
    requests = kms.cost().requests
    assert requests["asymmetric"] == 3
    assert requests["standard"] == 1  # CreateKey


def test_encapsulate_counts_toward_a_shared_cryptographic_quota(kms: KmsMock) -> None:
    client = boto3.client(
        "kms",
        region_name=REGION,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    with freeze_time("2030-05-01 12:00:00"):
        key_id = mlkem_key(client)
        # As ML-DSA keys: AWS documents no ML-KEM quota of its own (see kmsmock/backend/quotas.py).
        kms.enable_quotas({"cryptographic-symmetric": 1})
        encapsulate(client, key_id)
        assert fails(client.encapsulate, KeyId=key_id, **ML_KEM)[0] == "ThrottlingException"


@pytest.mark.parametrize("spec", SPECS)
def test_keys_survive_a_state_file(tmp_path: Path, spec: str) -> None:
    from kmsmock.persist import save_world

    path = tmp_path / "state.json"
    with mock_kms() as first:
        client = boto3.client("kms", region_name=REGION)
        key_id = mlkem_key(client, spec)
        secret, blob = encapsulate(client, key_id)
        save_world(first.world, path)
    with mock_kms() as again:
        again.load(path)
        assert decapsulate(boto3.client("kms", region_name=REGION), key_id, blob) == secret


# -- data key pairs (botocore 1.44's DataKeyPairSpec has the ML-KEM specs) ---------------------


@pytest.mark.parametrize("spec", SPECS)
def test_ml_kem_data_key_pairs(client: BaseClient, spec: str) -> None:
    needs(spec)
    scheme = kyber(spec)
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    pair = client.generate_data_key_pair(KeyId=key_id, KeyPairSpec=spec)
    assert pair["KeyPairSpec"] == spec
    private_der, public_der = pair["PrivateKeyPlaintext"], pair["PublicKey"]
    assert client.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])["Plaintext"] == (
        private_der
    )
    # PKCS #8 seed form: the last 64 bytes are the seed d || z.
    assert len(private_der) == 86
    ek, dk = scheme.key_derive(private_der[-64:])
    assert public_der[SPKI_HEADER:] == ek
    secret, blob = scheme.encaps(ek)
    assert scheme.decaps(dk, blob) == secret
    if spec in CRYPTOGRAPHY_SPECS:
        private = serialization.load_der_private_key(private_der, password=None)
        assert isinstance(private, (mlkem().MLKEM768PrivateKey, mlkem().MLKEM1024PrivateKey))
        assert private.decapsulate(blob) == secret


def test_ml_kem_data_key_pairs_not_in_china(kms: KmsMock) -> None:
    china = boto3.client("kms", region_name="cn-north-1")
    key_id = china.create_key()["KeyMetadata"]["KeyId"]
    assert fails(china.generate_data_key_pair, KeyId=key_id, KeyPairSpec="ML_KEM_768") == (
        "UnsupportedOperationException",
        "KeyPairSpec ML_KEM_768 is not supported in this Region",
    )

"""RSA private keys: unique within a mock, reused by the next mock (crypto/keypool.py)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from kmsmock import mock_kms
from kmsmock.crypto import keypool, rsa_keys

REGION = "us-east-1"


@pytest.fixture
def counted_generation(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The specs of the RSA keys generated (not taken from the pool) while the test runs,
    with the pool emptied first so the test starts from a known state."""
    made: list[str] = []
    real = rsa_keys.generate

    def generate(spec: str) -> object:
        made.append(spec)
        return real(spec)

    keypool.clear()
    monkeypatch.setattr(rsa_keys, "generate", generate)
    yield made
    keypool.clear()


def public_keys(count: int, spec: str = "RSA_2048") -> list[bytes]:
    client = boto3.client("kms", region_name=REGION)
    keys = [
        client.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        for _ in range(count)
    ]
    return [client.get_public_key(KeyId=key)["PublicKey"] for key in keys]


def test_keys_of_one_mock_never_share_a_private_key(counted_generation: list[str]) -> None:
    with mock_kms():
        first = public_keys(3)
    with mock_kms():
        # The pool holds the three keys the first mock used; a fourth must be made.
        second = public_keys(4)
    assert len(set(first)) == 3
    assert len(set(second)) == 4
    assert set(first) < set(second)
    assert counted_generation == ["RSA_2048"] * 4


def test_a_mock_reuses_the_keys_an_ended_mock_used(counted_generation: list[str]) -> None:
    with mock_kms():
        (first,) = public_keys(1)
    with mock_kms():
        (second,) = public_keys(1)
    assert second == first
    assert counted_generation == ["RSA_2048"]


def test_keys_are_lent_until_the_outermost_mock_ends(counted_generation: list[str]) -> None:
    with mock_kms():
        with mock_kms():
            (inner,) = public_keys(1)
        # The inner activation shares the outer one's world: its key is still in use.
        (outer,) = public_keys(1)
    assert inner != outer
    assert counted_generation == ["RSA_2048", "RSA_2048"]


def test_a_reused_key_signs_and_decrypts_for_its_new_key(counted_generation: list[str]) -> None:
    with mock_kms():
        public_keys(1, "RSA_3072")
    with mock_kms():
        client = boto3.client("kms", region_name=REGION)
        key_id = client.create_key(KeySpec="RSA_3072", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"][
            "KeyId"
        ]
        der = client.get_public_key(KeyId=key_id)["PublicKey"]
        public = serialization.load_der_public_key(der)
        oaep = padding.OAEP(
            mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None
        )
        blob = public.encrypt(b"secret", oaep)  # type: ignore[union-attr]
        plaintext = client.decrypt(
            KeyId=key_id, CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_256"
        )["Plaintext"]
    assert plaintext == b"secret"
    assert counted_generation == ["RSA_3072"]


def test_specs_are_pooled_apart_and_the_pool_is_bounded(
    counted_generation: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keypool, "LIMIT", 2)
    with mock_kms():
        public_keys(3, "RSA_2048")
    with mock_kms():
        public_keys(1, "RSA_3072")  # not served by the RSA_2048 keys
        public_keys(3, "RSA_2048")  # two come back from the pool, one is made
    assert counted_generation == ["RSA_2048"] * 3 + ["RSA_3072", "RSA_2048"]

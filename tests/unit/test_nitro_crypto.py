"""CiphertextForRecipient's CMS EnvelopedData and Nitro attestation documents, offline."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock.crypto import attestation, cms
from kmsmock.crypto.nitro_pki import TestCa, default_ca
from kmsmock.nitro import attestation_document

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


@settings(max_examples=25)
@given(plaintext=st.binary(max_size=600))
def test_envelope_round_trip(plaintext: bytes) -> None:
    assert cms.open_enveloped(KEY, cms.seal_enveloped(KEY.public_key(), plaintext)) == plaintext


def test_envelope_for_another_key_does_not_open() -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(cms.InvalidEnvelope, match="Decryption failed"):
        cms.open_enveloped(other, cms.seal_enveloped(KEY.public_key(), b"secret"))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_opens_the_envelope(tmp_path: Path) -> None:
    # What an enclave does with CMS_decrypt (the Nitro Enclaves SDK): an independent reader.
    (tmp_path / "key.pem").write_bytes(
        KEY.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp_path / "blob.der").write_bytes(cms.seal_enveloped(KEY.public_key(), b"for the enclave"))
    opened = subprocess.run(
        ["openssl", "cms", "-decrypt", "-inform", "DER", "-in", str(tmp_path / "blob.der")]
        + ["-inkey", str(tmp_path / "key.pem")],
        capture_output=True,
        check=True,
    )
    assert opened.stdout == b"for the enclave"


@pytest.mark.parametrize("tagged", [True, False])
def test_document_verifies_and_names_its_pcrs(tagged: bool) -> None:
    document = attestation_document(
        KEY.public_key(), pcrs={0: "ab" * 48, 8: b"\x01" * 48}, tagged=tagged
    )
    verified = attestation.verify(document, [default_ca().root], NOW)
    keys = verified.condition_keys()
    assert keys["kms:RecipientAttestation:ImageSha384"] == "ab" * 48
    assert keys["kms:RecipientAttestation:PCR0"] == "ab" * 48
    assert keys["kms:RecipientAttestation:PCR8"] == "01" * 48
    assert keys["kms:RecipientAttestation:PCR1"] == "00" * 48
    assert isinstance(attestation.recipient_key(verified), rsa.RSAPublicKey)


def test_nitrotpm_document_has_only_nitrotpm_keys() -> None:
    document = attestation_document(KEY.public_key(), pcrs={4: "cd" * 48}, nitrotpm=True)
    keys = attestation.verify(document, [default_ca().root], NOW).condition_keys()
    assert keys["kms:RecipientAttestation:NitroTPMPCR4"] == "cd" * 48
    assert not any("ImageSha384" in key or ":PCR" in key for key in keys)


def test_another_root_is_not_trusted() -> None:
    document = attestation_document(KEY.public_key(), ca=TestCa("elsewhere"))
    with pytest.raises(attestation.InvalidAttestation, match="does not end at a trusted root"):
        attestation.verify(document, [default_ca().root], NOW)

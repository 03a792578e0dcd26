"""Failures that code written against moto commonly meets get a one-line hint naming the AWS
rule and the fix (issue 19), in ``kms.report()`` and the pytest report alike. Each case is
one docs/migrating-from-moto.md lists."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION

from kmsmock import KmsMock, KmsMockUsageError, mock_kms


@pytest.fixture
def kms_and_client() -> Any:
    with mock_kms() as kms:
        yield kms, boto3.client("kms", region_name=REGION)


def _hint_of(kms: KmsMock, request: Callable[[], object], code: str) -> str:
    with pytest.raises(ClientError) as excinfo:
        request()
    assert excinfo.value.response["Error"]["Code"] == code
    hints = [line.strip() for line in kms.report().splitlines() if line.strip().startswith("hint:")]
    assert len(hints) == 1, kms.report()
    return hints[0].removeprefix("hint: ")


def test_rsa_encrypt_without_an_algorithm(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    key_id = client.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"][
        "KeyId"
    ]
    hint = _hint_of(
        kms, lambda: client.encrypt(KeyId=key_id, Plaintext=b"x"), "InvalidKeyUsageException"
    )
    assert hint == (
        "AWS requires EncryptionAlgorithm for an RSA key (Encrypt without it means "
        "SYMMETRIC_DEFAULT, which RSA keys refuse); moto defaults it. Pass "
        "EncryptionAlgorithm='RSAES_OAEP_SHA_256' (or _SHA_1) to Encrypt and Decrypt alike."
    )


def test_a_policy_that_fails_the_lockout_check(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/bob"},
             "Action": "kms:Decrypt", "Resource": "*"},
        ],
    }  # fmt: skip
    hint = _hint_of(
        kms,
        lambda: client.create_key(Policy=json.dumps(policy)),
        "MalformedPolicyDocumentException",
    )
    assert hint == (
        "AWS's policy lockout safety check: the policy given to CreateKey must let the caller "
        "call kms:PutKeyPolicy later (moto does not check). Add a statement allowing "
        f'"arn:aws:iam::{ACCOUNT}:root" "kms:*", or pass BypassPolicyLockoutSafetyCheck=True.'
    )


@pytest.mark.parametrize(
    "policy", ["allow everyone", "[" * 16_000 + "]" * 16_000], ids=["text", "nested 16,000 deep"]
)
def test_a_policy_that_is_not_json(kms_and_client: Any, policy: str) -> None:
    kms, client = kms_and_client
    hint = _hint_of(
        kms, lambda: client.create_key(Policy=policy), "MalformedPolicyDocumentException"
    )
    assert hint.startswith("the Policy is not JSON: AWS refuses it, moto stores any text.")


def test_signing_a_digest_and_verifying_raw(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    key_id = client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"][
        "KeyId"
    ]
    digest = hashlib.sha256(b"message").digest()
    signature = client.sign(
        KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256"
    )["Signature"]
    hint = _hint_of(
        kms,
        lambda: client.verify(
            KeyId=key_id, Message=digest, Signature=signature, SigningAlgorithm="ECDSA_SHA_256"
        ),
        "KMSInvalidSignatureException",
    )
    assert hint == (
        "the message was signed with MessageType=DIGEST and verified with MessageType=RAW: "
        "KMS hashes a RAW message itself, so Verify must say what Sign said (moto ignores "
        "MessageType)."
    )


def test_a_bad_signature_raises_rather_than_returning_false(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    key_id = client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"][
        "KeyId"
    ]
    hint = _hint_of(
        kms,
        lambda: client.verify(
            KeyId=key_id, Message=b"m", Signature=b"0" * 70, SigningAlgorithm="ECDSA_SHA_256"
        ),
        "KMSInvalidSignatureException",
    )
    assert hint.startswith(
        "AWS answers a signature that does not verify with KMSInvalidSignatureException; it "
        "never returns SignatureValid=False (moto does)."
    )


def test_cancel_key_deletion_of_a_key_not_pending_deletion(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    hint = _hint_of(
        kms, lambda: client.cancel_key_deletion(KeyId=key_id), "KMSInvalidStateException"
    )
    assert hint.startswith("AWS refuses CancelKeyDeletion on a key that is not pending deletion")


def test_other_failures_get_no_hint(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    with pytest.raises(ClientError):
        client.describe_key(KeyId="alias/missing")
    report = kms.report()
    assert "hint:" not in report
    assert report.startswith("kmsmock served 1 request: 0 succeeded, 0 denied, 1 failed.")


def test_report_limit_is_checked(kms_and_client: Any) -> None:
    kms, _ = kms_and_client
    with pytest.raises(KmsMockUsageError, match=r"report\(limit=\.\.\.\) is a positive number"):
        kms.report(limit=0)

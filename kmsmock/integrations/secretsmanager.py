"""AWS Secrets Manager secret values, as Secrets Manager calls KMS.

Source: AWS Secrets Manager User Guide, "Secret encryption and decryption in AWS Secrets
Manager" (awsdocs/aws-secrets-manager-docs, security-encryption.md):

- GenerateDataKey (``KeySpec`` AES_256) for each new secret value: CreateSecret with a value,
  PutSecretValue, UpdateSecret with a value. RotateSecret calls none itself (its rotation
  function's PutSecretValue does).
- Decrypt to read a value: GetSecretValue (and BatchGetSecretValue, for each secret it
  returns); PutSecretValue and UpdateSecret too, when they name a version that exists already
  (Secrets Manager compares the values, for idempotency).
- "When you establish or change the KMS key that is associated with secret, Secrets Manager
  calls the GenerateDataKey and Decrypt operations with the specified KMS key", with
  ``SecretVersionId`` ``RequestToValidateKeyAccess``, and discards the results. Changing the key
  re-encrypts the current version under the new key, unless the caller cannot decrypt it under
  the old one (then it stays as it is: no error).
- The encryption context: ``{"SecretARN": <the secret's ARN>, "SecretVersionId": <version>}``.
- The key: ``KmsKeyId``, else the AWS managed key ``aws/secretsmanager``, which only principals
  of its own account can use (its policy: ``kms:CallerAccount``).

Errors, each status 400:

    AccessDeniedException: Access to KMS is not allowed
        (GetSecretValue and CreateSecret; awsdocs/aws-kms-developer-guide#36, aws/aws-cdk#7677)
    DecryptionFailure: Secrets Manager can't decrypt the secret value: arn:aws:kms:us-east-1:
        ...:key/7394... is disabled. (Service: AWSKMS; Status Code: 400; Error Code:
        DisabledException; Request ID: cdc4...; Proxy: null)      (GetSecretValue; recorded)

The write-side counterpart, ``EncryptionFailure`` "Secrets Manager can't encrypt the secret
value: <KMS's refusal, as above>", follows the DecryptionFailure record: assumed, as is what a
BatchGetSecretValue lists in its ``Errors`` for a secret it cannot decrypt (the same code and
message, under the secret's ARN).

Not modelled: a new secret's ARN in CreateSecret's KMS calls ends in a suffix kmsmock draws
(Secrets Manager draws the suffix when it stores the secret, and kmsmock's calls come before
the mock of Secrets Manager stores it): policies on ``kms:EncryptionContext:SecretARN`` should
match the suffix with a wildcard, as they must on AWS before a secret exists. The first
version's later Decrypts use that ARN; later versions use the ARN Secrets Manager returned.
Also not modelled: replicas in other Regions, and secrets written while the integration was
off (reads of them call no KMS).
"""

from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kmsmock.integrations.on_behalf import (
    Acting,
    Outcome,
    Refusal,
    Sealed,
    ServiceError,
    remembered,
)

OPERATIONS = frozenset(
    {
        "CreateSecret",
        "PutSecretValue",
        "UpdateSecret",
        "GetSecretValue",
        "BatchGetSecretValue",
        "DeleteSecret",
    }
)
MANAGED_KEY = "alias/aws/secretsmanager"
VALIDATION = "RequestToValidateKeyAccess"
CURRENT, PREVIOUS = "AWSCURRENT", "AWSPREVIOUS"
_SUFFIX = string.ascii_letters + string.digits


@dataclass
class _Secret:
    name: str
    arn: str
    key: str | None  # KmsKeyId as named; None: aws/secretsmanager
    versions: dict[str, Sealed] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=dict)  # staging label -> version ID

    def staged(self, version: str, labels: list[str]) -> None:
        """``version`` takes ``labels``; the version that loses AWSCURRENT becomes
        AWSPREVIOUS, as Secrets Manager moves them."""
        for label in labels:
            old = self.stages.get(label)
            if label == CURRENT and old is not None and old != version:
                self.stages[PREVIOUS] = old
            self.stages[label] = version


@dataclass
class _Memory:
    lock: threading.Lock = field(default_factory=threading.Lock)
    secrets: dict[str, _Secret] = field(default_factory=dict)  # by ARN
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # (Region, name) -> ARN

    def find(self, region: str, secret_id: str) -> _Secret | None:
        """The secret a SecretId names: its name, its ARN, or its ARN without the suffix."""
        with self.lock:
            if not secret_id.startswith("arn:"):
                arn = self.names.get((region, secret_id))
                return None if arn is None else self.secrets.get(arn)
            found = self.secrets.get(secret_id)
            if found is None:
                partial = [s for a, s in self.secrets.items() if a.startswith(secret_id + "-")]
                found = partial[0] if len(partial) == 1 else None
            return found


def before(acting: Acting, operation: str, params: Mapping[str, Any]) -> Outcome:
    """Secrets Manager's KMS calls for one request (see the module's docstring)."""
    memory = remembered(acting.world, "secretsmanager", _Memory)
    if operation in ("GetSecretValue", "BatchGetSecretValue"):
        return _reads(acting, memory)
    if operation == "CreateSecret":
        return _create(acting.about(str(params.get("Name"))), memory, params)
    secret = memory.find(acting.region, str(params.get("SecretId", "")))
    if secret is None:
        return None  # written while the integration was off (or no such secret)
    acting = acting.about(secret.name)
    if operation == "DeleteSecret":
        if not params.get("ForceDeleteWithoutRecovery"):
            return None
        return _forgotten(memory, secret)
    return _change(acting, memory, operation, params, secret)


def _create(acting: Acting, memory: _Memory, params: Mapping[str, Any]) -> Outcome:
    name = str(params.get("Name", ""))
    key = params.get("KmsKeyId")
    token = str(params.get("ClientRequestToken", ""))
    # The ARN Secrets Manager will give the secret is not known yet (see the docstring).
    suffix = "".join(secrets.choice(_SUFFIX) for _ in range(6))
    arn = (
        f"arn:{acting.partition}:secretsmanager:{acting.region}:{acting.caller.account}:"
        f"secret:{name}-{suffix}"
    )
    sealed = None
    try:
        if key is not None:
            _validate(acting, str(key), arn)
        if _has_value(params):
            sealed = _seal(acting, str(key or MANAGED_KEY), arn, token)
    except Refusal as refusal:
        return _error(refusal, reading=False)

    def stored(parsed: dict[str, Any]) -> ServiceError | None:
        real = str(parsed.get("ARN") or arn)
        version = str(parsed.get("VersionId") or token)
        secret = _Secret(name, real, None if key is None else str(key))
        if sealed is not None:
            secret.versions[version] = sealed
            secret.staged(version, [CURRENT])
        with memory.lock:
            memory.secrets[real] = secret
            memory.names[(acting.region, name)] = real
        return None

    return stored


def _change(
    acting: Acting,
    memory: _Memory,
    operation: str,
    params: Mapping[str, Any],
    secret: _Secret,
) -> Outcome:
    """PutSecretValue and UpdateSecret."""
    token = str(params.get("ClientRequestToken", ""))
    new_key = params.get("KmsKeyId") if operation == "UpdateSecret" else None
    changing = new_key is not None and new_key != secret.key
    key = str(new_key if changing else (secret.key or MANAGED_KEY))
    sealed = None
    rewrapped: tuple[str, Sealed] | None = None
    try:
        if changing:
            _validate(acting, key, secret.arn)
        if _has_value(params):
            existing = secret.versions.get(token)
            if existing is not None:  # the same version again: compare with what it holds
                try:
                    existing.open(acting)
                except Refusal as refusal:
                    return _error(refusal, reading=True)
            else:
                sealed = _seal(acting, key, secret.arn, token)
        elif changing:
            rewrapped = _rewrapped(acting, secret, key)
    except Refusal as refusal:
        return _error(refusal, reading=False)

    def stored(parsed: dict[str, Any]) -> ServiceError | None:
        with memory.lock:
            if changing:
                secret.key = str(new_key)
            if sealed is not None:
                version = str(parsed.get("VersionId") or token)
                secret.versions[version] = sealed
                labels = params.get("VersionStages") or [CURRENT]
                secret.staged(version, [str(label) for label in labels])
            if rewrapped is not None:
                secret.versions[rewrapped[0]] = rewrapped[1]
        return None

    return stored


def _reads(acting: Acting, memory: _Memory) -> Outcome:
    """Decrypt each value the answer carries, once Secrets Manager has found it (its own
    errors come first, as on AWS). GetSecretValue fails as a whole; BatchGetSecretValue lists
    a secret it cannot decrypt under ``Errors``."""

    def check(parsed: dict[str, Any]) -> ServiceError | None:
        if "SecretValues" not in parsed:
            return _open(acting, memory, parsed)
        kept = []
        for entry in parsed["SecretValues"]:
            error = _open(acting, memory, entry)
            if error is None:
                kept.append(entry)
            else:
                parsed.setdefault("Errors", []).append(
                    {
                        "SecretId": entry.get("ARN"),
                        "ErrorCode": error.code,
                        "Message": error.message,
                    }
                )
        parsed["SecretValues"] = kept
        return None

    return check


def _open(acting: Acting, memory: _Memory, value: Mapping[str, Any]) -> ServiceError | None:
    with memory.lock:
        secret = memory.secrets.get(str(value.get("ARN")))
        sealed = None if secret is None else secret.versions.get(str(value.get("VersionId")))
    if secret is None or sealed is None:
        return None
    try:
        sealed.open(acting.about(secret.name))
    except Refusal as refusal:
        return _error(refusal, reading=True)
    return None


def _forgotten(memory: _Memory, secret: _Secret) -> Outcome:
    def forget(parsed: dict[str, Any]) -> ServiceError | None:
        with memory.lock:
            memory.secrets.pop(secret.arn, None)
            names = [where for where, arn in memory.names.items() if arn == secret.arn]
            for where in names:
                del memory.names[where]
        return None

    return forget


def _validate(acting: Acting, key: str, arn: str) -> None:
    """The calls that confirm the caller may use a newly chosen key (results discarded)."""
    context = {"SecretARN": arn, "SecretVersionId": VALIDATION}
    result = acting.kms("GenerateDataKey", KeyId=key, KeySpec="AES_256", EncryptionContext=context)
    acting.kms("Decrypt", CiphertextBlob=result["CiphertextBlob"], EncryptionContext=context)


def _seal(acting: Acting, key: str, arn: str, version: str) -> Sealed:
    context = {"SecretARN": arn, "SecretVersionId": version}
    result = acting.kms("GenerateDataKey", KeyId=key, KeySpec="AES_256", EncryptionContext=context)
    return Sealed(str(result["KeyId"]), result["CiphertextBlob"], context)


def _rewrapped(acting: Acting, secret: _Secret, key: str) -> tuple[str, Sealed] | None:
    """The current version re-encrypted under the new key, or None if the caller cannot
    decrypt it under the old one (Secrets Manager then leaves it as it is)."""
    version = secret.stages.get(CURRENT)
    sealed = None if version is None else secret.versions.get(version)
    if version is None or sealed is None:
        return None
    try:
        sealed.open(acting)
    except Refusal:
        return None
    return version, _seal(acting, key, secret.arn, version)


def _has_value(params: Mapping[str, Any]) -> bool:
    return params.get("SecretString") is not None or params.get("SecretBinary") is not None


def _error(refusal: Refusal, *, reading: bool) -> ServiceError:
    if refusal.code == "AccessDeniedException":
        return ServiceError(400, "AccessDeniedException", "Access to KMS is not allowed")
    if reading:
        message = f"Secrets Manager can't decrypt the secret value: {refusal.java_sdk_detail()}"
        return ServiceError(400, "DecryptionFailure", message)
    message = f"Secrets Manager can't encrypt the secret value: {refusal.java_sdk_detail()}"
    return ServiceError(400, "EncryptionFailure", message)

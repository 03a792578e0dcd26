"""Amazon S3 server-side encryption with KMS keys (SSE-KMS and DSSE-KMS), as S3 calls KMS.

Sources (AWS documentation; awsdocs/amazon-s3-userguide, UsingKMSEncryption.md and
mpuoverview.md; the PutObject and CreateMultipartUpload API references):

- An upload encrypted with a KMS key calls GenerateDataKey: PutObject, CreateMultipartUpload,
  and CopyObject for the copy. Reading one calls Decrypt: GetObject, CopyObject and
  UploadPartCopy of an encrypted source, and UploadPart and UploadPartCopy, which need the
  upload's data key ("Amazon S3 must decrypt and read data from the encrypted file parts").
  HeadObject reads no data, and calls Decrypt only for ``ChecksumMode=ENABLED`` (the checksum
  of an SSE-KMS object is stored encrypted).
- The key: the request's ``x-amz-server-side-encryption-aws-kms-key-id``; with
  ``x-amz-server-side-encryption: aws:kms`` (or ``aws:kms:dsse``) and no key, the AWS managed
  key ``aws/s3``, which S3 creates the first time it is needed; with no encryption header, the
  bucket's default encryption (PutBucketEncryption), whose own key defaults to ``aws/s3``.
- The encryption context: ``{"aws:s3:arn": <object ARN>}``, or the bucket's ARN when the
  object uses an S3 Bucket Key, with the caller's ``x-amz-server-side-encryption-context``
  (base64 JSON) added to it.

Errors (KMS's message passed on as S3's): a KMS refusal for a missing permission is S3's 403
``AccessDenied`` with KMS's own text; any other is a 400 named ``KMS.<KMS error code>``:
``KMS.DisabledException`` "<key ARN> is disabled.", ``KMS.KMSInvalidStateException`` "<key
ARN> is pending deletion.", ``KMS.NotFoundException`` (KMS's "Invalid keyId '<id>'", "Key
'<ARN>' does not exist"). Recorded: LocalStack's AWS-validated S3 snapshots
(localstack/services/s3/utils.py validate_kms_key_id) and aws/aws-cli#4507; the 403 is the
issue's record. Throttling and internal errors take the same ``KMS.<code>`` shape: assumed.

Not modelled: S3 Bucket Keys' reuse of a bucket-level key for a while (every request calls
KMS, with the bucket ARN as context), the bucket owner's account (a key ID, an alias and
``aws/s3`` are looked up in the caller's account), S3's own checks that come before KMS on AWS
(a PutObject to a missing bucket meets KMS first here), and objects written while the
integration was off (nothing is known of their keys: reads of them call no KMS).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

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
        "PutObject",
        "CreateMultipartUpload",
        "UploadPart",
        "UploadPartCopy",
        "CompleteMultipartUpload",
        "AbortMultipartUpload",
        "CopyObject",
        "GetObject",
        "HeadObject",
        "PutBucketEncryption",
        "DeleteBucketEncryption",
        "DeleteObject",
        "DeleteObjects",
        "DeleteBucket",
    }
)
MANAGED_KEY = "alias/aws/s3"
_KMS_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse"})


@dataclass(frozen=True, slots=True)
class _Encryption:
    """How an object is to be encrypted with a KMS key."""

    algorithm: str  # aws:kms or aws:kms:dsse
    key: str  # as named: a key ID, key ARN, alias name or alias ARN
    bucket_key: bool


@dataclass
class _Memory:
    """What S3 knows of the objects written while the integration was on."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    # Bucket -> its default encryption with a KMS key.
    defaults: dict[str, _Encryption] = field(default_factory=dict)
    # (bucket, key) -> the latest object's data key; (bucket, key, version) -> a version's.
    objects: dict[tuple[str, str], Sealed] = field(default_factory=dict)
    versions: dict[tuple[str, str, str], Sealed] = field(default_factory=dict)
    # Multipart upload ID -> the upload's data key.
    uploads: dict[str, Sealed] = field(default_factory=dict)


def before(acting: Acting, operation: str, params: Mapping[str, Any]) -> Outcome:
    """S3's KMS calls for one request (see the module's docstring)."""
    memory = remembered(acting.world, "s3", _Memory)
    bucket = str(params.get("Bucket", ""))
    key = str(params.get("Key", ""))
    acting = acting.about(f"s3://{bucket}/{key}" if key else f"s3://{bucket}")
    try:
        if operation in ("PutObject", "CreateMultipartUpload"):
            return _write(acting, memory, operation, params, bucket, key)
        if operation == "CopyObject":
            _open(acting, _source(memory, params))
            return _write(acting, memory, operation, params, bucket, key)
        if operation in ("UploadPart", "UploadPartCopy"):
            if operation == "UploadPartCopy":
                _open(acting, _source(memory, params))
            _open(acting, memory.uploads.get(str(params.get("UploadId"))))
            return None
        if operation == "GetObject" or (
            operation == "HeadObject" and params.get("ChecksumMode") == "ENABLED"
        ):
            return _read(acting, memory, params, bucket, key)
    except Refusal as refusal:
        return _error(refusal)
    return _bookkeeping(memory, operation, params, bucket, key)


def _write(
    acting: Acting,
    memory: _Memory,
    operation: str,
    params: Mapping[str, Any],
    bucket: str,
    key: str,
) -> Outcome:
    """GenerateDataKey for a new object (or upload), under the key it is to be encrypted
    with; then remember that key once S3 has stored it."""
    encryption = _encryption(memory, params, bucket)
    sealed = None
    if encryption is not None:
        arn = f"arn:{acting.partition}:s3:::{bucket}"
        # S3 Bucket Keys do not apply to DSSE-KMS.
        if not (encryption.bucket_key and encryption.algorithm == "aws:kms"):
            arn = f"{arn}/{key}"
        context = {**_user_context(params.get("SSEKMSEncryptionContext")), "aws:s3:arn": arn}
        result = acting.kms(
            "GenerateDataKey", KeyId=encryption.key, KeySpec="AES_256", EncryptionContext=context
        )
        sealed = Sealed(str(result["KeyId"]), result["CiphertextBlob"], context)

    def stored(parsed: dict[str, Any]) -> None:
        with memory.lock:
            if operation == "CreateMultipartUpload":
                if sealed is not None:
                    memory.uploads[str(parsed.get("UploadId"))] = sealed
                return
            version = parsed.get("VersionId")
            if sealed is None:  # the object is no longer encrypted with a KMS key
                memory.objects.pop((bucket, key), None)
            else:
                memory.objects[(bucket, key)] = sealed
                if version:
                    memory.versions[(bucket, key, str(version))] = sealed

    return _after(stored)


def _read(
    acting: Acting, memory: _Memory, params: Mapping[str, Any], bucket: str, key: str
) -> Outcome:
    """Decrypt the object's data key once S3 has found the object (its own errors, such as
    NoSuchKey, come first, as on AWS)."""
    asked = params.get("VersionId")

    def check(parsed: dict[str, Any]) -> ServiceError | None:
        # Only an object S3 itself reports encrypted with a KMS key (one overwritten while
        # the integration was off is not).
        if str(parsed.get("ServerSideEncryption", "")) not in _KMS_ALGORITHMS:
            return None
        version = asked or parsed.get("VersionId")
        with memory.lock:
            sealed = memory.versions.get((bucket, key, str(version))) if version else None
            if sealed is None and not asked:
                sealed = memory.objects.get((bucket, key))
        try:
            _open(acting, sealed)
        except Refusal as refusal:
            return _error(refusal)
        return None

    return check


def _bookkeeping(
    memory: _Memory, operation: str, params: Mapping[str, Any], bucket: str, key: str
) -> Outcome:
    """Requests that call no KMS but change what S3 knows (once S3 has answered)."""

    def noted(parsed: dict[str, Any]) -> None:
        with memory.lock:
            if operation == "PutBucketEncryption":
                encryption = _bucket_default(params.get("ServerSideEncryptionConfiguration"))
                if encryption is None:
                    memory.defaults.pop(bucket, None)
                else:
                    memory.defaults[bucket] = encryption
            elif operation == "DeleteBucketEncryption":
                memory.defaults.pop(bucket, None)
            elif operation == "CompleteMultipartUpload":
                sealed = memory.uploads.pop(str(params.get("UploadId")), None)
                if sealed is None:
                    memory.objects.pop((bucket, key), None)
                else:
                    memory.objects[(bucket, key)] = sealed
                    if parsed.get("VersionId"):
                        memory.versions[(bucket, key, str(parsed["VersionId"]))] = sealed
            elif operation == "AbortMultipartUpload":
                memory.uploads.pop(str(params.get("UploadId")), None)
            elif operation == "DeleteObject":
                _forget(memory, bucket, key, params.get("VersionId"))
            elif operation == "DeleteObjects":
                for deleted in parsed.get("Deleted") or ():
                    _forget(memory, bucket, str(deleted.get("Key")), deleted.get("VersionId"))
            elif operation == "DeleteBucket":
                memory.defaults.pop(bucket, None)
                for name in [k for k in memory.objects if k[0] == bucket]:
                    del memory.objects[name]
                for version in [k for k in memory.versions if k[0] == bucket]:
                    del memory.versions[version]

    return _after(noted)


def _after(note: Any) -> Outcome:
    def after(parsed: dict[str, Any]) -> ServiceError | None:
        note(parsed)
        return None

    return after


def _forget(memory: _Memory, bucket: str, key: str, version: object) -> None:
    if version:
        memory.versions.pop((bucket, key, str(version)), None)
    else:
        memory.objects.pop((bucket, key), None)


def _open(acting: Acting, sealed: Sealed | None) -> None:
    if sealed is not None:
        sealed.open(acting)


def _encryption(memory: _Memory, params: Mapping[str, Any], bucket: str) -> _Encryption | None:
    """The KMS key a new object is encrypted with, if any: the request's, else the bucket's
    default encryption."""
    algorithm = params.get("ServerSideEncryption")
    bucket_key = params.get("BucketKeyEnabled")
    if algorithm is None:
        with memory.lock:
            default = memory.defaults.get(bucket)
        if default is None:
            return None
        if bucket_key is None:
            return default
        return _Encryption(default.algorithm, default.key, bool(bucket_key))
    if algorithm not in _KMS_ALGORITHMS:
        return None  # AES256 (SSE-S3)
    if bucket_key is None:
        with memory.lock:
            default = memory.defaults.get(bucket)
        bucket_key = default is not None and default.bucket_key
    return _Encryption(
        str(algorithm), str(params.get("SSEKMSKeyId") or MANAGED_KEY), bool(bucket_key)
    )


def _bucket_default(configuration: Any) -> _Encryption | None:
    for rule in (configuration or {}).get("Rules") or ():
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        algorithm = default.get("SSEAlgorithm")
        if algorithm in _KMS_ALGORITHMS:
            return _Encryption(
                str(algorithm),
                str(default.get("KMSMasterKeyID") or MANAGED_KEY),
                bool(rule.get("BucketKeyEnabled")),
            )
    return None


def _source(memory: _Memory, params: Mapping[str, Any]) -> Sealed | None:
    """The data key of a copy's source object, from ``CopySource`` as botocore sends it
    ("bucket/key" URL-quoted, with "?versionId=" for a version)."""
    source = params.get("CopySource")
    if isinstance(source, Mapping):
        bucket, key = str(source.get("Bucket", "")), str(source.get("Key", ""))
        version = source.get("VersionId")
    else:
        text, _, query = str(source or "").lstrip("/").partition("?")
        bucket, _, quoted = text.partition("/")
        key = unquote(quoted)
        versions = parse_qs(query).get("versionId")
        version = versions[0] if versions else None
    with memory.lock:
        if version:
            return memory.versions.get((bucket, key, str(version)))
        return memory.objects.get((bucket, key))


def _user_context(value: object) -> dict[str, str]:
    """The caller's encryption context (``SSEKMSEncryptionContext``: base64 of a JSON
    object); {} for none, or for one S3 would refuse (that error is S3's to give)."""
    if not isinstance(value, str) or not value:
        return {}
    try:
        decoded = json.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return {}
    if not isinstance(decoded, dict):
        return {}
    return {str(name): str(item) for name, item in decoded.items()}


def _error(refusal: Refusal) -> ServiceError:
    if refusal.code == "AccessDeniedException":
        return ServiceError(403, "AccessDenied", refusal.message)
    return ServiceError(400, f"KMS.{refusal.code}", refusal.message)

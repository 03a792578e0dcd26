"""Audit events: one CloudTrail-shaped record of every KMS request the mock serves.

``serve`` appends an ``AuditEvent`` per request (allowed, denied, failed or invalid) holding
only the raw facts it already has; the lifecycle step appends one for each background
rotation and deletion, at the instant it was due. The CloudTrail JSON is built only when a
test asks for it (``AuditEvent.record()``), so recording costs one small object and one
deque append per request. ``KmsMock.events`` is the public view (``Events``,
kmsmock/mocking/events.py).

What the records leave out mirrors what CloudTrail omits for KMS: plaintexts, ciphertexts,
key material, signatures, MACs, messages, public keys and any other binary value.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import deque
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Literal, NamedTuple

from kmsmock.aws.families import CRYPTOGRAPHIC
from kmsmock.policy.model import Caller

EVENT_VERSION = "1.08"
Outcome = Literal["allowed", "denied", "failed"]
OUTCOMES = ("allowed", "denied", "failed")

# Operations that change nothing (CloudTrail's readOnly): the List*/Describe*/Get* family and
# the cryptographic operations, which AWS logs with readOnly true.
_READ_ONLY_PREFIXES = ("List", "Describe", "Get")
_READ_ONLY = CRYPTOGRAPHIC | {"GenerateRandom"}
# CloudTrail logs every read-only event's responseElements as null (AWS's examples for
# DescribeKey, GetKeyPolicy, ListKeyRotations...; the cryptographic operations return secret
# or binary values anyway).
# Maps whose keys are the user's own (encryption context pairs): logged as given.
_USER_MAPS = frozenset({"EncryptionContext", "EncryptionContextSubset", "EncryptionContextEquals"})
# CloudTrail logs Encrypt's and Decrypt's encryptionAlgorithm even when the request omits it.
_DEFAULT_ALGORITHM = frozenset({"Encrypt", "Decrypt"})
# Request parameters CloudTrail never logs (secret or binary); any other bytes value is
# dropped as well.
_SECRET_PARAMS = frozenset(
    {
        "Plaintext",
        "CiphertextBlob",
        "SourceCiphertextBlob",
        "EncryptedKeyMaterial",
        "ImportToken",
        "Message",
        "Signature",
        "Mac",
        "PublicKey",
        "Recipient",
        # ML-KEM: the encapsulated secret is as secret as the secret itself.
        "SharedSecretCiphertextBlob",
    }
)


def loggable(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``values`` without its binary members: CloudTrail never logs them, and an event kept
    for a test should not keep a plaintext or ciphertext alive."""
    if values is None:
        return None
    # Nested maps too: Recipient's AttestationDocument (a Nitro enclave's document) is bytes.
    return {
        k: loggable(v) if isinstance(v, Mapping) else v
        for k, v in values.items()
        if not isinstance(v, (bytes, bytearray))
    }


def kept_result(operation: str, result: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What an event keeps of a request's result: what its record logs. A read-only event
    logs no response, so it keeps only the KeyMaterialId its record names (a ListKeys page
    is not kept alive for a record that never shows it)."""
    if result is None:
        return None
    if read_only(operation):
        material = result.get("KeyMaterialId")
        return None if material is None else {"KeyMaterialId": material}
    return loggable(result)


class AuditEvent(NamedTuple):
    """The raw facts of one KMS event; ``record()`` shapes them as CloudTrail logs them.

    Immutable. A named tuple rather than a frozen dataclass: one is made for every request,
    and a frozen dataclass of 13 fields costs several times as much to build."""

    operation: str
    time: datetime
    region: str
    account: str  # the account the request was served in (recipientAccountId)
    caller: Caller | None  # None for an event KMS itself made (AwsServiceEvent)
    request_id: str
    params: Mapping[str, Any] | None  # None when the request could not be parsed
    result: Mapping[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None
    key_arn: str | None = None
    key_material_id: str | None = None
    # The random bits of the eventID of an event KMS itself made, drawn once so it stays
    # stable; 0 for a request's event, whose eventID is derived from its request ID (so
    # GetKeyLastUsage can name it: see event_id_for).
    event_bits: int = 0
    # The request of another AWS service this call was made for by a service integration
    # (kmsmock/integrations), e.g. "S3 PutObject s3://bucket/key"; None for a direct call.
    # Not a CloudTrail field: the failing-test report names it.
    service_request: str | None = None

    def __repr__(self) -> str:
        # Short, for a debugger and a failed assertion: the fields are there for the rest.
        key = "" if self.key_arn is None else f" {self.key_arn.split(':', 5)[-1]}"
        who = "KMS" if self.caller is None else self.caller.arn
        result = "ok" if self.error_code is None else self.error_code
        return f"<AuditEvent {self.operation}{key} by {who} -> {result}>"

    @property
    def outcome(self) -> Outcome:
        if self.error_code is None:
            return "allowed"
        return "denied" if self.error_code == "AccessDeniedException" else "failed"

    @property
    def principal(self) -> str | None:
        """The caller's ARN (None for an event KMS itself made)."""
        return None if self.caller is None else self.caller.arn

    @property
    def event_id(self) -> str:
        if self.event_bits or not self.request_id:
            return _uuid4(self.event_bits)
        return event_id_for(self.request_id)

    def record(self) -> dict[str, Any]:
        """This event as a CloudTrail record (a JSON-serializable dict)."""
        service_event = self.caller is None
        if service_event:
            source = agent = "AWS Internal"
        elif self.caller is not None and self.caller.via_service is not None:
            # A call an AWS service made on the caller's behalf names the service in both, as
            # AWS's Secrets Manager records show ("How AWS Secrets Manager uses AWS KMS").
            source = agent = _service_domain(self.caller.via_service)
        else:
            source, agent = "192.0.2.0", "kmsmock"
        record: dict[str, Any] = {
            "eventVersion": EVENT_VERSION,
            "userIdentity": _identity(self.caller, self.account),
            "eventTime": _iso(self.time),
            "eventSource": "kms.amazonaws.com",
            "eventName": self.operation,
            "awsRegion": self.region,
            "sourceIPAddress": source,
            "userAgent": agent,
        }
        if self.error_code is not None:
            record["errorCode"] = self.error_code
            record["errorMessage"] = self.error_message or ""
        parameters = None if self.params is None else _logged(self.params)
        if parameters is not None and self.operation in _DEFAULT_ALGORITHM:
            parameters.setdefault("encryptionAlgorithm", "SYMMETRIC_DEFAULT")
        record["requestParameters"] = parameters
        record["responseElements"] = (
            None if self.result is None or read_only(self.operation) else _logged(self.result)
        )
        if service_event:
            details: dict[str, Any] = {"keyId": (self.key_arn or "").rsplit("/", 1)[-1]}
            if self.operation == "RotateKey":
                details["rotationType"] = "AUTOMATIC"
                details["currentKeyMaterialId"] = self.key_material_id
            record["serviceEventDetails"] = details
        else:
            # The key material the request used, where the response names it (Decrypt,
            # GenerateDataKey*, ImportKeyMaterial...), as CloudTrail logs it.
            material = self.key_material_id
            if material is None and self.result is not None:
                material = self.result.get("KeyMaterialId")
            if material is not None:
                record["additionalEventData"] = {"keyMaterialId": material}
        if self.request_id:
            record["requestID"] = self.request_id
        record["eventID"] = self.event_id
        record["readOnly"] = read_only(self.operation)
        if self.key_arn is not None:
            record["resources"] = [
                {
                    "accountId": _arn_account(self.key_arn),
                    "type": "AWS::KMS::Key",
                    "ARN": self.key_arn,
                }
            ]
        record["eventType"] = "AwsServiceEvent" if service_event else "AwsApiCall"
        record["managementEvent"] = True
        record["recipientAccountId"] = self.account
        record["eventCategory"] = "Management"
        return record


class EventLog:
    """The events of one World: bounded (oldest dropped first) and safe to append from any
    thread (``deque.append`` is atomic; the lock guards reads that copy it)."""

    def __init__(self, kept: int) -> None:
        self._events: deque[AuditEvent] = deque(maxlen=kept)
        self._lock = threading.Lock()

    @property
    def kept(self) -> int:
        kept = self._events.maxlen
        return 0 if kept is None else kept  # always made with a bound: never None

    def append(self, event: AuditEvent) -> None:
        self._events.append(event)

    def snapshot(self) -> list[AuditEvent]:
        with self._lock:
            return list(self._events)

    def resize(self, kept: int) -> None:
        with self._lock:
            self._events = deque(self._events, maxlen=kept)

    def clear(self) -> None:
        self._events.clear()

    def copy(self) -> EventLog:
        new = EventLog(self.kept)
        new._events.extend(self.snapshot())  # events are frozen: shared
        return new


def new_event_bits() -> int:
    return _random_bits(128)


def event_id_for(request_id: str) -> str:
    """The eventID of the event recorded for the request ``request_id``: shaped as a random
    UUID, as CloudTrail's are, but derived from the request, so GetKeyLastUsage's
    CloudTrailEventId names the very event ``KmsMock.events`` holds for that use, even after
    the bounded log has dropped it."""
    digest = hashlib.blake2b(request_id.encode(), digest_size=16).digest()
    return _uuid4(int.from_bytes(digest, "big"))


def key_arn_of(result: Mapping[str, Any] | None) -> str | None:
    """The key a successful response names (KeyId or KeyMetadata.Arn), if any."""
    if not result:
        return None
    key_id = result.get("KeyId")
    if isinstance(key_id, str) and key_id.startswith("arn:"):
        return key_id
    metadata = result.get("KeyMetadata")
    if isinstance(metadata, Mapping):
        arn = metadata.get("Arn")
        if isinstance(arn, str):
            return arn
    return None


_random_bits = random.Random().getrandbits
_UUID4_BITS = (4 << 76) | (2 << 62)
_UUID4_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)


def _uuid4(bits: int) -> str:
    digits = f"{(bits & _UUID4_MASK) | _UUID4_BITS:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def _iso(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def read_only(operation: str) -> bool:
    """Whether ``operation`` changes nothing (CloudTrail's readOnly)."""
    return operation in _READ_ONLY or operation.startswith(_READ_ONLY_PREFIXES)


def _arn_account(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) > 4 else ""


def _identity(caller: Caller | None, account: str) -> dict[str, Any]:
    if caller is None:
        # Background events (automatic rotation, deletion) are KMS's own.
        return {"accountId": account, "invokedBy": "AWS Internal"}
    # A stable stand-in for the unique ID IAM gives each principal.
    principal_id = _principal_id(caller)
    identity: dict[str, Any]
    if caller.principal_type == "Account":
        identity = {
            "type": "Root",
            "principalId": caller.account,
            "arn": caller.arn,
            "accountId": caller.account,
        }
    elif caller.principal_type == "User":
        identity = {
            "type": "IAMUser",
            "principalId": principal_id,
            "arn": caller.arn,
            "accountId": caller.account,
            "userName": caller.arn.rsplit("/", 1)[-1],
        }
    else:
        session = caller.arn.rsplit("/", 1)[-1]
        identity = {
            "type": "AssumedRole",
            "principalId": f"{principal_id}:{session}",
            "arn": caller.arn,
            "accountId": caller.account,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": principal_id,
                    "arn": caller.principal_arn,
                    "accountId": caller.account,
                    "userName": caller.principal_arn.rsplit("/", 1)[-1],
                },
                "attributes": {"mfaAuthenticated": "false"},
            },
        }
    if caller.via_service is not None:
        # kms:ViaService names the service's regional endpoint; CloudTrail its domain.
        identity["invokedBy"] = _service_domain(caller.via_service)
    return identity


def _principal_id(caller: Caller) -> str:
    prefix = "AIDA" if caller.principal_type == "User" else "AROA"
    digest = int.from_bytes(hashlib.sha256(caller.principal_arn.encode()).digest()[:11], "big")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    chars = []
    for _ in range(17):
        digest, index = divmod(digest, 32)
        chars.append(alphabet[index])
    return prefix + "".join(chars)


def _service_domain(via_service: str) -> str:
    name = via_service.split(".", 1)[0]
    return f"{name}.amazonaws.com"


def _logged(values: Mapping[str, Any]) -> dict[str, Any]:
    """Request parameters or response elements as CloudTrail logs them: lowerCamelCase
    names, timestamps as ISO strings, no secret or binary values."""
    logged: dict[str, Any] = {}
    for name, value in values.items():
        if name in _SECRET_PARAMS or isinstance(value, (bytes, bytearray, memoryview)):
            continue
        if name in _USER_MAPS and isinstance(value, Mapping):
            logged[name[:1].lower() + name[1:]] = dict(value)
        else:
            logged[name[:1].lower() + name[1:]] = _value(value)
    return logged


def _value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _logged(value)
    if isinstance(value, (list, tuple)):
        return [_value(item) for item in value if not isinstance(item, bytes)]
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)

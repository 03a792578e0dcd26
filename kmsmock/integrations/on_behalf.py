"""Calling KMS as an AWS service calls it on a caller's behalf.

A service that uses KMS for a request makes its KMS calls with the requester's own
permissions (a forward access session): the calls are authorized for the principal that signed
the service request, with ``kms:ViaService`` naming the service's endpoint in the Region
(``s3.us-east-1.amazonaws.com``) and ``kms:CallerAccount`` that principal's account; CloudTrail
names the principal in ``userIdentity`` and the service in ``invokedBy``, ``sourceIPAddress``
and ``userAgent`` (AWS documents the record for Secrets Manager: "How AWS Secrets Manager uses
AWS KMS", "Monitor Secrets Manager interaction with AWS KMS"; the other services are taken to
log the same way).

Every such call goes through ``kmsmock.protocol.service.serve``, the path every KMS request
the mock serves takes: key state, key policy, IAM policies, grants, injected faults and
quotas decide it as they decide a direct call, and it is recorded as an audit event, counted
for the cost report and listed in the failing-test report, naming the service request it was
made for.

What the services remember between requests (which key protects an object, a parameter
version, a secret version) is kept per mock world here, so a later read meets the key's
state and policy as they are then.
"""

from __future__ import annotations

import base64
import json
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from kmsmock.protocol.service import serve

if TYPE_CHECKING:
    from kmsmock.backend.state import World
    from kmsmock.policy.model import Caller
    from kmsmock.seams.active import Served

T = TypeVar("T")

# KMS's binary members, base64 in its JSON protocol.
_BLOBS = frozenset({"Plaintext", "CiphertextBlob"})


class Refusal(Exception):
    """KMS refused a call the service made: its error code and message, and the KMS request's
    ID (services quote it in the message they wrap KMS's in)."""

    def __init__(self, code: str, message: str, request_id: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.request_id = request_id

    def java_sdk_detail(self) -> str:
        """KMS's refusal as the AWS SDK for Java prints a service exception, the form SSM and
        Secrets Manager put after their own words (recorded from AWS; see ssm.py)."""
        return (
            f"{self.message} (Service: AWSKMS; Status Code: 400; Error Code: {self.code}; "
            f"Request ID: {self.request_id}; Proxy: null)"
        )


@dataclass(frozen=True, slots=True)
class ServiceError:
    """The error a service answers a request with: HTTP status, code and message."""

    status: int
    code: str
    message: str


# What a service module's ``before`` returns: an error to answer the request with now; a
# function to call with the service's parsed answer once it has answered successfully (it
# may turn that answer into an error: a refused read); or None (nothing to do).
After = Callable[[dict[str, Any]], "ServiceError | None"]
Outcome = ServiceError | After | None


@dataclass(frozen=True, slots=True)
class Acting:
    """One service request, as the service acts on it: whose it is and where."""

    mock: Served
    world: World
    # The principal that signed the service request, with kms:ViaService set to the service.
    caller: Caller
    region: str
    partition: str
    # What the report names the request by, e.g. "S3 PutObject s3://bucket/key".
    request: str

    def about(self, resource: str) -> Acting:
        """This request, named with the resource it is about."""
        return replace(self, request=f"{self.request} {resource}")

    def kms(self, operation: str, **params: Any) -> dict[str, Any]:
        """Make one KMS call as the service, for the caller; its result (binary members as
        bytes), or ``Refusal``. A mock set up wrong raises ``KmsMockUsageError`` as a direct
        call does."""
        body = json.dumps(
            {
                name: base64.b64encode(value).decode() if name in _BLOBS else value
                for name, value in params.items()
            }
        ).encode()
        status, headers, payload = serve(
            self.world,
            operation,
            body,
            account=self.caller.account,
            region=self.region,
            caller=self.caller,
            service_request=self.request,
        )
        answer: dict[str, Any] = json.loads(payload) if payload else {}
        if status >= 300:
            raise Refusal(
                str(answer.get("__type", "KMSInternalException")),
                str(answer.get("message", answer.get("Message", ""))),
                headers.get("x-amzn-RequestId", ""),
            )
        return {
            name: base64.b64decode(value) if name in _BLOBS else value
            for name, value in answer.items()
        }


@dataclass(frozen=True, slots=True)
class Sealed:
    """A data key (or a value) a service keeps encrypted under a KMS key: what it needs to
    call Decrypt again later."""

    key_arn: str
    blob: bytes
    context: Mapping[str, str]

    def open(self, acting: Acting) -> None:
        """Decrypt it as the service does on a read (the plaintext is not needed)."""
        acting.kms("Decrypt", CiphertextBlob=self.blob, EncryptionContext=dict(self.context))


# Each world's remembered resources, by service: they live and die with the world.
_remembered: weakref.WeakKeyDictionary[World, dict[str, Any]] = weakref.WeakKeyDictionary()
_remembered_lock = threading.Lock()


def remembered(world: World, service: str, make: Callable[[], T]) -> T:
    """What ``service`` remembers in ``world`` (made by ``make`` the first time)."""
    with _remembered_lock:
        held = _remembered.get(world)
        if held is None:
            held = _remembered[world] = {}
        found = held.get(service)
        if found is None:
            found = held[service] = make()
        return found

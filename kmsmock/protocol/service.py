"""One request in, one response out: the protocol around ``dispatch``.

Both adapters (the in-process botocore hook, and the local server) call ``serve`` with the
operation name, the raw JSON body and who is asking. It raises nothing but
``KmsMockUsageError``: a mistake in how a test set the mock up (a misconfigured fault, an
invalid setting) is the test's to see as it is, not an AWS error nor a kmsmock bug.
"""

from __future__ import annotations

import itertools
import logging
import random

from kmsmock.aws import clock
from kmsmock.aws.partitions import partition_of
from kmsmock.aws.service_model import error_status, operation_model, operation_names
from kmsmock.backend.audit import AuditEvent, kept_result, key_arn_of, loggable
from kmsmock.backend.context import RequestContext
from kmsmock.backend.price_class import price_class
from kmsmock.backend.principals import root_caller
from kmsmock.backend.state import World
from kmsmock.errors import KmsError, KmsMockUsageError, NotImplementedOperation
from kmsmock.operations.dispatch import dispatch, is_implemented
from kmsmock.policy.model import Caller
from kmsmock.protocol.parse import parse_request
from kmsmock.protocol.serialize import serialize_error, serialize_result

logger = logging.getLogger("kmsmock")


def serve(
    world: World,
    operation: str,
    body: bytes,
    *,
    account: str,
    region: str,
    caller: Caller | None = None,
    service_request: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """Serve one KMS request: (HTTP status, headers, body) as AWS would answer it.

    ``caller`` is who asks (the root of ``account`` if not given). ``service_request`` names
    the request of another AWS service this call was made for, when a service integration
    makes it (kmsmock/integrations), for the audit event. Raises ``KmsMockUsageError`` when
    the mock was set up wrong; answers everything else."""
    request_id = new_request_id()
    headers = {
        "x-amzn-RequestId": request_id,
        "Content-Type": "application/x-amz-json-1.1",
    }
    # What the audit event records; filled in as far as the request gets.
    now = clock.now()
    who = caller
    params = None
    result = None
    code = message = None
    context: RequestContext | None = None
    try:
        try:
            if operation not in operation_names():
                raise KmsError("UnknownOperationException", "")
            if not is_implemented(operation):
                # Before validation: a request that passed it would only meet this answer next.
                raise NotImplementedOperation(operation)
            model = operation_model(operation)
            partition = partition_of(region)
            if who is None:
                who = root_caller(account, partition)
            params = parse_request(model, body)
            context = RequestContext(
                operation=operation,
                account=account,
                region=region,
                partition=partition,
                world=world,
                now=now,
                request_id=request_id,
                caller=who,
                params=params,
            )
            result = dispatch(context, params)
            # Only requests served are counted: whether AWS bills failed ones is unknown.
            caller = context.caller
            world.billing.count(
                context.account if caller is None else caller.account,
                region,
                price_class(context, result),
                now,
            )
            return 200, headers, serialize_result(model, result)
        except KmsError as error:
            code, message = error.code, error.message
            return error_status(error.code), headers, serialize_error(error)
        except KmsMockUsageError as error:
            code, message = USAGE_ERROR, str(error)
            raise
        except Exception as error:  # a bug in kmsmock: say so, never leak a traceback
            code, message = "KMSInternalException", str(error)
            return internal_error(operation, error, request_id=request_id)
    finally:
        # The key the request resolved (authorization notes it), else the one its response
        # names.
        key = context.key_arn if context is not None else None
        if key is None and result is not None:
            key = key_arn_of(result)
        world.events.append(
            AuditEvent(
                operation,
                now,
                region,
                account,
                who if who is not None else root_caller(account, partition_of(region)),
                request_id,
                loggable(params),
                kept_result(operation, result),
                code,
                message,
                key,
                None,
                service_request=service_request,
            )
        )


def internal_error(
    operation: str, error: Exception, *, request_id: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    """The answer to a request kmsmock failed to serve because of a bug in kmsmock."""
    logger.error("kmsmock failed serving %s", operation, exc_info=error)
    internal = KmsError(
        "KMSInternalException",
        f"kmsmock failed serving {operation}: {type(error).__name__}: {error}. "
        "This is a kmsmock bug; please report it.",
    )
    headers = {
        "x-amzn-RequestId": request_id or new_request_id(),
        "Content-Type": "application/x-amz-json-1.1",
    }
    # 400 rather than KMSInternalException's 500, so botocore does not retry a bug.
    return 400, headers, serialize_error(internal)


# The code the local endpoint answers a usage error with, and audit events record it under:
# no AWS error, so a botocore client sees it by this name, with kmsmock's message intact.
USAGE_ERROR = "KmsMockUsageError"


def usage_error(error: KmsMockUsageError) -> tuple[int, dict[str, str], bytes]:
    """The local endpoint's answer to a request the mock was set up wrong to serve: HTTP 400
    (so no client retries it) with the usage error's message as it is."""
    headers = {
        "x-amzn-RequestId": new_request_id(),
        "Content-Type": "application/x-amz-json-1.1",
    }
    return 400, headers, serialize_error(KmsError(USAGE_ERROR, str(error)))


def new_request_id() -> str:
    """A request ID shaped as AWS's (a version-4 UUID), unique in this process: random
    leading groups drawn once, and a counter in the last group. Not a secret, and made for
    every request, so it costs a counter step and one format."""
    return f"{_REQUEST_ID_PREFIX}{next(_request_ids):012x}"


def _request_id_prefix() -> str:
    digits = f"{(random.SystemRandom().getrandbits(128) & _UUID4_MASK) | _UUID4_BITS:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-"


# The version (4) and variant (10xx) bits of a random UUID, set over the random bits; the
# bits they replace are cleared by _UUID4_MASK.
_UUID4_BITS = (4 << 76) | (2 << 62)
_UUID4_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_REQUEST_ID_PREFIX = _request_id_prefix()
# Starts at a random point, so IDs of two processes (xdist workers) do not line up either.
_request_ids = itertools.count(random.SystemRandom().getrandbits(40))

"""One request in, one response out: the protocol around ``dispatch``.

Both adapters (the in-process botocore hook, and later the local server) call ``serve`` with
the operation name, the raw JSON body and who is asking; it never raises.
"""

from __future__ import annotations

import logging
import uuid

from kmsmock import clock
from kmsmock.backend.context import RequestContext
from kmsmock.backend.registry import dispatch
from kmsmock.backend.state import World
from kmsmock.errors import KmsError
from kmsmock.protocol.model import error_status, operation_model, service_model
from kmsmock.protocol.parse import parse_request
from kmsmock.protocol.serialize import serialize_error, serialize_result

logger = logging.getLogger("kmsmock")


def serve(
    world: World, operation: str, body: bytes, *, account: str, region: str
) -> tuple[int, dict[str, str], bytes]:
    """Serve one KMS request: (HTTP status, headers, body) as AWS would answer it."""
    headers = {
        "x-amzn-RequestId": str(uuid.uuid4()),
        "Content-Type": "application/x-amz-json-1.1",
    }
    try:
        if operation not in service_model().operation_names:
            raise KmsError("UnknownOperationException", "")
        model = operation_model(operation)
        params = parse_request(model, body)
        context = RequestContext(
            operation=operation,
            account=account,
            region=region,
            partition=partition_of(region),
            world=world,
            now=clock.now(),
        )
        result = dispatch(context, params)
        return 200, headers, serialize_result(model, result)
    except KmsError as error:
        return error_status(error.code), headers, serialize_error(error)
    except Exception as error:  # a bug in kmsmock: say so, never leak a traceback into botocore
        logger.exception("kmsmock failed serving %s", operation)
        internal = KmsError(
            "KMSInternalException",
            f"kmsmock failed serving {operation}: {type(error).__name__}: {error}. "
            "This is a kmsmock bug; please report it.",
        )
        # 400 rather than KMSInternalException's 500, so botocore does not retry a bug.
        return 400, headers, serialize_error(internal)


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-iso-"):
        return "aws-iso"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    return "aws"

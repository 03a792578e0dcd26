"""A service's error as its wire protocol carries it, parsed by botocore as any answer is.

S3 (REST-XML) answers with an ``<Error>`` document (nothing for HEAD, whose errors are read
from the status alone), SSM and Secrets Manager (AWS JSON 1.1) with ``{"__type", "message"}``.
The bytes go through botocore's own parser, with the modeled error fields added as its
endpoint adds them, so a test sees the error exactly as botocore would raise it from the
service: ``client.exceptions.InvalidKeyId``, ``ClientError.response["Error"]`` and all.
"""

from __future__ import annotations

import base64
import json
import os
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.parsers import create_parser

from kmsmock.integrations.on_behalf import ServiceError
from kmsmock.protocol.service import new_request_id

if TYPE_CHECKING:
    from collections.abc import Iterator

    from botocore.model import OperationModel

# Each service's answer to a request kmsmock failed to handle (a kmsmock bug).
_INTERNAL = {"s3": "InternalError", "ssm": "InternalServerError"}


class _Raw:
    """What ``AWSResponse`` reads its body from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def response(model: OperationModel, error: ServiceError) -> tuple[AWSResponse, dict[str, Any]]:
    """``error`` as botocore takes a service's answer: (HTTP response, parsed response)."""
    headers, body = _encoded(model, error)
    http = AWSResponse("", error.status, headers, _Raw(body))
    return http, _parsed(model, error.status, headers, body)


def replace(
    model: OperationModel,
    http_response: AWSResponse,
    parsed: dict[str, Any],
    error: ServiceError,
) -> None:
    """Make the service's successful answer (not yet returned to the caller) ``error``: the
    same objects botocore is about to look at, changed in place."""
    headers, body = _encoded(model, error)
    streamed: Any = parsed.get("Body")
    if streamed is not None and hasattr(streamed, "close"):
        streamed.close()  # an object's body the caller will never read
    replacement = _parsed(model, error.status, headers, body)
    parsed.clear()
    parsed.update(replacement)
    http_response.status_code = error.status
    http_response.headers = headers  # type: ignore[assignment]  # what botocore's own are


def internal_error(model: OperationModel, failure: Exception) -> ServiceError:
    """The service's answer to a request whose KMS calls kmsmock failed to make (a bug in
    kmsmock): status 500, which botocore does not retry here, and a message that says so."""
    code = _INTERNAL.get(model.service_model.service_id.hyphenize(), "InternalServiceError")
    return ServiceError(
        500,
        code,
        f"kmsmock failed making the KMS calls of {model.name}: {type(failure).__name__}: "
        f"{failure}. This is a kmsmock bug; please report it.",
    )


def _protocol(model: OperationModel) -> str:
    service = model.service_model
    resolved = getattr(service, "resolved_protocol", None)  # botocore 1.37+
    return str(resolved or service.metadata["protocol"])


def _encoded(model: OperationModel, error: ServiceError) -> tuple[HTTPHeaders, bytes]:
    headers = HTTPHeaders()
    if _protocol(model) == "rest-xml":
        # S3's request IDs: 16 hex digits, and a base64 host ID.
        request_id = os.urandom(8).hex().upper()
        headers["x-amz-request-id"] = request_id
        headers["x-amz-id-2"] = base64.b64encode(os.urandom(56)).decode()
        headers["Content-Type"] = "application/xml"
        body = b""
        if model.http.get("method") != "HEAD":
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<Error><Code>{escape(error.code)}</Code>"
                f"<Message>{escape(error.message)}</Message>"
                f"<RequestId>{request_id}</RequestId>"
                f"<HostId>{headers['x-amz-id-2']}</HostId></Error>"
            ).encode()
    else:
        headers["x-amzn-RequestId"] = new_request_id()
        headers["Content-Type"] = "application/x-amz-json-1.1"
        body = json.dumps({"__type": error.code, "message": error.message}).encode()
    headers["Content-Length"] = str(len(body))
    return headers, body


def _parsed(
    model: OperationModel, status: int, headers: HTTPHeaders, body: bytes
) -> dict[str, Any]:
    """The answer as botocore's endpoint parses it (its ``_add_modeled_error_fields`` too)."""
    parser = create_parser(_protocol(model))
    response_dict = {
        "headers": headers,
        "status_code": status,
        "body": body,
        "context": {"operation_name": model.name},
    }
    # An operation with no output has no shape; its errors parse all the same.
    parsed: dict[str, Any] = parser.parse(response_dict, model.output_shape)  # type: ignore[arg-type]
    code = parsed.get("Error", {}).get("Code")
    shape = None if code is None else model.service_model.shape_for_error_code(code)
    if shape is not None:
        parsed.update(parser.parse(response_dict, shape))
    return parsed

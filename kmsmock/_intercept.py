"""The one seam into botocore: a ``before-send.kms`` handler.

Installed once, when ``kmsmock`` is imported, into botocore's list of built-in handlers, so
every botocore session created afterwards (and every client made from it, before or during a
mock) routes KMS requests through it. While no mock is active it returns ``None`` and botocore
sends the request as it always does. Only ``before-send.kms.*`` events reach it: other
services are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from botocore import handlers
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders

from kmsmock import _active
from kmsmock.protocol.service import serve

EVENT = "before-send.kms"
_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/")
_HOST_REGION = re.compile(r"kms(?:-fips)?\.([a-z0-9-]+)\.amazonaws")


class _Body:
    """What ``AWSResponse`` reads its content from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def handle_before_send(request: AWSPreparedRequest, event_name: str, **_: Any) -> Any:
    mock = _active.current()
    if mock is None:
        return None
    operation = event_name.rsplit(".", 1)[-1]
    access_key, region = _signer_scope(request)
    status, headers, payload = serve(
        mock.world,
        operation,
        _body_bytes(request.body),
        account=mock.account_for(access_key),
        region=region,
    )
    http_headers = HTTPHeaders()
    for name, value in headers.items():
        http_headers[name] = value
    http_headers["Content-Length"] = str(len(payload))
    return AWSResponse(request.url, status, http_headers, _Body(payload))


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    data = body.read()
    return data.encode() if isinstance(data, str) else bytes(data)


def _signer_scope(request: AWSPreparedRequest) -> tuple[str | None, str]:
    """The access key and region the request was signed for (SigV4 credential scope)."""
    authorization = request.headers.get("Authorization", b"")
    if isinstance(authorization, bytes):
        authorization = authorization.decode()
    match = _SCOPE.search(authorization)
    if match:
        return match.group(1), match.group(2)
    host = _HOST_REGION.search(request.url)
    return None, host.group(1) if host else "us-east-1"


def install() -> None:
    """Register the handler for every botocore session created from now on (idempotent)."""
    entry = (EVENT, handle_before_send)
    if entry not in handlers.BUILTIN_HANDLERS:
        handlers.BUILTIN_HANDLERS.append(entry)

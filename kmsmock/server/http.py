"""The HTTP side of the local endpoint: a standard-library threaded server speaking KMS's
JSON 1.1 protocol.

Every request is answered by ``kmsmock.protocol.service.serve``, as the in-process botocore
hook answers it: same backend, same policy engine, same audit events. This module only turns
HTTP into (operation, body, caller, Region) and back, and answers what is wrong at the HTTP
level (framing, host, method, path, content type, target, size, signature) with AWS-shaped
JSON errors. Nothing a client sends ends the server: every failure is answered or, for a
client that has gone, logged. How many connections are served, and how long a request may
take to arrive, is kmsmock/server/limits.py; which hosts are answered, hosts.py.

Every answer leaves in one write, on a socket with Nagle's algorithm off: an answer split in
two small writes waits for the client's delayed acknowledgement of the first (about 40 ms on
Linux) before the second leaves, on every request of a kept-alive connection.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kmsmock.aws.partitions import partition_of
from kmsmock.backend.principals import root_caller
from kmsmock.backend.state import World
from kmsmock.errors import KmsError, KmsMockUsageError
from kmsmock.policy.model import Caller
from kmsmock.protocol.service import (
    internal_error,
    new_request_id,
    serve,
    usage_error,
)
from kmsmock.server import auth, sigv4
from kmsmock.server.hosts import HostCheck
from kmsmock.server.limits import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    ConnectionLimit,
    DeadlineReader,
)
from kmsmock.server.logs import log_request

logger = logging.getLogger("kmsmock.server")

TARGET_PREFIX = "TrentService."
JSON_TYPES = frozenset({"application/x-amz-json-1.1", "application/x-amz-json-1.0"})
HEALTH_PATHS = frozenset({"/health", "/_kmsmock/health"})
DEFAULT_MAX_BODY = 1024 * 1024
# A body over the limit is read and thrown away (so the client, still sending, gets the
# answer rather than a reset connection) up to this many bytes; beyond, the connection closes.
_DRAIN_LIMIT = 64 * 1024 * 1024
_CHUNK = 64 * 1024
_DIGITS = re.compile(r"[0-9]+")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kmsmock")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


class ClientGone(Exception):
    """The client closed the connection before sending the whole body."""


def framing_problem(headers: Any) -> tuple[int, str] | None:
    """What makes a request's body boundary ambiguous, as (HTTP status, message); None when
    it is not. A server and a proxy in front of it that read the boundary differently let a
    client hide a second request in the first (request smuggling): such requests are refused
    and their connection closed (RFC 9112, section 6.3)."""
    if headers.defects or headers.get_payload():
        # A line that is not a header (e.g. "Content-Length : 5") ends Python's header parsing:
        # the headers after it would be read as the body.
        return 400, "the request has a malformed header line"
    lengths = headers.get_all("Content-Length") or []
    if headers.get_all("Transfer-Encoding"):
        if lengths:
            return 400, (
                "the request has both a Transfer-Encoding and a Content-Length header: the "
                "length of its body is ambiguous"
            )
        # SigV4 signs a length-delimited body; no AWS SDK chunks a KMS request.
        return 411, "kmsmock's local endpoint needs a Content-Length; chunked bodies are not read"
    if len(lengths) > 1:
        return 400, (
            f"the request has {len(lengths)} Content-Length headers: the length of its body "
            "is ambiguous"
        )
    if lengths and not _DIGITS.fullmatch(lengths[0].strip()):
        return 400, f"the Content-Length {lengths[0].strip()[:40]!r} is not a number of bytes"
    return None


class _Writer(io.BufferedIOBase):
    """A socket's writing side: each write is one ``sendall``."""

    def __init__(self, connection: socket.socket) -> None:
        super().__init__()
        self._connection = connection

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._connection.sendall(data)
        return len(data)


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The Date header's value, made once a second."""
    global _date_cache
    now = int(time.time())
    second, text = _date_cache
    if second != now:
        text = formatdate(now, usegmt=True)
        _date_cache = (now, text)
    return text


class KmsHTTPServer(ThreadingHTTPServer):
    """One endpoint: its world, the account and Region unsigned defaults fall back to."""

    daemon_threads = True
    # Many clients connect at once in tests; the default backlog of 5 refuses some.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        world: World,
        *,
        account_id: str,
        region: str,
        max_body: int = DEFAULT_MAX_BODY,
        caller_for: Callable[[str | None, str], Caller] | None = None,
        strict_auth: bool = False,
        allow_hosts: Iterable[str] = (),
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        on_served: Callable[[], None] | None = None,
    ) -> None:
        self.world = world
        # Only known access keys, signed with their secrets, within the clock skew (auth.py).
        self.strict_auth = strict_auth
        # Called after each KMS request is served and before its response is written (a
        # durable server journals the request's changes: persist/durable.py); a KmsError it
        # raises is answered instead of the response.
        self.on_served = on_served
        self.account_id = account_id
        self.region = region
        self.max_body = max_body
        self.hosts = HostCheck(allow_hosts)
        self.connections = ConnectionLimit(max_connections)
        self.idle_timeout = idle_timeout
        self._caller_for = caller_for
        self.started = time.time()
        self._served = 0
        self._served_lock = threading.Lock()
        super().__init__(address, KmsRequestHandler)

    @property
    def requests_served(self) -> int:
        return self._served

    def count_request(self) -> None:
        with self._served_lock:  # handler threads finish at once under load
            self._served += 1

    def caller_for(self, access_key: str, region: str) -> Caller:
        """As ``KmsMock.caller_for``: issued credentials act as their principal; any other
        access key as the ``acting_as()`` principal in force (a mock sharing this world set
        it), else as the root of the endpoint's account, in the Region's partition."""
        if self._caller_for is not None:
            return self._caller_for(access_key, region)
        access = self.world.access
        caller = access.callers.get(access_key) or access.acting
        if caller is not None:
            return caller
        return root_caller(self.account_id, partition_of(region))

    def secret_of(self, access_key: str) -> str | None:
        # Added to Access by the principals module; an older world knows no secrets.
        secrets: dict[str, str] = getattr(self.world.access, "secret_keys", {})
        return secrets.get(access_key)

    def process_request(self, request: Any, client_address: Any) -> None:
        # Runs on the thread that accepts connections: a refusal must not wait on the client.
        if not self.connections.enter(request):
            self.connections.refuse(request, client_address)
            return
        try:
            super().process_request(request, client_address)  # starts the connection's thread
        except BaseException:
            self.connections.leave(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.leave(request)

    def server_close(self) -> None:
        super().server_close()
        self.connections.close_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints a traceback to stderr; a broken client is not worth one.
        logger.debug("connection from %s failed", client_address, exc_info=True)


class KmsRequestHandler(BaseHTTPRequestHandler):
    server: KmsHTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive: SDKs reuse their connections
    server_version = "kmsmock"
    _reader: DeadlineReader
    _principal: str | None = None
    _request_id: str | None = None

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        # As StreamRequestHandler.setup, with reads bound by the request's deadline.
        self.connection = self.request
        with contextlib.suppress(OSError):  # not TCP (a socket pair): nothing to turn off
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connection.settimeout(self.server.idle_timeout)
        self._reader = DeadlineReader(self.connection)
        self.rfile = io.BufferedReader(self._reader)
        self.wfile = _Writer(self.connection)

    def handle_one_request(self) -> None:
        # The whole request, from the first byte of its request line to the last of its body,
        # must arrive within the idle timeout (limits.py).
        self._reader.start(self.server.idle_timeout)
        super().handle_one_request()

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        # http.server calls this when a read of the request line or headers times out.
        if not format.startswith("Request timed out"):
            logger.debug(format, *args)
        elif self._reader.received:
            logger.info(
                "connection from %s closed: its request did not arrive within %gs (--idle-timeout)",
                self.client_address[0],
                self.server.idle_timeout,
            )
        else:
            logger.debug(
                "connection from %s closed: idle for %gs",
                self.client_address[0],
                self.server.idle_timeout,
            )

    # -- routing ---------------------------------------------------------------------------

    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        self._timed(self._post)

    def do_GET(self) -> None:  # noqa: N802
        self._timed(self._get)

    def _other(self) -> None:
        self._timed(self._not_kms)

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _other  # noqa: N815

    def _timed(self, handle: Callable[[], tuple[str, int]]) -> None:
        start = time.perf_counter()
        self._principal = self._request_id = None
        try:
            refused = self._screen()
            operation, status = handle() if refused is None else refused
        except ClientGone as gone:
            self.close_connection = True
            logger.info("%s %s: client disconnected (%s)", self.command, self.path, gone)
            return
        except TimeoutError:
            self.close_connection = True
            logger.info(
                "%s %s: connection closed: the request did not arrive within %gs "
                "(--idle-timeout), or its answer was not read",
                self.command,
                self.path,
                self.server.idle_timeout,
            )
            return
        except ConnectionError as error:
            self.close_connection = True
            logger.info("%s %s: connection lost (%s)", self.command, self.path, error)
            return
        log_request(
            operation,
            status,
            (time.perf_counter() - start) * 1000,
            principal=self._principal,
            request_id=self._request_id,
            client=str(self.client_address[0]),
        )

    def _screen(self) -> tuple[str, int] | None:
        """Refuse a request whose framing is ambiguous or whose Host is not this endpoint's,
        before reading its body: an answered error, or None to serve it."""
        framing = framing_problem(self.headers)
        if framing is not None:
            self.close_connection = True  # where this request ends, and the next begins, is unknown
            status, message = framing
            return self._error(
                self._label(), KmsError("SerializationException", message), status=status
            )
        host = self.server.hosts.refusal(
            self.headers.get_all("Host") or [],
            http_11=self.request_version not in ("HTTP/0.9", "HTTP/1.0"),
        )
        if host is None:
            return None
        self._drain(self._content_length(default=0))
        self.close_connection = True
        status, message = host
        return self._error(
            self._label(), KmsError("InvalidHostHeaderException", message), status=status
        )

    def _label(self) -> str:
        """The operation a request names (for its log line), else its target or "-"."""
        if self.command != "POST":
            if self.command == "GET" and self._route() in HEALTH_PATHS:
                return "health"
            return f"{self.command} {self._route()}"
        target = self.headers.get("X-Amz-Target", "")
        return target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else target or "-"

    def _get(self) -> tuple[str, int]:
        if self._route() in HEALTH_PATHS:
            self._drain(self._content_length(default=0))
            body = json.dumps(self._health()).encode()
            self._send(200, {"Content-Type": "application/json"}, body)
            return "health", 200
        return self._not_kms()

    def _health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "service": "kms",
            "version": _version(),
            "account_id": self.server.account_id,
            "region": self.server.region,
            "uptime_seconds": round(time.time() - self.server.started, 3),
            "requests_served": self.server.requests_served,
            "connections_open": self.server.connections.open,
        }

    def _not_kms(self) -> tuple[str, int]:
        """A method or path KMS does not serve: answered as AWS's JSON services answer a
        request that names no operation (UnknownOperationException), with the HTTP status
        that says what was wrong: 404 for a path, 405 for a method."""
        self._drain(self._content_length(default=0))
        known = self._route() == "/" or self._route() in HEALTH_PATHS
        return self._error(
            f"{self.command} {self._route()}",
            KmsError("UnknownOperationException", ""),
            status=405 if known else 404,
        )

    def _route(self) -> str:
        return self.path.split("?", 1)[0]

    # -- a KMS request ---------------------------------------------------------------------

    def _post(self) -> tuple[str, int]:
        if self._route() != "/":
            return self._not_kms()
        target = self.headers.get("X-Amz-Target", "")
        operation = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
        label = operation or target or "-"
        length = self._content_length(default=0)
        if length < 0:
            self.close_connection = True
            return self._error(label, KmsError("SerializationException", ""), status=400)
        if length > self.server.max_body:
            self._drain(length, close_after=True)
            return self._error(
                label,
                KmsError(
                    "RequestEntityTooLargeException",
                    f"the request body of {length} bytes is larger than this local endpoint's "
                    f"limit of {self.server.max_body} bytes (kmsmock serve --max-body)",
                ),
                status=413,
            )
        body = self._read(length)
        content_type = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if not operation or content_type not in JSON_TYPES:
            # AWS resolves the operation from the target and the protocol from the content
            # type; a request matching no operation of the service gets this answer.
            return self._error(label, KmsError("UnknownOperationException", ""))
        try:
            caller, region = self._authenticate(body)
        except KmsError as error:
            return self._error(label, error)
        self._principal = caller.arn
        try:
            status, headers, payload = serve(
                self.server.world,
                operation,
                body,
                account=caller.account,
                region=region,
                caller=caller,
            )
        except KmsMockUsageError as error:  # the mock was set up wrong: say so as it is
            status, headers, payload = usage_error(error)
        except Exception as error:  # serve raises nothing else; if it does, the server stays up
            status, headers, payload = internal_error(operation, error)
        if self.server.on_served is not None:
            try:
                self.server.on_served()
            except KmsError as error:  # 400, as internal_error: a retry would change it again
                return self._error(operation, error, status=400)
        self._send(status, headers, payload)
        return operation, status

    def _authenticate(self, body: bytes) -> tuple[Caller, str]:
        headers = self._lower_headers()
        signature = sigv4.parse_authorization(
            self.headers.get("Authorization"),
            has_date="x-amz-date" in headers or "date" in headers,
        )
        path, _, query = self.path.partition("?")
        auth.authenticate(
            signature,
            self.server.secret_of(signature.access_key),
            strict=self.server.strict_auth,
            method=self.command,
            path=path,
            query=query,
            headers=headers,
            body=body,
        )
        # As the in-process hook does: the caller of the access key, the Region of the scope.
        return self.server.caller_for(signature.access_key, signature.region), signature.region

    # -- HTTP plumbing ---------------------------------------------------------------------

    def _lower_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]},{value.strip()}" if key in headers else value.strip()
        return headers

    def _content_length(self, *, default: int) -> int:
        raw = self.headers.get("Content-Length")
        if raw is None:
            return default
        try:
            return int(raw.strip())
        except ValueError:
            return -1

    def _read(self, length: int) -> bytes:
        chunks = []
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, _CHUNK))
            if not chunk:
                raise ClientGone(f"got {length - remaining} of {length} body bytes")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _drain(self, length: int, *, close_after: bool = False) -> None:
        """Read and drop a body that will not be served."""
        if length <= 0:
            return
        if length > _DRAIN_LIMIT:
            self.close_connection = True
            return
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, _CHUNK))
            if not chunk:
                raise ClientGone(f"got {length - remaining} of {length} body bytes")
            remaining -= len(chunk)
        if close_after:
            self.close_connection = True

    def _error(self, label: str, error: KmsError, *, status: int | None = None) -> tuple[str, int]:
        from kmsmock.aws.service_model import error_status
        from kmsmock.protocol.serialize import serialize_error

        code = error_status(error.code) if status is None else status
        headers = {
            "x-amzn-RequestId": new_request_id(),
            "Content-Type": "application/x-amz-json-1.1",
        }
        self._send(code, headers, serialize_error(error))
        return label, code

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        # Counted before the answer leaves: a client holding it may read the count at once.
        self.server.count_request()
        self._request_id = headers.get("x-amzn-RequestId")
        self._write(status, headers, body)

    def _write(self, status: int, headers: dict[str, str], body: bytes) -> None:
        """Send an answer in one write (see the module's docstring): status line, headers
        and body built into one buffer."""
        if self.request_version == "HTTP/0.9":  # an HTTP/0.9 answer is its body alone
            data = body
        else:
            phrase = self.responses[status][0] if status in self.responses else ""
            lines = [
                f"{self.protocol_version} {status} {phrase}",
                f"Server: {self.server_version}",
                f"Date: {_http_date()}",
                *(f"{name}: {value}" for name, value in headers.items()),
                f"Content-Length: {len(body)}",
            ]
            if self.close_connection:
                lines.append("Connection: close")
            head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
            data = head if self.command == "HEAD" else head + body
        # The reads of the request may have left a short timeout; the answer gets a full one.
        self.connection.settimeout(self.server.idle_timeout)
        self.wfile.write(data)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's answer to HTTP it cannot parse (a bad request line, an unknown
        method, oversized headers), as JSON rather than its HTML page."""
        kind = "UnknownOperationException" if code == 501 else "SerializationException"
        body = json.dumps({"__type": kind, "message": message or ""}).encode()
        self.close_connection = True
        with contextlib.suppress(OSError):  # the client has gone: nothing to answer
            self._write(code, {"Content-Type": "application/x-amz-json-1.1"}, body)
        logger.info("%s %d (%s)", self.requestline or "-", code, message)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        # http.server's own lines (malformed request lines, timeouts) go through logging too.
        logger.debug(format, *args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # _timed logs one line per request, with the operation and the time taken

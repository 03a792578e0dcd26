"""The seams into botocore: a ``before-send.kms`` handler (with its ``before-sign.kms`` aide),
and a backstop at the HTTP send for clients that predate kmsmock.

The handlers are installed when ``kmsmock`` is imported, through botocore's public session
initializer (``botocore.register_initializer``): every botocore session created afterwards
registers both (with a ``unique_id``, so never twice), and every client made from such a
session, before or during a mock, routes KMS requests through them. Only
``before-sign.kms.*`` and ``before-send.kms.*`` events reach them: other services are never
touched.

Sessions made before kmsmock was imported (boto3's default session in a module that imported
boto3 first, say) never got the handlers, and their clients copied their session's events when
they were made. Their KMS requests are caught where botocore sends every request over HTTP:
``URLLib3Session.send`` is wrapped, once, the first time it can matter (at import if botocore's
HTTP layer is loaded already, else when a mock starts or real AWS is blocked). The wrapper
looks at one header (``X-Amz-Target: TrentService.*`` is KMS's JSON protocol and no other
service's) and lets every other request through unchanged.

While no mock is active the handlers and the backstop leave requests alone, unless real AWS
is blocked (``kmsmock.seams.guard``): then a KMS request raises ``KmsMockUsageError``.

Importing this module costs almost nothing (``import botocore`` alone): the protocol, the
service model and the cryptography are imported by the first KMS request a mock serves.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

import botocore

from kmsmock.errors import KmsMockUsageError
from kmsmock.seams import active as _active
from kmsmock.seams import guard as _guard

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest, AWSRequest
    from botocore.session import Session
    from botocore.signers import RequestSigner


EVENT = "before-send.kms"
SIGN_EVENT = "before-sign.kms"
# Where the client's region travels from signing to sending for a request that is not signed
# (botocore passes the prepared request alone to before-send). Only set while a mock is active.
REGION_HEADER = "X-Kmsmock-Region"
# KMS's JSON protocol names the operation in this header, after this prefix (the service
# model's targetPrefix); no other AWS service uses the prefix.
TARGET_HEADER = "X-Amz-Target"
TARGET_PREFIX = "TrentService."
_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/")
_HOST_REGION = re.compile(r"kms(?:-fips)?\.([a-z0-9-]+)\.amazonaws")
# What requests are signed with while a mock is active and nothing else is configured.
FAKE_ACCESS_KEY_ID = "AKIAKMSMOCKTESTING00"
FAKE_SECRET_ACCESS_KEY = "kmsmock-fake-secret-access-key"

# Every botocore session created since kmsmock was imported, to forget the fake credentials
# they cached while a mock was active (see forget_fake_credentials).
_sessions: weakref.WeakSet[Session] = weakref.WeakSet()
_sessions_lock = threading.Lock()
_installed = False
# The HTTP layers the backstop wraps, and those it has wrapped (install_backstop).
_HTTP_LAYERS = ("botocore.httpsession", "aiobotocore.httpsession")
_backstops: set[str] = set()
# The URLs of kmsmock's local endpoints that are running (endpoint_running).
_endpoints: set[str] = set()


class _Body:
    """What ``AWSResponse`` reads its content from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def handle_before_sign(
    request: AWSRequest,
    request_signer: RequestSigner | None = None,
    signature_version: Any = None,
    region_name: str | None = None,
    event_name: str = "",
    **_: Any,
) -> None:
    """Make a KMS request servable by the active mock before botocore signs it.

    A client created before the mock started, in an environment with no credentials, has
    none and would fail with ``NoCredentialsError`` before the mock could answer; it signs
    this one request with fake credentials instead (the client itself is not changed). An
    unsigned request carries the client's region in a header, as it has no credential scope.

    With no mock active, this is where the guard refuses the request (before signing, so a
    client with no credentials meets the guard, not ``NoCredentialsError``).
    """
    if _active.current() is None:
        _guard.refuse(event_name.rsplit(".", 1)[-1], request.url)
        return
    if signature_version is botocore.UNSIGNED:
        if region_name:
            request.headers[REGION_HEADER] = region_name
        return
    signing = request.context.get("signing") or {}
    if getattr(request_signer, "_credentials", None) is None and not signing.get(
        "request_credentials"
    ):
        fake = _fake_credentials(request_signer)
        # A new dict in this request's own context: nothing shared with other calls changes.
        request.context["signing"] = {**signing, "request_credentials": fake}


def _fake_credentials(request_signer: Any) -> Any:
    """The fake credentials as the signer awaits or calls them: aiobotocore's signer awaits
    ``get_frozen_credentials()``, which botocore's ``Credentials`` answers synchronously."""
    if type(request_signer).__module__.startswith("aiobotocore."):
        from kmsmock.seams.aiobotocore_hook import fake_credentials

        return fake_credentials(FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY)
    from botocore.credentials import Credentials

    return Credentials(FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY)


def handle_before_send(request: AWSPreparedRequest, event_name: str, **_: Any) -> Any:
    mock = _active.current()
    if mock is None:
        return None
    return answer(mock, event_name.rsplit(".", 1)[-1], request)


def handle_before_send_aio(request: AWSPreparedRequest, event_name: str, **_: Any) -> Any:
    """``handle_before_send`` for aiobotocore sessions, whose endpoint awaits the response's
    ``content``: the same answer in aiobotocore's response type."""
    mock = _active.current()
    if mock is None:
        return None
    return answer(mock, event_name.rsplit(".", 1)[-1], request, aio=True)


def answer(
    mock: _active.Served, operation: str, request: AWSPreparedRequest, *, aio: bool = False
) -> Any:
    """The mock's response to ``request``, as botocore's endpoint (or aiobotocore's, if
    ``aio``) takes it from a handler or an HTTP session."""
    AWSResponse, HTTPHeaders = _serving()[:2]  # noqa: N806
    status, headers, payload = respond(mock, operation, request)
    http_headers = _http_headers(HTTPHeaders, headers, payload)
    if aio:
        from kmsmock.seams.aiobotocore_hook import response

        return response(request.url, status, http_headers, payload)
    return AWSResponse(request.url, status, http_headers, _Body(payload))


def respond(
    mock: _active.Served, operation: str, request: Any
) -> tuple[int, dict[str, str], bytes]:
    """Serve ``request`` (with ``url``, ``headers`` and ``body``, as botocore's and requests'
    prepared requests have them) for ``operation``: (HTTP status, headers, body). Raises only
    ``KmsMockUsageError`` (the test set the mock up wrong, and is told so as it is): a bug in
    kmsmock is answered as an internal error, never a caller's traceback."""
    serve, internal_error = _serving()[2:]
    try:
        access_key, region = _signer_scope(request)
        caller = mock.caller_for(access_key, region)
        result: tuple[int, dict[str, str], bytes] = serve(
            mock.world,
            operation,
            _body_bytes(request.body),
            account=caller.account,
            region=region,
            caller=caller,
        )
        return result
    except KmsMockUsageError:
        raise
    except Exception as error:
        failed: tuple[int, dict[str, str], bytes] = internal_error(operation, error)
        return failed


def _http_headers(http_headers_type: Any, headers: dict[str, str], payload: bytes) -> Any:
    http_headers = http_headers_type()
    for name, value in headers.items():
        http_headers[name] = value
    http_headers["Content-Length"] = str(len(payload))
    return http_headers


@cache
def _serving() -> tuple[Any, Any, Any, Any]:
    """What serving needs, imported by the first request a mock serves rather than by
    ``import kmsmock`` (the protocol pulls in the service model and the cryptography)."""
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    from kmsmock.protocol.service import internal_error, serve

    return AWSResponse, HTTPHeaders, serve, internal_error


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if hasattr(body, "read"):
        data = body.read()
        return data.encode() if isinstance(data, str) else bytes(data)
    # requests sends an iterable of chunks as it is (chunked transfer encoding).
    return b"".join(chunk.encode() if isinstance(chunk, str) else bytes(chunk) for chunk in body)


def _signer_scope(request: AWSPreparedRequest) -> tuple[str | None, str]:
    """The access key and region the request was signed for (SigV4 credential scope).

    An unsigned request has no scope: its region is the one ``handle_before_sign`` recorded,
    else the one in the endpoint's host name, else us-east-1.
    """
    match = _SCOPE.search(_header(request, "Authorization"))
    if match:
        return match.group(1), match.group(2)
    recorded = _header(request, REGION_HEADER)
    if recorded:
        return None, recorded
    host = _HOST_REGION.search(request.url or "")
    return None, host.group(1) if host else "us-east-1"


def _header(request: AWSPreparedRequest, name: str) -> str:
    value = request.headers.get(name)
    if value is None:
        return ""
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _send_late(request: AWSPreparedRequest, *, aio: bool = False) -> Any:
    """The backstop's answer to a request a client sends over HTTP: the active mock's
    response to a KMS request (in aiobotocore's response type if ``aio``), else None (send it
    as botocore would). Raises the guard's error for a KMS request with no mock active while
    real AWS is blocked.

    A request reaches this only from a client without kmsmock's handlers: one of a session
    made before kmsmock was imported, or one whose handlers were taken off on purpose
    (``LocalEndpoint.client()``), which is bound for a running local endpoint of kmsmock's and
    left to reach it."""
    target = _header(request, TARGET_HEADER)
    if not target.startswith(TARGET_PREFIX):
        return None
    operation = target[len(TARGET_PREFIX) :]
    mock = _active.current()
    if mock is None:
        _guard.refuse(operation, request.url)
        return None
    if _endpoints and _to_endpoint(request.url):
        return None
    return answer(mock, operation, request, aio=aio)


def endpoint_running(url: str, running: bool) -> None:
    """Record that kmsmock's local endpoint at ``url`` started (or stopped): while it runs,
    the backstop lets requests bound for it through, as ``LocalEndpoint.client()`` means."""
    with _sessions_lock:
        if running:
            _endpoints.add(url)
        else:
            _endpoints.discard(url)


def _to_endpoint(url: str) -> bool:
    return any(url == base or url.startswith(base + "/") for base in list(_endpoints))


def install_backstop() -> None:
    """Wrap the HTTP send of botocore (and of aiobotocore, if loaded) once, so clients of
    sessions made before kmsmock was imported are served, or refused by the guard, too.
    Only a loaded HTTP layer is wrapped: until it is loaded, no session of its library, and so
    no such client, exists."""
    for module in _HTTP_LAYERS:  # every activation asks: a loop, not a generator
        if module not in _backstops and module in sys.modules:
            break
    else:
        return
    with _sessions_lock:
        for module in _HTTP_LAYERS:
            if module in sys.modules and module not in _backstops:
                _wrap_send(module)
                _backstops.add(module)


def _wrap_send(module: str) -> None:
    if module == "botocore.httpsession":
        from botocore.httpsession import URLLib3Session

        send = URLLib3Session.send

        @functools.wraps(send)
        def send_or_serve(self: URLLib3Session, request: AWSPreparedRequest) -> Any:
            response = _send_late(request)
            return send(self, request) if response is None else response

        URLLib3Session.send = send_or_serve  # type: ignore[method-assign,assignment]
        return
    from aiobotocore.httpsession import AIOHTTPSession  # type: ignore[import-untyped]

    send_aio = AIOHTTPSession.send

    @functools.wraps(send_aio)
    async def send_or_serve_aio(self: Any, request: AWSPreparedRequest) -> Any:
        response = _send_late(request, aio=True)
        return await send_aio(self, request) if response is None else response

    AIOHTTPSession.send = send_or_serve_aio


# Called with every new session after kmsmock's own handlers are registered on it.
_session_handlers: list[Callable[[Session], None]] = []


def on_new_session(register: Callable[[Session], None]) -> None:
    """Have ``register(session)`` called for every session botocore makes from now on, and
    for those kmsmock has seen already (a layer above the seams adds its handlers so)."""
    if register in _session_handlers:
        return
    _session_handlers.append(register)
    with _sessions_lock:
        seen = list(_sessions)
    for session in seen:
        register(session)


def _initialize_session(session: Session) -> None:
    """Called by botocore for every new session: register the handlers on it."""
    # botocore-stubs types handlers as returning None; a before-send handler returns the
    # response botocore should use instead of sending the request (hooks.py's contract).
    # aiobotocore's AioSession is a botocore Session (so this initializer reaches it too); its
    # endpoint awaits the response's content, so it gets a handler answering in its own type.
    # Telling them apart by the class's module imports nothing.
    aio = type(session).__module__.startswith("aiobotocore.")
    send = handle_before_send_aio if aio else handle_before_send
    session.register(SIGN_EVENT, handle_before_sign, unique_id="kmsmock-before-sign")  # type: ignore[arg-type]
    session.register(EVENT, send, unique_id="kmsmock-before-send")  # type: ignore[arg-type]
    # Handlers of other layers for every session: the service integrations' (S3, SSM,
    # Secrets Manager calling KMS: kmsmock/integrations/seam.py), idle unless a mock asks.
    for extra in _session_handlers:
        extra(session)
    with _sessions_lock:
        _sessions.add(session)


def forget_fake_credentials() -> None:
    """Make sessions that resolved the mock's fake credentials resolve them again.

    A botocore session caches the credentials it first finds, and while a mock is active the
    environment holds fake ones: without this, boto3's default session (and any other that
    outlives the mock) would go on signing with them after the mock has stopped.
    """
    with _sessions_lock:
        sessions = list(_sessions)
    for session in sessions:
        cached = getattr(session, "_credentials", None)
        if getattr(cached, "access_key", None) == FAKE_ACCESS_KEY_ID:
            session._credentials = None  # type: ignore[attr-defined]  # botocore's cache


def install() -> None:
    """Register the handlers for every botocore session created from now on, and the backstop
    for those made before (idempotent)."""
    global _installed
    with _sessions_lock:
        if not _installed:
            botocore.register_initializer(_initialize_session)
            _installed = True
    install_backstop()


def block_real_aws(enabled: bool = True) -> bool:
    """Refuse every KMS request made while no mock is active (``enabled=False``: stop).
    Returns whether this function had turned it on before, to restore it afterwards (the
    environment variable aside).

    A refused request raises ``KmsMockUsageError`` naming the operation, instead of reaching
    AWS. Other services are never affected. In pytest, prefer the ini option::

        [pytest]
        kms_block_real_aws = true

    Outside pytest, ``KMSMOCK_BLOCK_REAL_AWS=1`` in the environment does the same.
    """
    if not isinstance(enabled, bool):
        raise KmsMockUsageError(f"block_real_aws takes True or False; got {enabled!r}")
    if enabled:
        # Clients of sessions made before kmsmock was imported are reached at the HTTP send.
        install_backstop()
    return _guard.set_blocked(enabled)

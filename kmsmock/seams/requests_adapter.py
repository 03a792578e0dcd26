"""The seam into ``requests``: KMS requests sent with ``requests`` are served by the active mock.

Code that signs KMS requests itself (requests-aws4auth's ``AWS4Auth(..., "kms")``, or
botocore's ``SigV4Auth`` on an ``AWSRequest`` then sent with ``requests``) never goes through
botocore's event hooks. While a mock is active, a request to a KMS endpoint
(``kms.<region>.amazonaws.com``, ``kms-fips.<region>.amazonaws.com``, and the ``.com.cn``
endpoints of the China Regions) is answered by the same ``serve`` as the botocore hook: the
operation from ``X-Amz-Target: TrentService.<Operation>``, the access key and Region from the
SigV4 credential scope (the Region from the host name for an unsigned request), the caller
by ``KmsMock.caller_for``.

Why not a ``responses.RequestsMock`` of kmsmock's own: ``responses`` patches
``HTTPAdapter.send`` with ``unittest.mock.patch``, and the latest started mock wins. A user's
``@responses.activate`` inside ``mock_kms`` (the ``kms`` fixture, then a decorated test: the
common case) would replace kmsmock's patch, and refuse KMS requests as unregistered URLs;
their passthrough goes to the ``HTTPAdapter.send`` captured when ``responses`` was imported,
not to the patch beneath. Nothing at that layer composes in both orders.

So kmsmock routes one level up: while a mock is active, ``requests.Session.get_adapter``
returns kmsmock's own adapter for a KMS URL, and the adapter ``requests`` would have chosen
for any other URL. Every session, whenever created, sends through ``get_adapter``; the
adapter is a subclass of ``HTTPAdapter`` with its own ``send``, which ``responses``' patch of
``HTTPAdapter.send`` does not replace. Hence, in whatever order the user's ``responses``
mocks start and stop around or inside kmsmock's:

- KMS requests never reach them: their registered URLs, ``assert_all_requests_are_fired``
  and ``responses.calls`` see only their own traffic;
- every other request goes where it would without kmsmock: to the user's mock (which
  answers, refuses, or passes it through as it is set up), or to the network.

The answer is built by ``responses`` (``Response.get_response``, then the adapter's
``build_response``), so a KMS response is the same kind of ``requests.Response`` a user's
``responses`` mock returns. This is why the seam needs the ``requests`` extra
(``responses`` and ``requests``); without it the seam stays off, and ``requests`` reach
whatever they address.

Started when the outermost mock starts (``import kmsmock`` imports neither ``requests`` nor
``responses``); nested activations share it; stopped when the last one stops, after which
KMS requests go to the network again. ``responses`` itself is imported by the first KMS
request served.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kmsmock.seams import active as _active

if TYPE_CHECKING:
    from collections.abc import Callable

    from requests.adapters import BaseAdapter

# Host names of KMS's endpoints: standard, FIPS, and the China Regions' (amazonaws.com.cn).
_KMS_HOST = re.compile(r"kms(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?", re.ASCII)
_TARGET_PREFIX = "TrentService."

_lock = threading.Lock()
# (the get_adapter kmsmock replaced, kmsmock's wrapper) while kmsmock's wrapper is installed.
_installed: tuple[Callable[..., Any], Callable[..., Any]] | None = None


def is_kms_url(url: str) -> bool:
    """Whether ``url`` addresses a KMS endpoint (http or https, any path)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a malformed URL: requests itself refuses it
        return False
    return (
        parts.scheme in ("https", "http")
        and host is not None
        and _KMS_HOST.fullmatch(host) is not None
    )


@functools.cache
def _available() -> bool:
    """Whether the ``requests`` extra is installed (looked up without importing it)."""
    return all(importlib.util.find_spec(name) is not None for name in ("requests", "responses"))


def start() -> None:
    """Route KMS URLs to kmsmock's adapter (the outermost mock is starting)."""
    global _installed
    if not _available():
        return
    import requests

    with _lock:
        if _installed is not None:
            # Still in place: stop() found it under someone else's patch and left it there,
            # inert while no mock is active. A second wrapper would only stack on it.
            return
        original = requests.Session.get_adapter

        @functools.wraps(original)
        def get_adapter(self: requests.Session, url: str) -> BaseAdapter:
            if _active.current() is not None and is_kms_url(url):
                return _adapter()
            return original(self, url)

        requests.Session.get_adapter = get_adapter  # type: ignore[method-assign]
        _installed = (original, get_adapter)


def stop() -> None:
    """Put ``get_adapter`` back (the last mock has stopped)."""
    global _installed
    with _lock:
        if _installed is None:
            return
        import requests

        original, ours = _installed
        if requests.Session.get_adapter is not ours:
            # Someone patched it after kmsmock (and will restore kmsmock's wrapper when they
            # stop): putting the original back would undo their patch. Left in place, the
            # wrapper passes every request on while no mock is active.
            return
        requests.Session.get_adapter = original  # type: ignore[method-assign]
        _installed = None


def installed() -> bool:
    """Whether kmsmock's ``get_adapter`` is in place (for tests)."""
    return _installed is not None


@functools.cache
def _adapter() -> BaseAdapter:
    """kmsmock's adapter (one, shared by every session: it holds no connections)."""
    from requests.adapters import HTTPAdapter

    from kmsmock.seams.botocore_hook import respond

    class KmsAdapter(HTTPAdapter):
        """Answers KMS requests from the active mock, without a connection."""

        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            mock = _active.current()
            if mock is None:
                # The mock stopped between choosing this adapter and sending: as if kmsmock
                # had never been there.
                return super().send(request, *args, **kwargs)
            status, headers, payload = respond(mock, _operation(request), request)
            import responses

            answer = responses.Response(
                method=request.method,
                url=request.url,
                body=payload,
                status=status,
                headers={
                    **{k: v for k, v in headers.items() if k != "Content-Type"},
                    "Content-Length": str(len(payload)),
                },
                content_type=headers["Content-Type"],
            )
            return self.build_response(request, answer.get_response(request))

    return KmsAdapter()


def _operation(request: Any) -> str:
    """The operation ``X-Amz-Target`` names (``TrentService.<Operation>``). Any other target
    is no operation, which ``serve`` answers with UnknownOperationException, as KMS does: it
    is passed on whole if it cannot be mistaken for an operation's name (it has a dot), else
    as the empty name (a bare ``CreateKey`` names no KMS operation)."""
    target = request.headers.get("X-Amz-Target") or ""
    if isinstance(target, bytes):
        target = target.decode("latin-1")
    if target.startswith(_TARGET_PREFIX):
        return target[len(_TARGET_PREFIX) :]
    return target if "." in target else ""

"""Which ``Host`` headers the local endpoint answers: a guard against DNS rebinding.

A web page can make a browser send requests to a name its author controls and then point that
name at 127.0.0.1: the browser then talks to the endpoint as if it were the page's own site,
and reads the answers. Such a request carries the attacker's name in its ``Host`` header, so
the endpoint answers only hosts no one else can point at it:

- IP address literals (``127.0.0.1:4599``, ``[::1]:4599``, ``192.168.1.20``): an address
  cannot be rebound, whichever address it is (behind port mapping or NAT the address a client
  uses is not the one bound, so it is not compared);
- ``localhost`` and names under ``.localhost`` (RFC 6761: always the loopback);
- the names given with ``--allow-host NAME`` (``LocalEndpoint(allow_hosts=[...])``), such as a
  docker-compose service name; ``*`` allows every name.

The port of a ``Host`` header is never compared either: port mapping changes it too. An HTTP/1.1
request with no ``Host`` header, or with two, is malformed (RFC 9112, section 3.2) and refused.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

ANY_HOST = "*"

_PORT = re.compile(r"[0-9]{1,5}")
_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")


class HostCheck:
    """Decides whether a request's ``Host`` header names this endpoint."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.allowed = frozenset(normal_name(name) for name in allowed)
        self.any = ANY_HOST in self.allowed

    def refusal(self, values: list[str], *, http_11: bool) -> tuple[int, str] | None:
        """None when the request is served; else the HTTP status and message to refuse it
        with. ``values``: every ``Host`` header the request has."""
        if not values:
            if not http_11:
                return None  # HTTP/1.0 has no Host header; browsers never send such requests
            return 400, "the request has no Host header, which HTTP/1.1 requires"
        if len(values) > 1:
            return 400, f"the request has {len(values)} Host headers; HTTP allows one"
        host = host_of(values[0])
        shown = values[0].strip()[:100]
        if host is None:
            return 400, f"the Host header {shown!r} is not a host name or address"
        if self.any or _is_address(host) or host == "localhost" or host.endswith(".localhost"):
            return None
        if host in self.allowed:
            return None
        return 403, (
            f"kmsmock's local endpoint does not answer requests for host {host!r}: it serves "
            "IP addresses, localhost and the names given with --allow-host (a guard against "
            f"DNS rebinding). To serve this name, start it with --allow-host {host}"
        )


def normal_name(name: str) -> str:
    """A host name as compared: lower case, without a trailing dot."""
    return name.strip().lower().rstrip(".")


def allowable(name: str) -> bool:
    """Whether ``name`` can be given to ``--allow-host``: ``*`` or a host name."""
    return name == ANY_HOST or bool(_NAME.fullmatch(normal_name(name)))


def host_of(value: str) -> str | None:
    """The host of a ``Host`` header (``name``, ``name:port``, ``[v6]:port``): the name in
    lower case, or the address; None if malformed."""
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        host, rest = value[1:end], value[end + 1 :]
        if rest and not (rest.startswith(":") and _PORT.fullmatch(rest[1:])):
            return None
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return None
        return host
    host, colon, port = value.rpartition(":")
    if not colon:
        host = value
    elif not _PORT.fullmatch(port):
        return None
    host = normal_name(host)
    return host if host and _NAME.fullmatch(host) else None


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True

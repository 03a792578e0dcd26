"""The Host header: IP literals, localhost and names given with allow_hosts (--allow-host) are
answered; any other name is refused, as a guard against DNS rebinding."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import error_of

from kmsmock import KmsMockUsageError
from kmsmock.server import LocalEndpoint

from ._helpers import JSON_11, exchange, http_client, raw, responses, signed


def list_keys_with_host(url: str, host: str | None) -> tuple[int, dict[str, str], object]:
    """A signed ListKeys whose Host header is ``host`` (None: no Host header at all)."""
    headers, body = signed(url, "ListKeys")
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    if host is not None:
        lines += f"Host: {host}\r\n"
    wire = f"POST / HTTP/1.1\r\n{lines}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    (answer,) = responses(exchange(url, wire.encode() + body))
    return answer


def refused(host: str) -> dict[str, str]:
    return {
        "__type": "InvalidHostHeaderException",
        "message": f"kmsmock's local endpoint does not answer requests for host {host!r}: it "
        "serves IP addresses, localhost and the names given with --allow-host (a guard "
        f"against DNS rebinding). To serve this name, start it with --allow-host {host}",
    }


SERVED = [
    "127.0.0.1",
    "127.0.0.1:4599",
    "[::1]:4599",
    "[::1]",
    "10.1.2.3:8080",  # behind port mapping or NAT: an address cannot be rebound
    "localhost",
    "LocalHost:4599",
    "localhost.:4599",
    "app.localhost:4599",
]


@pytest.mark.parametrize("host", SERVED, ids=SERVED)
def test_addresses_and_localhost_are_served(endpoint: LocalEndpoint, host: str) -> None:
    status, _, body = list_keys_with_host(endpoint.url, host)
    assert (status, body) == (200, {"Keys": [], "Truncated": False})


NAMES = ["attacker.example", "attacker.example:4599", "127.0.0.1.nip.io:4599", "kms"]


@pytest.mark.parametrize("host", NAMES, ids=NAMES)
def test_other_names_are_refused(endpoint: LocalEndpoint, host: str) -> None:
    status, headers, body = list_keys_with_host(endpoint.url, host)
    assert (status, body) == (403, refused(host.rsplit(":", 1)[0]))
    assert headers["content-type"] == JSON_11
    assert headers["connection"] == "close"
    assert endpoint.world.events.snapshot() == []  # refused before anything was served


def test_the_health_check_is_refused_to_other_names_too(endpoint: LocalEndpoint) -> None:
    status, _, body = raw(endpoint.url, "GET", "/health", headers={"Host": "evil.example"})
    assert (status, body) == (403, refused("evil.example"))
    assert raw(endpoint.url, "GET", "/health")[0] == 200  # http.client sends 127.0.0.1:port


MALFORMED = [
    # (id, Host header, message)
    ("no Host", None, "the request has no Host header, which HTTP/1.1 requires"),
    ("a space", "a b", "the Host header 'a b' is not a host name or address"),
    ("a port that is not one", "localhost:http",
     "the Host header 'localhost:http' is not a host name or address"),
    ("IPv6 without brackets", "::1", "the Host header '::1' is not a host name or address"),
    ("userinfo", "user@localhost",
     "the Host header 'user@localhost' is not a host name or address"),
    ("empty", "", "the Host header '' is not a host name or address"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("host", "message"), [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED]
)
def test_malformed_or_missing_hosts(
    endpoint: LocalEndpoint, host: str | None, message: str
) -> None:
    status, _, body = list_keys_with_host(endpoint.url, host)
    assert (status, body) == (400, {"__type": "InvalidHostHeaderException", "message": message})


def test_two_host_headers(endpoint: LocalEndpoint) -> None:
    wire = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n"
    (answer,) = responses(exchange(endpoint.url, wire))
    assert answer[0] == 400
    assert answer[2] == {
        "__type": "InvalidHostHeaderException",
        "message": "the request has 2 Host headers; HTTP allows one",
    }


def test_http_10_without_a_host_is_served(endpoint: LocalEndpoint) -> None:
    (answer,) = responses(exchange(endpoint.url, b"GET /health HTTP/1.0\r\n\r\n"))
    assert (answer[0], answer[2]["status"]) == (200, "ok")


def test_allowed_names() -> None:
    with LocalEndpoint(allow_hosts=["kms.internal", "Host.Docker.Internal"]) as endpoint:
        for host in ("kms.internal", "KMS.internal:4599", "host.docker.internal:4599"):
            assert list_keys_with_host(endpoint.url, host)[0] == 200, host
        assert list_keys_with_host(endpoint.url, "other.internal")[2] == refused("other.internal")
    with LocalEndpoint(allow_hosts=["*"]) as endpoint:
        assert list_keys_with_host(endpoint.url, "anything.example:1")[0] == 200


def test_boto3_through_localhost_and_refused_names(endpoint: LocalEndpoint) -> None:
    by_name = http_client(f"http://localhost:{endpoint.port}")
    assert by_name.list_keys()["Keys"] == []
    # What a page whose name was rebound to 127.0.0.1 sends: its own name as the Host.
    stranger = endpoint.client()

    def rebound(request: Any, **_: Any) -> None:
        request.headers["Host"] = "evil.test"

    stranger.meta.events.register("before-send.kms", rebound)
    with pytest.raises(ClientError) as excinfo:
        stranger.list_keys()
    assert error_of(excinfo) == ("InvalidHostHeaderException", refused("evil.test")["message"])
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"allow_hosts": ["two words"]},
         "allow_hosts takes host names (or '*' for any); got 'two words'"),
        ({"allow_hosts": ["kms:4599"]},
         "allow_hosts takes host names (or '*' for any); got 'kms:4599'"),
        ({"max_connections": 0}, "max_connections must be a positive number; got 0"),
        ({"idle_timeout": 0}, "idle_timeout must be a positive number of seconds; got 0"),
    ],
    ids=["a space", "a port", "no connections", "no time"],
)  # fmt: skip
def test_endpoint_options_are_checked(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(KmsMockUsageError) as excinfo:
        LocalEndpoint(**kwargs)  # type: ignore[arg-type]
    assert str(excinfo.value) == message

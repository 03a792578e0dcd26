"""A slow, stuck or idle client cannot hold the endpoint: connections over the cap are
answered 503, and a connection whose request does not arrive within the idle timeout is
closed, however it trickles."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import error_of

from kmsmock.server import LocalEndpoint

from ._helpers import address, call, raw, responses

# Generous: the server closes after its idle timeout (0.5 s here); the test waits this long
# for it before failing, so a loaded CI machine does not fail it.
PATIENCE = 10.0


def closed_by_server(sock: socket.socket) -> bool:
    """Wait (up to PATIENCE) for the server to close ``sock``: True if it did, with nothing
    sent first."""
    sock.settimeout(PATIENCE)
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


def wait_until(condition: object, what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


@pytest.fixture
def quick() -> Iterator[LocalEndpoint]:
    """An endpoint with a 0.5 s idle timeout and room for two connections."""
    with LocalEndpoint(idle_timeout=0.5, max_connections=2) as endpoint:
        yield endpoint


def served_now(endpoint: LocalEndpoint) -> int:
    assert endpoint._server is not None
    return endpoint._server.connections.open


def test_a_silent_client_is_closed_and_others_are_served(endpoint: LocalEndpoint) -> None:
    """Slowloris: many connections that send nothing hold no one else up."""
    with ExitStack() as stack:
        silent = [
            stack.enter_context(socket.create_connection(address(endpoint.url))) for _ in range(20)
        ]
        wait_until(lambda: served_now(endpoint) == 20, "the server took the connections")
        status, _, body = call(endpoint.url, "ListKeys")
        assert (status, body["Keys"]) == (200, [])
        assert silent


def test_idle_and_silent_connections_are_closed(quick: LocalEndpoint) -> None:
    with socket.create_connection(address(quick.url)) as silent:
        assert closed_by_server(silent)
    kept = http.client.HTTPConnection(*address(quick.url), timeout=PATIENCE)
    try:
        kept.request("GET", "/health")
        assert kept.getresponse().read()
        assert kept.sock is not None
        assert closed_by_server(kept.sock)  # idle after its answer
    finally:
        kept.close()
    wait_until(lambda: served_now(quick) == 0, "both connections' threads ended")


def test_a_trickling_client_is_closed_although_it_keeps_sending(quick: LocalEndpoint) -> None:
    """A byte every 0.1 s would keep a per-read timeout of 0.5 s waiting for ever: the whole
    request must arrive within the idle timeout."""
    with socket.create_connection(address(quick.url)) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sock.settimeout(0.1)
        deadline = time.monotonic() + PATIENCE
        while True:
            assert time.monotonic() < deadline, "the server never closed the connection"
            try:
                sock.sendall(b"X")
                answer = sock.recv(65536)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            assert answer == b""  # closed, with no answer
            break
    # The same happens to a body that trickles in after complete headers.
    with socket.create_connection(address(quick.url)) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{")
        assert closed_by_server(sock)
    wait_until(lambda: served_now(quick) == 0, "the closed connections' threads ended")
    assert raw(quick.url, "GET", "/health")[0] == 200


def test_connections_over_the_cap_get_503(quick: LocalEndpoint) -> None:
    with ExitStack() as stack:
        holders = [
            stack.enter_context(socket.create_connection(address(quick.url))) for _ in range(2)
        ]
        wait_until(lambda: served_now(quick) == 2, "the server took both connections")
        status, headers, body = raw(quick.url, "GET", "/health")
        assert (status, body) == (
            503,
            {
                "__type": "ServiceUnavailableException",
                "message": "kmsmock's local endpoint is serving 2 connections, its limit "
                "(kmsmock serve --max-connections); try again",
            },
        )
        assert headers["Connection"] == "close"
        assert headers["Retry-After"] == "1"
        # An SDK sees a retryable 503 (retries off here, to see it at all).
        client = quick.client(config=Config(retries={"total_max_attempts": 1}))
        with pytest.raises(ClientError) as excinfo:
            client.list_keys()
        assert error_of(excinfo)[0] == "ServiceUnavailableException"
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert holders
    # Once the holders are gone, everyone is served again.
    wait_until(lambda: served_now(quick) == 0, "the holders' threads ended")
    assert raw(quick.url, "GET", "/health")[0] == 200


def test_stuck_clients_free_their_places_after_the_idle_timeout(quick: LocalEndpoint) -> None:
    """Two clients that connect and send nothing take every place, until the idle timeout
    closes them: then a client that retries is served."""
    with ExitStack() as stack:
        stuck = [
            stack.enter_context(socket.create_connection(address(quick.url))) for _ in range(2)
        ]
        wait_until(lambda: served_now(quick) == 2, "the server took both connections")
        assert raw(quick.url, "GET", "/health")[0] == 503
        assert all(closed_by_server(sock) for sock in stuck)
        wait_until(lambda: served_now(quick) == 0, "the stuck connections' threads ended")
        assert raw(quick.url, "GET", "/health")[0] == 200


def test_a_refused_client_reads_its_503_after_sending_a_body(quick: LocalEndpoint) -> None:
    """The refusal is sent at once, and what the client sends after it is read and dropped,
    so the client reads the 503 rather than a reset connection."""
    with ExitStack() as stack:
        for _ in range(2):
            stack.enter_context(socket.create_connection(address(quick.url)))
        wait_until(lambda: served_now(quick) == 2, "the server took both connections")
        with socket.create_connection(address(quick.url), timeout=PATIENCE) as sock:
            sock.sendall(
                b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 40000\r\n\r\n"
                + b"x" * 40000
            )
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        ((status, headers, body),) = responses(answer)
        assert (status, body["__type"], headers["connection"]) == (
            503,
            "ServiceUnavailableException",
            "close",
        )


def test_stopping_closes_kept_alive_connections() -> None:
    """stop() ends the connections it serves, rather than leave their threads waiting out the
    idle timeout (60 s here)."""
    endpoint = LocalEndpoint().start()
    kept = http.client.HTTPConnection(*address(endpoint.url), timeout=PATIENCE)
    try:
        kept.request("GET", "/health")
        assert kept.getresponse().read()
        endpoint.stop()
        assert kept.sock is not None
        assert closed_by_server(kept.sock)
    finally:
        kept.close()
        endpoint.stop()

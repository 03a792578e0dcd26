"""What keeps a long-running endpoint serving: a cap on open connections and a deadline on
each request, so a slow, stuck or hostile client cannot hold its threads.

- **Connections.** Each open connection has a thread. Up to ``max_connections`` are served at
  once; a connection beyond them is answered at once with HTTP 503 and a JSON
  ``ServiceUnavailableException`` and closed (every AWS SDK retries a 503 with back-off),
  rather than left waiting in the listen backlog behind clients that may never finish.
- **Deadlines.** From the moment the server waits for a request on a connection (just
  accepted, or after the previous answer on a kept-alive one), the whole request (request
  line, headers and body) must arrive within ``idle_timeout`` seconds, or the connection is
  closed. That closes kept-alive connections left idle and clients that trickle their
  headers a byte at a time (slowloris), which a per-``recv`` socket timeout would not.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import logging
import socket
import threading
import time
from typing import Any

logger = logging.getLogger("kmsmock.server")

DEFAULT_MAX_CONNECTIONS = 64
DEFAULT_IDLE_TIMEOUT = 60.0

# A refused connection is answered from a short-lived thread of its own, which reads (and
# drops) what the client sends for up to this long after the answer, so the client reads the
# 503 rather than a reset. At most _REFUSERS such threads at once; beyond, a refused
# connection is closed without an answer (SDKs retry that too).
_LINGER_SECONDS = 1.0
_REFUSERS = 8

_BLOCKING_ERRNOS = frozenset({errno.EAGAIN, errno.EWOULDBLOCK})


def refusal(max_connections: int) -> bytes:
    """The whole HTTP answer to a connection over the cap."""
    body = json.dumps(
        {
            "__type": "ServiceUnavailableException",
            "message": f"kmsmock's local endpoint is serving {max_connections} connections, "
            "its limit (kmsmock serve --max-connections); try again",
        },
        separators=(",", ":"),
    ).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Server: kmsmock\r\n"
        "Content-Type: application/x-amz-json-1.1\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Retry-After: 1\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


class ConnectionLimit:
    """Counts the connections being served, and refuses those over ``maximum``."""

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._refusers = threading.BoundedSemaphore(_REFUSERS)
        self._answer = refusal(maximum)

    @property
    def open(self) -> int:
        """Connections being served now."""
        return len(self._open)

    def enter(self, connection: socket.socket) -> bool:
        """Take a place for a new connection: False when all are taken."""
        with self._lock:
            if len(self._open) >= self.maximum:
                return False
            self._open.add(connection)
            return True

    def leave(self, connection: socket.socket) -> None:
        with self._lock:
            self._open.discard(connection)

    def close_all(self) -> None:
        """End every connection being served (the server is stopping): each one's thread
        then reads the end of its stream and finishes, rather than waiting out its timeout."""
        with self._lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def refuse(self, connection: socket.socket, client: Any) -> None:
        """Answer ``connection`` with a 503 and close it, without holding up the caller (the
        thread accepting connections)."""
        logger.warning(
            "connection from %s refused: %d connections open (--max-connections %d)",
            client[0] if isinstance(client, tuple) else client,
            len(self._open),
            self.maximum,
        )
        if not self._refusers.acquire(blocking=False):
            _close(connection)
            return
        try:
            threading.Thread(target=self._answer_and_close, args=(connection,), daemon=True).start()
        except RuntimeError:  # no thread to be had: close at once
            self._refusers.release()
            _close(connection)

    def _answer_and_close(self, connection: socket.socket) -> None:
        try:
            connection.settimeout(_LINGER_SECONDS)
            connection.sendall(self._answer)
            connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + _LINGER_SECONDS
            while (left := deadline - time.monotonic()) > 0:
                connection.settimeout(left)
                if not connection.recv(65536):
                    break
        except OSError:  # gone, or lingered long enough
            pass
        finally:
            connection.close()
            self._refusers.release()


def _close(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.close()


class DeadlineReader(io.RawIOBase):
    """A socket's reading side whose reads fail with ``TimeoutError`` once ``deadline`` (a
    ``time.monotonic()`` value) has passed: a limit on a whole request, not on each read."""

    def __init__(self, connection: socket.socket) -> None:
        super().__init__()
        self._connection = connection
        self.deadline: float | None = None
        self.received = 0  # bytes received since the deadline was set

    def start(self, seconds: float | None) -> None:
        """The next request must arrive within ``seconds`` (None: no limit)."""
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request did not arrive in time")
            self._connection.settimeout(left)
        try:
            count = self._connection.recv_into(buffer)
        except OSError as error:
            if error.errno in _BLOCKING_ERRNOS:
                return None
            raise
        self.received += count
        return count

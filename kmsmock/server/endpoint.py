"""``LocalEndpoint``: the local KMS endpoint on a thread of this process.

For tests and tools that reach KMS over HTTP (the AWS CLI, other SDKs, code that signs its
own requests) while the test itself uses kmsmock in-process::

    with mock_kms() as kms, LocalEndpoint(kms) as endpoint:
        subprocess.run(["aws", "kms", "list-keys", "--endpoint-url", endpoint.url, ...])

The endpoint serves a world: its own (new and empty), one given (``world=``), or the world of
a started ``KmsMock``, so the in-process mock and the endpoint share keys, policies and
audit events.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from kmsmock.backend.state import World
from kmsmock.errors import KmsMockUsageError
from kmsmock.seams import botocore_hook as _intercept
from kmsmock.server.hosts import allowable
from kmsmock.server.http import DEFAULT_MAX_BODY, KmsHTTPServer
from kmsmock.server.limits import DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from kmsmock.mocking.mock import KmsMock

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"


class LocalEndpoint:
    """A KMS endpoint on ``host`` (port 0: a free port), served from a daemon thread.

    ``LocalEndpoint()`` serves a new world of its own; ``LocalEndpoint(world=w)`` serves
    ``w``; ``LocalEndpoint(kms)`` serves a started ``KmsMock``'s world, with its account and
    its credentials. Use it as a context manager or with ``start()`` / ``stop()``.

    ``strict_auth=True`` accepts only access keys whose secret the world knows (issued by
    ``KmsMock.credentials``, or listed with a secret in a loaded seed), verifies every
    signature and refuses one more than 5 minutes off the clock, with AWS's errors
    (docs/local-endpoint.md, "Strict authentication").

    ``allow_hosts``: host names answered besides IP addresses and ``localhost`` (``"*"``: any);
    ``max_connections``: connections served at once (more are answered 503);
    ``idle_timeout``: seconds a connection may wait for a complete request before it is
    closed. See docs/local-endpoint.md.
    """

    def __init__(
        self,
        mock: KmsMock | None = None,
        *,
        world: World | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        account_id: str | None = None,
        region: str = DEFAULT_REGION,
        max_body: int = DEFAULT_MAX_BODY,
        strict_auth: bool = False,
        allow_hosts: Iterable[str] = (),
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    ) -> None:
        if mock is not None and world is not None:
            raise KmsMockUsageError("give LocalEndpoint a KmsMock or a world=, not both")
        if mock is not None and not hasattr(mock, "caller_for"):
            raise KmsMockUsageError(
                f"LocalEndpoint takes a KmsMock (from mock_kms()); got {type(mock).__name__}"
            )
        if not isinstance(port, int) or not 0 <= port <= 65535:
            raise KmsMockUsageError(f"port must be 0 (any free port) to 65535; got {port!r}")
        if not isinstance(max_body, int) or max_body < 1:
            raise KmsMockUsageError(
                f"max_body must be a positive number of bytes; got {max_body!r}"
            )
        allow_hosts = [allow_hosts] if isinstance(allow_hosts, str) else list(allow_hosts)
        for name in allow_hosts:
            if not isinstance(name, str) or not allowable(name):
                raise KmsMockUsageError(
                    f"allow_hosts takes host names (or '*' for any); got {name!r}"
                )
        if (
            isinstance(max_connections, bool)
            or not isinstance(max_connections, int)
            or max_connections < 1
        ):
            raise KmsMockUsageError(
                f"max_connections must be a positive number; got {max_connections!r}"
            )
        if (
            isinstance(idle_timeout, bool)
            or not isinstance(idle_timeout, (int, float))
            or not 0 < idle_timeout < 1e9
        ):
            raise KmsMockUsageError(
                f"idle_timeout must be a positive number of seconds; got {idle_timeout!r}"
            )
        self._mock = mock
        self._world = world
        self.host = host
        self._requested_port = port
        self.account_id = account_id or (
            mock.account_id if mock is not None else DEFAULT_ACCOUNT_ID
        )
        self.region = region
        self.max_body = max_body
        self.strict_auth = bool(strict_auth)
        self.allow_hosts = tuple(allow_hosts)
        self.max_connections = max_connections
        self.idle_timeout = float(idle_timeout)
        self._server: KmsHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- state ---------------------------------------------------------------------------

    @property
    def world(self) -> World:
        """The state this endpoint serves."""
        if self._mock is not None:
            return self._mock.world
        if self._world is None:
            self._world = World()
        return self._world

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def requests_served(self) -> int:
        """Requests answered since ``start()`` (KMS requests, errors and health checks)."""
        return self._server.requests_served if self._server is not None else 0

    @property
    def port(self) -> int:
        """The port the endpoint listens on (the free one chosen, for port 0)."""
        return self._bound()[1]

    @property
    def url(self) -> str:
        """``http://host:port``, for ``--endpoint-url`` and ``endpoint_url=``."""
        return _url(*self._bound())

    def _bound(self) -> tuple[str, int]:
        if self._server is None:
            raise KmsMockUsageError("the endpoint is not running; call start() or use `with`")
        address = self._server.server_address
        return str(address[0]), int(address[1])

    # -- running -------------------------------------------------------------------------

    def start(self) -> LocalEndpoint:
        """Bind the port and serve from a daemon thread. Returns the endpoint."""
        if self._server is not None:
            raise KmsMockUsageError("this endpoint is already running; stop() it first")
        mock = self._mock
        world = self.world  # a KmsMock that was not started says so here
        server = KmsHTTPServer(
            (self.host, self._requested_port),
            world,
            account_id=self.account_id,
            region=self.region,
            max_body=self.max_body,
            caller_for=mock.caller_for if mock is not None else None,
            strict_auth=self.strict_auth,
            allow_hosts=self.allow_hosts,
            max_connections=self.max_connections,
            idle_timeout=self.idle_timeout,
        )
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"kmsmock-endpoint-{server.server_address[1]}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        _intercept.endpoint_running(self.url, True)
        return self

    def stop(self) -> None:
        """Stop serving and close the port (idempotent)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        _intercept.endpoint_running(
            _url(str(server.server_address[0]), server.server_address[1]), False
        )
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> LocalEndpoint:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "not running"
        return f"<LocalEndpoint {where}>"

    # -- clients -------------------------------------------------------------------------

    def client(self, **kwargs: Any) -> BaseClient:
        """A boto3 KMS client that sends its requests to this endpoint over HTTP, even while
        a mock is active (other clients are then answered in-process, never reaching the
        endpoint). ``kwargs`` go to ``boto3.client`` (credentials, ``config``, ...); the
        Region defaults to the endpoint's, the credentials to fixed fake ones (which a
        ``strict_auth`` endpoint refuses: pass ``**kms.credentials(...)``)."""
        import boto3

        from kmsmock.seams.botocore_hook import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY

        kwargs.setdefault("region_name", self.region)
        if "aws_access_key_id" not in kwargs:
            kwargs.setdefault("aws_access_key_id", FAKE_ACCESS_KEY_ID)
            kwargs.setdefault("aws_secret_access_key", FAKE_SECRET_ACCESS_KEY)
        client: BaseClient = boto3.client("kms", endpoint_url=self.url, **kwargs)
        # kmsmock's botocore hook would answer this client in-process while a mock is active.
        events = client.meta.events
        events.unregister("before-send.kms", unique_id="kmsmock-before-send")
        events.unregister("before-sign.kms", unique_id="kmsmock-before-sign")
        return client


def _url(host: str, port: int) -> str:
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"

"""The ``kmsmock`` command (also ``python -m kmsmock``).

``kmsmock serve`` runs the local KMS endpoint until SIGINT or SIGTERM (exit status 0). With
``--state FILE`` every change is journaled before it is acknowledged, and FILE is written
whole at start-up and shutdown (persist/durable.py). Exit status 2 is a usage error or a
state/seed file that cannot be loaded or written (which is then left as it is); 1 is a port
that cannot be bound.
"""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kmsmock.backend.state import World
    from kmsmock.persist.durable import DurableWorld
    from kmsmock.policy.model import Caller

DEFAULT_PORT = 4599  # clear of LocalStack (4566, 4510-4559), moto (5000) and local-kms (8080)
DEFAULT_HOST = "127.0.0.1"

logger = logging.getLogger("kmsmock.server")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kmsmock", description="kmsmock: a faithful mock of AWS KMS."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run a local KMS endpoint (KMS's JSON protocol over HTTP)",
        description="Run a local KMS endpoint for the AWS CLI, SDKs and anything that "
        "speaks KMS over HTTP. Stops on SIGINT or SIGTERM. See docs/local-endpoint.md.",
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind ({DEFAULT_HOST})")
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on ({DEFAULT_PORT}; 0 picks a free one, printed at start)",
    )
    serve.add_argument(
        "--account-id",
        default="123456789012",
        help="the account that credentials kmsmock did not issue act as the root of (123456789012)",
    )
    serve.add_argument(
        "--region", default="us-east-1", help="the Region /health reports (us-east-1)"
    )
    files = serve.add_mutually_exclusive_group()
    files.add_argument(
        "--state",
        type=Path,
        metavar="FILE",
        help="keep the world in FILE: loaded at start-up if it exists, every change saved "
        "before it is answered (in FILE.journal until shutdown); see docs/local-endpoint.md",
    )
    files.add_argument(
        "--seed", type=Path, metavar="FILE", help="load the world from FILE; never written"
    )
    serve.add_argument(
        "--fsync",
        action="store_true",
        help="with --state: sync each change to disk before answering it, so that it "
        "survives a power cut too (slower; any change already survives kill -9)",
    )
    serve.add_argument(
        "--no-enforce-policies",
        action="store_true",
        help="serve every request whoever makes it (key policies, grants and identity "
        "policies are not evaluated)",
    )
    serve.add_argument(
        "--max-body",
        type=int,
        default=1024 * 1024,
        metavar="BYTES",
        help="largest request body served; larger ones get HTTP 413 (1048576)",
    )
    _add_connection_options(serve)
    serve.add_argument("--quiet", action="store_true", help="do not log each request")
    _add_auth_options(serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "serve":
        parser.print_help(sys.stderr)
        return 2
    if not re.fullmatch(r"[0-9]{12}", args.account_id):
        parser.error(f"--account-id must be 12 digits, like 123456789012; got {args.account_id!r}")
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be 0 to 65535; got {args.port}")
    if args.max_body < 1:
        parser.error(f"--max-body must be a positive number of bytes; got {args.max_body}")
    _check_connection_options(parser, args)
    if args.fsync and args.state is None:
        parser.error("--fsync needs --state FILE")
    return serve(args)


def serve(args: argparse.Namespace) -> int:
    from kmsmock.server.logs import configure

    configure(quiet=args.quiet, log_format=args.log_format)
    durable = None
    if args.state is not None:
        durable = _open_state(args)
        world = durable.world if durable is not None else None
    else:
        world = _load(args)
    if world is None:
        return 2
    world.access.enforce = not args.no_enforce_policies
    _apply_auth(args, world)

    from kmsmock.server.http import KmsHTTPServer

    try:
        server = KmsHTTPServer(
            (args.host, args.port),
            world,
            account_id=args.account_id,
            region=args.region,
            max_body=args.max_body,
            strict_auth=args.strict_auth,
            **_connection_options(args),
            on_served=durable.commit if durable is not None else None,
        )
    except OSError as error:
        print(f"kmsmock: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        if durable is not None:
            _close_state(durable)
        return 1

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    # Served from a thread: server.shutdown() waits for serve_forever to return, so it cannot
    # run in the thread that serves (the main thread, where signal handlers run).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2})
    thread.daemon = True
    thread.start()
    host, port = str(server.server_address[0]), int(server.server_address[1])
    # The one line on stdout, flushed, so a script can wait for it and read the port.
    print(f"kmsmock: KMS endpoint at http://{host}:{port}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    logger.warning("kmsmock: stopped after %d requests", server.requests_served)
    if durable is not None:
        return _close_state(durable)
    return 0


# -- connections, hosts and logs: --allow-host, --max-connections, --idle-timeout,
# --log-format (kmsmock/server/limits.py, hosts.py, logs.py) ----------------------------------


def _add_connection_options(serve: argparse.ArgumentParser) -> None:
    from kmsmock.server.limits import DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS

    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests whose Host header is NAME (repeatable; '*' for any). "
        "IP addresses and localhost are always answered; other names are refused, "
        "against DNS rebinding",
    )
    serve.add_argument(
        "--max-connections",
        type=int,
        default=DEFAULT_MAX_CONNECTIONS,
        metavar="N",
        help=f"connections served at once; more are answered HTTP 503 ({DEFAULT_MAX_CONNECTIONS})",
    )
    serve.add_argument(
        "--idle-timeout",
        type=float,
        default=DEFAULT_IDLE_TIMEOUT,
        metavar="SECONDS",
        help="close a connection on which no complete request arrives for SECONDS: idle "
        f"keep-alive connections and too slow clients ({DEFAULT_IDLE_TIMEOUT:g})",
    )
    serve.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="request lines as text, or as one JSON object per line (text)",
    )


def _check_connection_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    from kmsmock.server.hosts import allowable

    for name in args.allow_host:
        if not allowable(name):
            parser.error(f"--allow-host takes a host name, or '*' for any; got {name!r}")
    if args.max_connections < 1:
        parser.error(f"--max-connections must be a positive number; got {args.max_connections}")
    if not 0 < args.idle_timeout < 1e9:  # NaN and infinity too
        parser.error(
            f"--idle-timeout must be a positive number of seconds; got {args.idle_timeout}"
        )


def _connection_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "allow_hosts": args.allow_host,
        "max_connections": args.max_connections,
        "idle_timeout": args.idle_timeout,
    }


# -- end of connections, hosts and logs -------------------------------------------------------


def _load(args: argparse.Namespace) -> World | None:
    """The world to serve without --state: from --seed, else a new one. None after printing
    why the seed file cannot be loaded."""
    from kmsmock.backend.state import World

    path: Path | None = args.seed
    if path is None:
        return World()
    from kmsmock.persist import StateFileError, world_from_document
    from kmsmock.persist.decode import read_path

    try:
        # What a seed file leaves out (an entry's account, Region) is the server's.
        return world_from_document(
            read_path(path), source=str(path), account=args.account_id, region=args.region
        )
    except StateFileError as error:
        print(f"kmsmock: cannot load {path}: {error}", file=sys.stderr)
        return None
    except OSError as error:
        print(f"kmsmock: cannot read {path}: {error}", file=sys.stderr)
        return None


# -- --state FILE: the world kept in FILE as it changes (persist/durable.py) ------------------


def _open_state(args: argparse.Namespace) -> DurableWorld | None:
    """The world of --state, its file written back at once (so a file or directory that
    cannot be written fails now, not at shutdown). None after printing why not."""
    from kmsmock.persist import StateFileError
    from kmsmock.persist.durable import DurableWorld

    try:
        return DurableWorld.open(
            args.state,
            account=args.account_id,
            region=args.region,
            fsync=args.fsync,
            enforce=not args.no_enforce_policies,
        )
    except StateFileError as error:
        # The file stays as it is: it may be the only copy of someone's keys.
        print(f"kmsmock: cannot load {args.state}: {error}", file=sys.stderr)
        return None


def _close_state(durable: DurableWorld) -> int:
    """The final snapshot: the state file whole, its journal removed."""
    try:
        durable.close()
    except OSError as error:
        print(
            f"kmsmock: cannot save the state to {durable.path}: {error}; every change is "
            f"kept in {durable.journal.path}, which the next start reads",
            file=sys.stderr,
        )
        return 1
    logger.warning("kmsmock: state saved to %s", durable.path)
    return 0


# -- authentication: --strict-auth and --credentials (kmsmock/server/auth.py) ------------------


def _add_auth_options(serve: argparse.ArgumentParser) -> None:
    group = serve.add_argument_group("authentication (docs/local-endpoint.md)")
    group.add_argument(
        "--strict-auth",
        action="store_true",
        help="accept only access keys with a known secret (--credentials, or a seed/state "
        "file's principals), verify every signature, refuse one more than 5 minutes off this "
        "machine's clock, with AWS's errors",
    )
    group.add_argument(
        "--credentials",
        action="append",
        default=[],
        type=_credentials_arg,
        metavar="ACCESS_KEY:SECRET[:PRINCIPAL_ARN]",
        help="an access key and its secret, acting as PRINCIPAL_ARN (default: the root of "
        "--account-id); may be repeated",
    )


def _credentials_arg(text: str) -> tuple[str, str, Caller | None]:
    from kmsmock.backend.principals import caller_of
    from kmsmock.errors import KmsMockUsageError
    from kmsmock.server.auth import parse_credentials

    try:
        access_key, secret, arn = parse_credentials(text)
        return access_key, secret, caller_of(arn) if arn is not None else None
    except (ValueError, KmsMockUsageError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _apply_auth(args: argparse.Namespace, world: World) -> None:
    from kmsmock.aws.partitions import partition_of
    from kmsmock.backend.principals import root_caller
    from kmsmock.server.auth import add_credentials, unverifiable

    root = root_caller(args.account_id, partition_of(args.region))
    for access_key, secret, caller in args.credentials:
        add_credentials(world.access, access_key, secret, caller or root)
    if args.strict_auth:
        refused = unverifiable(world.access)
        if refused:
            # Served, their requests would be UnrecognizedClientException: say why up front.
            logger.warning(
                "kmsmock: --strict-auth refuses access keys with no known secret: %s (give "
                "their principals a secret_access_key, or use --credentials)",
                ", ".join(refused),
            )


if __name__ == "__main__":
    sys.exit(main())

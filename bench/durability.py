"""What ``kmsmock serve --state`` costs a request: CreateKey and Encrypt latency over HTTP
without ``--state``, with it, and with ``--state --fsync``, measured in one run.

Each server is a real ``python -m kmsmock serve`` process on a free port. A request is sent
on a kept-alive connection with ``http.client``, its body and headers signed once by
botocore (an access key kmsmock did not issue is not verified, so the same signed request
can be sent again): the figures are the server's time plus one loopback round trip, without
an SDK's own cost (about 0.5 ms a call with boto3). The servers take turns in short rounds
(plain, state, fsync, plain, ...), so the machine's drift weighs on each alike; each figure
is the median over rounds of the mean per call in a round, and state/plain the median of
each round's own ratio.

``--keys N`` starts each server with N keys already there (a seed for the plain server, a
state file for the others): a journaled change costs the same whatever the world's size. The
last lines show the journal's own cost per request, measured in process (no HTTP, no drift
between processes), and what the alternative would cost: writing the whole world (a
snapshot) after every change.

    python bench/durability.py                 # about a minute on the 2-core machine
    python bench/durability.py --keys 10000 --rounds 30
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parent.parent


class Server:
    """A ``kmsmock serve`` process and a kept-alive connection to it."""

    def __init__(self, name: str, process: subprocess.Popen[str], port: int) -> None:
        self.name = name
        self.process = process
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        return self.send(signed(self.port, operation, params))

    def send(self, request: tuple[dict[str, str], bytes]) -> dict[str, Any]:
        headers, body = request
        self.connection.request("POST", "/", body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{self.name}: {response.status} {data!r}")
        answer: dict[str, Any] = json.loads(data)
        return answer


def signed(port: int, operation: str, params: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    body = json.dumps(params).encode()
    request = AWSRequest(
        method="POST",
        url=f"http://127.0.0.1:{port}/",
        data=body,
        headers={
            "X-Amz-Target": f"TrentService.{operation}",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    SigV4Auth(Credentials("AKIABENCHEXAMPLE0000", "bench"), "kms", "us-east-1").add_auth(request)
    return dict(request.headers.items()), body


@contextmanager
def serving(name: str, *args: str) -> Iterator[Server]:
    process = subprocess.Popen(
        [sys.executable, "-m", "kmsmock", "serve", "--port", "0", "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("kmsmock: KMS endpoint at "):
            raise RuntimeError(f"{name} did not start: {line!r}")
        yield Server(name, process, int(line.rsplit(":", 1)[1]))
    finally:
        process.terminate()
        process.wait(timeout=60)


def seed(path: Path, keys: int) -> None:
    path.write_text(json.dumps({"keys": [{"id": str(uuid.uuid4())} for _ in range(keys)]}))


def rounds(
    servers: list[Server], requests: dict[str, tuple[dict[str, str], bytes]], calls: int, count: int
) -> dict[str, list[float]]:
    """Per-call means (seconds), one per round, for each server."""
    means: dict[str, list[float]] = {server.name: [] for server in servers}
    for number in range(count):
        order = servers if number % 2 == 0 else servers[::-1]
        for server in order:
            request = requests[server.name]
            start = time.perf_counter()
            for _ in range(calls):
                server.send(request)
            means[server.name].append((time.perf_counter() - start) / calls)
    return means


def journal_cost(keys: int, directory: Path, calls: int, count: int) -> dict[str, float]:
    """Microseconds a request's commit adds (serve + commit, less serve alone), in process:
    the journal's own cost, free of HTTP and of the machine's drift between servers."""
    sys.path.insert(0, str(ROOT))
    from kmsmock.persist.durable import DurableWorld
    from kmsmock.protocol.service import serve

    path = directory / "journal-cost.json"
    seed(path, keys)
    durable = DurableWorld.open(path, account="123456789012", region="us-east-1")
    world = durable.world

    def call(operation: str, body: bytes) -> dict[str, Any]:
        status, _, payload = serve(
            world, operation, body, account="123456789012", region="us-east-1"
        )
        assert status == 200, payload
        answer: dict[str, Any] = json.loads(payload)
        return answer

    key_id = call("CreateKey", b"{}")["KeyMetadata"]["KeyId"]
    durable.commit()
    encrypt = json.dumps({"KeyId": key_id, "Plaintext": "AAECAw=="}).encode()
    added = {}
    for metric, operation, body in (
        ("CreateKey", "CreateKey", b"{}"),
        ("Encrypt 4 bytes", "Encrypt", encrypt),
    ):
        differences = []
        for _ in range(count):
            start = time.perf_counter()
            for _ in range(calls):
                call(operation, body)
            alone = time.perf_counter() - start
            start = time.perf_counter()
            for _ in range(calls):
                call(operation, body)
                durable.commit()
            differences.append((time.perf_counter() - start - alone) / calls)
        added[metric] = statistics.median(differences) * 1e6
    durable.close()
    return added


def snapshot_cost(keys: int, directory: Path) -> float:
    """Seconds to write a world of ``keys`` keys whole (encode + atomic write), in process."""
    sys.path.insert(0, str(ROOT))
    from kmsmock.persist import load_world, save_world

    path = directory / "snapshot-cost.json"
    seed(path, keys)
    world = load_world(path)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        save_world(world, path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=1000, help="keys each server starts with")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--calls", type=int, default=25, help="calls per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary, ExitStack() as stack:
        directory = Path(temporary)
        seed(directory / "seed.json", args.keys)
        for name in ("state.json", "fsync.json"):
            seed(directory / name, args.keys)
        servers = [
            stack.enter_context(serving("no --state", "--seed", str(directory / "seed.json"))),
            stack.enter_context(serving("--state", "--state", str(directory / "state.json"))),
            stack.enter_context(
                serving("--state --fsync", "--state", str(directory / "fsync.json"), "--fsync")
            ),
        ]
        create = {s.name: signed(s.port, "CreateKey", {}) for s in servers}
        encrypt = {}
        for server in servers:
            key_id = server.call("CreateKey", {})["KeyMetadata"]["KeyId"]
            encrypt[server.name] = signed(
                server.port, "Encrypt", {"KeyId": key_id, "Plaintext": "AAECAw=="}
            )
        for requests in (create, encrypt):  # warm-up
            rounds(servers, requests, args.calls, 2)
        results = {
            "CreateKey": rounds(servers, create, args.calls, args.rounds),
            "Encrypt 4 bytes": rounds(servers, encrypt, args.calls, args.rounds),
        }
        stack.close()
        added = journal_cost(args.keys, directory, args.calls, args.rounds)
        whole = snapshot_cost(args.keys + args.rounds * args.calls, directory)
    names = [server.name for server in servers]
    print(f"kmsmock serve, {args.keys} keys at start; ms per call (median of {args.rounds} rounds)")
    print(f"{'':18}" + "".join(f"{name:>18}" for name in names) + f"{'state/plain':>14}")
    for metric, means in results.items():
        medians = [statistics.median(means[name]) * 1000 for name in names]
        cells = "".join(f"{value:18.3f}" for value in medians)
        # Each round's own ratio: the two servers ran back to back, under the same load.
        ratio = statistics.median(
            state / plain for state, plain in zip(means[names[1]], means[names[0]], strict=True)
        )
        print(f"{metric:18}{cells}{ratio:13.2f}x")
    print("the journal's own cost per request, in process (serve + commit, less serve):")
    for metric, microseconds in added.items():
        print(f"  {metric:16}{microseconds:8.1f} us")
    print(
        f"writing the whole world instead ({args.keys + args.rounds * args.calls} keys, "
        f"encode + atomic write): {whole * 1000:.1f} ms per change"
    )


if __name__ == "__main__":
    main()

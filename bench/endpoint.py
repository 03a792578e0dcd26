"""The local endpoint over HTTP: kmsmock's server against moto's, side by side in one run.

Each server runs in a process of its own, started as a team would start it (default logging,
sent to /dev/null here), and this process times one boto3 client per server, all made alike
(same Region, credentials and botocore defaults: a kept-alive connection on loopback). The
contenders take turns in short rounds (A, B, C, then B, C, A, ...), so the machine's drift
weighs on all of them alike; a figure is the median of a contender's rounds.

    python bench/endpoint.py                         # kmsmock (this tree) and moto
    python bench/endpoint.py --before /work/main     # and kmsmock from another tree
    python bench/endpoint.py --rounds 40 --calls 25

The file is not named http.py: run as a script, bench/ is first on sys.path and would shadow
the standard library's http package.
"""

from __future__ import annotations

import argparse
import gc
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "AKIABENCHMARK0000000", "aws_secret_access_key": "bench"}
PLAINTEXT = bytes(range(256)) * 4  # 1 KiB

# moto's server with its request lines on (werkzeug's default), as `moto_server` runs it.
MOTO = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]))
server.start()
print("ready", flush=True)
sys.stdin.read()
server.stop()
"""


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[str]
    client: Any = None
    rounds: dict[str, list[float]] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def kmsmock_server(name: str, tree: Path) -> Iterator[Server]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    process = subprocess.Popen(
        [sys.executable, "-m", "kmsmock", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tree,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if "KMS endpoint at" not in line:
            raise SystemExit(f"{name}: kmsmock serve did not start: {line!r}")
        yield Server(name, line.rsplit(" ", 1)[1].strip(), process)
    finally:
        process.terminate()
        process.wait(timeout=15)


@contextmanager
def moto_server() -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", MOTO, str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        # ThreadedMotoServer prints a line of its own before ours.
        for line in process.stdout:
            if line.strip() == "ready":
                break
        else:
            raise SystemExit("moto's server did not start (pip install 'moto[server]')")
        yield Server("moto", f"http://127.0.0.1:{port}", process)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def make_client(url: str) -> Any:
    return boto3.client(
        "kms",
        region_name=REGION,
        endpoint_url=url,
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
        **CREDENTIALS,
    )


def scenarios(client: Any) -> dict[str, Callable[[], object]]:
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    blob = client.encrypt(KeyId=key_id, Plaintext=PLAINTEXT)["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == PLAINTEXT
    return {
        "Decrypt 1 KiB": lambda: client.decrypt(CiphertextBlob=blob),
        "Encrypt 1 KiB": lambda: client.encrypt(KeyId=key_id, Plaintext=PLAINTEXT),
        "GenerateDataKey AES_256": lambda: client.generate_data_key(
            KeyId=key_id, KeySpec="AES_256"
        ),
    }


def run(servers: list[Server], *, rounds: int, calls: int) -> dict[str, dict[str, float]]:
    plans = {server.name: scenarios(server.client) for server in servers}
    metrics = list(plans[servers[0].name])
    for plan in plans.values():  # warm-up: connections open, caches filled
        for func in plan.values():
            for _ in range(20):
                func()
    gc.disable()
    try:
        for number in range(rounds):
            order = servers[number % len(servers) :] + servers[: number % len(servers)]
            for metric in metrics:
                for server in order:
                    func = plans[server.name][metric]
                    start = time.perf_counter()
                    for _ in range(calls):
                        func()
                    elapsed = (time.perf_counter() - start) / calls
                    server.rounds.setdefault(metric, []).append(elapsed)
    finally:
        gc.enable()
    return {
        metric: {s.name: statistics.median(s.rounds[metric]) * 1000 for s in servers}
        for metric in metrics
    }


def report(results: dict[str, dict[str, float]], names: list[str]) -> None:
    header = f"{'metric':<26}" + "".join(f"{name + ' ms':>14}" for name in names)
    ratios = [f"{name}/moto" for name in names if name != "moto"] if "moto" in names else []
    if "before" in names:
        ratios.append("kmsmock/before")
    print(header + "".join(f"{r:>16}" for r in ratios))
    print("-" * (len(header) + 16 * len(ratios)))
    for metric, figures in results.items():
        line = f"{metric:<26}" + "".join(f"{figures[name]:>14.3f}" for name in names)
        for ratio in ratios:
            top, bottom = ratio.split("/")
            line += f"{figures[top] / figures[bottom]:>15.2f}x"
        print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--before", type=Path, help="a kmsmock tree to measure as 'before'")
    parser.add_argument("--no-moto", action="store_true")
    parser.add_argument("--rounds", type=int, default=30, help="rounds per contender (30)")
    parser.add_argument("--calls", type=int, default=20, help="calls per round (20)")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        servers = []
        if args.before is not None:
            servers.append(stack.enter_context(kmsmock_server("before", args.before)))
        servers.append(stack.enter_context(kmsmock_server("kmsmock", ROOT)))
        if not args.no_moto:
            servers.append(stack.enter_context(moto_server()))
        for server in servers:
            server.client = make_client(server.url)
        results = run(servers, rounds=args.rounds, calls=args.calls)
    print(
        f"Python {sys.version.split()[0]}, boto3 {boto3.__version__}, "
        f"{args.rounds} rounds of {args.calls} calls per contender, keep-alive loopback"
    )
    report(results, [server.name for server in servers])
    return 0


if __name__ == "__main__":
    sys.exit(main())

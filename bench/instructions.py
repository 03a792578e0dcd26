"""Instructions per call, counted by valgrind's callgrind: a noise-free companion to run.py.

On a shared machine, timings of one call drift by ±30% between runs; instruction counts do
not. For each contender (the floor and kmsmock) the same script runs twice under callgrind,
with ``warm`` calls and then with ``warm + n`` calls; the difference divided by ``n`` is what
one call costs, set-up and imports cancelled out.

    python bench/instructions.py                 # Encrypt, Decrypt, DescribeKey, n=200
    python bench/instructions.py --op Encrypt -n 500

Needs valgrind (``apt-get install valgrind``). Each run takes a minute or so.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

_CHILD = r"""
import sys
sys.path.insert(0, {here!r})
from contenders import Floor, KmsMockContender, setting_up
import scenarios

contender = {{"floor": Floor, "kmsmock": KmsMockContender}}[{contender!r}]()
with contender.active():
    client = contender.client()
    call = getattr(scenarios, "_" + {op!r})(client, contender)
    for _ in range({calls}):
        call()
"""

_OPS = {
    "Encrypt": "encrypt",
    "Decrypt": "decrypt",
    "ReEncrypt": "re_encrypt",
    "GenerateDataKey": "generate_data_key",
    "DescribeKey": "describe_key",
    "GenerateMac": "generate_mac",
    "ListAliases": "list_aliases",
    "GetKeyRotationStatus": "get_key_rotation_status",
    "ListKeyRotations": "list_key_rotations",
    "GetKeyLastUsage": "get_key_last_usage",
    # All 10 pages of 1,000 keys per call: run it with a small -n.
    "ListKeys-1000": "list_keys_paginated",
}


def _instructions(contender: str, op: str, calls: int) -> int:
    code = _CHILD.format(here=str(HERE), contender=contender, op=_OPS[op], calls=calls)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-c",
                code,
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        match = re.search(r"Collected : (\d+)", done.stderr)
        if done.returncode != 0 or match is None:
            raise RuntimeError(f"callgrind failed:\n{done.stderr[-2000:]}")
        return int(match.group(1))


def per_call(contender: str, op: str, n: int, warm: int) -> float:
    return (_instructions(contender, op, warm + n) - _instructions(contender, op, warm)) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--op", action="append", choices=sorted(_OPS))
    parser.add_argument("-n", type=int, default=200, help="measured calls")
    parser.add_argument("--warm", type=int, default=20, help="calls before the measured ones")
    args = parser.parse_args()
    ops = args.op or ["Encrypt", "Decrypt", "DescribeKey"]
    print(f"{'operation':<16}{'floor':>14}{'kmsmock':>14}{'ratio':>8}   (instructions per call)")
    for op in ops:
        floor = per_call("floor", op, args.n, args.warm)
        mock = per_call("kmsmock", op, args.n, args.warm)
        print(f"{op:<16}{floor:>14,.0f}{mock:>14,.0f}{mock / floor:>7.2f}x", flush=True)


if __name__ == "__main__":
    main()

"""The floor and kmsmock measured in alternating short rounds: wall-clock ratios that hold on
a noisy machine.

``run.py`` gives each contender its own turn at a metric. On a shared machine the speed drifts
between turns by more than the 10-15% a target allows, so one row's ratio can land anywhere
from 0.8x to 1.3x. Here both contenders are set up side by side and take turns in rounds of a
few calls each (floor, kmsmock, kmsmock, floor, ...): drift weighs on both alike, and each
round's ratio compares two neighbouring measurements. The figure is the median of those
ratios.

The floor's client answers from its own ``before-send`` handler and has kmsmock's handlers
taken off, so the active mock never sees its requests and adds nothing to its calls.

    python bench/paired.py                          # every operation below
    python bench/paired.py --op Encrypt --rounds 200
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

import access
import scenarios
from contenders import Contender, Floor, KmsMockContender

# Operation → (scenario builder, calls per round, target ratio).
OPERATIONS: dict[str, tuple[Callable[[Any, Contender], Callable[[], object]], int, float]] = {
    "Encrypt": (scenarios._encrypt, 10, 1.15),
    "Decrypt": (scenarios._decrypt, 10, 1.15),
    "ReEncrypt": (scenarios._re_encrypt, 10, 1.15),
    "GenerateDataKey": (scenarios._generate_data_key, 10, 1.15),
    "DescribeKey": (scenarios._describe_key, 10, 1.15),
    "GenerateMac": (scenarios._generate_mac, 10, 1.15),
    "ListAliases": (scenarios._list_aliases, 10, 1.15),
    "GetKeyRotationStatus": (scenarios._get_key_rotation_status, 10, 1.15),
    "ListKeyRotations": (scenarios._list_key_rotations, 10, 1.3),
    "GetKeyLastUsage": (scenarios._get_key_last_usage, 10, 1.15),
    "CreateKey": (scenarios._create_key, 10, 1.3),
    # A role's session through a 20-statement key policy and an identity policy.
    "Encrypt-by-role": (access._policy_evaluated_encrypt, 10, 1.3),
    # A key policy's StringLike with eight "*" against a 60-character context value.
    "Encrypt-wildcard": (access._wildcard_condition_encrypt, 10, 1.3),
    # All 10 pages of 1,000 keys per call.
    "ListKeys-1000": (scenarios._list_keys_paginated, 1, 1.2),
}


def _round(call: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        call()
    return (time.perf_counter() - start) / number


def paired(operation: str, rounds: int) -> tuple[float, float, float]:
    """Median seconds per call of the floor and of kmsmock, and the median of the rounds'
    kmsmock/floor ratios."""
    build, number, _ = OPERATIONS[operation]
    floor, mock = Floor(), KmsMockContender()
    with floor.active(), mock.active():
        floor_client = floor.client()
        floor_client.meta.events.unregister("before-sign.kms", unique_id="kmsmock-before-sign")
        floor_client.meta.events.unregister("before-send.kms", unique_id="kmsmock-before-send")
        floor_call = build(floor_client, floor)
        mock_call = build(mock.client(), mock)
        for _ in range(5):  # warm-up: caches of both, and the floor's replay table
            _round(floor_call, number)
            _round(mock_call, number)
        floors: list[float] = []
        mocks: list[float] = []
        ratios: list[float] = []
        gc.disable()  # a collection landing in one round would dominate it
        try:
            for index in range(rounds):
                if index % 2 == 0:
                    floors.append(_round(floor_call, number))
                    mocks.append(_round(mock_call, number))
                else:
                    mocks.append(_round(mock_call, number))
                    floors.append(_round(floor_call, number))
                ratios.append(mocks[-1] / floors[-1])
        finally:
            gc.enable()
    return statistics.median(floors), statistics.median(mocks), statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--op", action="append", choices=sorted(OPERATIONS))
    parser.add_argument("--rounds", type=int, default=100, help="rounds per contender")
    args = parser.parse_args()
    print(f"{'operation':<22}{'floor ms':>10}{'kmsmock ms':>12}{'ratio':>8}  target")
    for operation in args.op or list(OPERATIONS):
        floor, mock, ratio = paired(operation, args.rounds)
        target = OPERATIONS[operation][2]
        print(
            f"{operation:<22}{floor * 1000:>10.3f}{mock * 1000:>12.3f}{ratio:>7.2f}x  <= {target}x",
            flush=True,
        )


if __name__ == "__main__":
    main()

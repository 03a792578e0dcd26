"""Timing, memory and reporting for the benchmark: medians of repeats, ratios in one run."""

from __future__ import annotations

import gc
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Timing:
    """Seconds per call over ``repeats`` rounds of ``number`` calls, after a warm-up.

    ``best`` is the fastest round: on a shared machine, slower rounds measure the neighbours
    as much as the code, so the best round is the steadiest figure (as ``timeit`` advises).
    """

    median: float
    best: float
    rounds: list[float] = field(default_factory=list)


def measure(
    func: Callable[[], object], *, number: int, repeats: int, warmup: int | None = None
) -> Timing:
    for _ in range(number if warmup is None else warmup):
        func()
    rounds = []
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a collection landing in one round would dominate a sub-millisecond call
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(number):
                func()
            rounds.append((time.perf_counter() - start) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    return Timing(statistics.median(rounds), min(rounds), rounds)


def allocated_bytes(build: Callable[[], object]) -> int:
    """Bytes still allocated by what ``build`` returns (kept alive while measured)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    keep = build()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del keep
    return after - before


@dataclass
class Row:
    metric: str
    unit: str  # "ms" (per call) or "MiB"
    values: dict[str, float | None]  # per contender: floor, kmsmock, moto
    target: str = ""


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def render(rows: list[Row]) -> str:
    header = (
        f"{'metric':<52} {'floor':>10} {'kmsmock':>10} {'moto':>10} "
        f"{'km/floor':>9} {'moto/km':>8}  target"
    )
    lines = [header, "-" * len(header)]

    def cell(value: float | None) -> str:
        return f"{value:10.3f}" if value is not None else f"{'-':>10}"

    def ratio_cell(value: float | None, width: int) -> str:
        return f"{value:{width}.2f}x" if value is not None else f"{'-':>{width + 1}}"

    for row in rows:
        floor, kmsmock, moto = (row.values.get(k) for k in ("floor", "kmsmock", "moto"))
        lines.append(
            f"{row.metric + ' (' + row.unit + ')':<52} {cell(floor)} {cell(kmsmock)} "
            f"{cell(moto)} {ratio_cell(ratio(kmsmock, floor), 8)} "
            f"{ratio_cell(ratio(moto, kmsmock), 7)}  {row.target}"
        )
    return "\n".join(lines)


def write_json(rows: list[Row], path: Path, meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "meta": meta,
        "results": [
            {
                "metric": r.metric,
                "unit": r.unit,
                **r.values,
                "kmsmock_over_floor": ratio(r.values.get("kmsmock"), r.values.get("floor")),
                "moto_over_kmsmock": ratio(r.values.get("moto"), r.values.get("kmsmock")),
                "target": r.target,
            }
            for r in rows
        ],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")

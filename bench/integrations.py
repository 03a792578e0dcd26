"""What the service integrations cost other services' requests (issue 20).

Every botocore session carries the integrations' handlers (three per integrated service), so
clients made before a mock started see them. With the integrations off they must cost nothing
measurable. This measures moto serving S3 PutObject (1 KiB bodies) through:

- **bare**: a client whose integration handlers were taken off (what a request cost before);
- **off**: an ordinary client, kmsmock active, integrations off (the default);
- **on, no SSE**: integrations on, an upload with no KMS key (bookkeeping only);
- **on, SSE-KMS**: integrations on, an upload that calls GenerateDataKey.

bare and off run in alternating rounds (off/bare, bare/off, ...), so machine drift weighs on
both alike; the ratio is the median of the rounds' ratios. It also times making a client, which
copies its session's handlers. Never run as a test.

    python bench/integrations.py             # 1,000 calls per contender
    python bench/integrations.py --calls 200 --rounds 10
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3  # noqa: E402
import botocore.session  # noqa: E402
from moto import mock_aws  # noqa: E402

from kmsmock import mock_kms  # noqa: E402
from kmsmock.integrations import SERVICES  # noqa: E402

REGION = "us-east-1"
BODY = b"x" * 1024
_EVENTS = (
    ("before-parameter-build", "params"),
    ("before-call", "call"),
    ("after-call", "answer"),
)


def strip(events: object) -> None:
    """Take the integrations' handlers off a client's (or session's) event emitter."""
    for service in SERVICES.values():
        for event, name in _EVENTS:
            events.unregister(  # type: ignore[attr-defined]
                f"{event}.{service}", unique_id=f"kmsmock-integration-{name}-{service}"
            )


def bare(client: object) -> object:
    """``client`` without the integrations' handlers."""
    strip(client.meta.events)  # type: ignore[attr-defined]
    return client


def per_call(work: Callable[[], object], calls: int) -> float:
    """Seconds per call of one round of ``calls`` calls, the collector paused."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(calls):
            work()
        return (time.perf_counter() - start) / calls
    finally:
        gc.enable()


def uploader(client: object, **extra: object) -> Callable[[], object]:
    put = client.put_object  # type: ignore[attr-defined]
    return lambda: put(Bucket="bench", Key="k", Body=BODY, **extra)


def paired(calls: int, rounds: int) -> tuple[float, float, float]:
    """(bare, off) seconds per call, best rounds, and the median of off/bare per round."""
    with mock_aws(), mock_kms():
        plain = boto3.client("s3", region_name=REGION)
        plain.create_bucket(Bucket="bench")
        without = uploader(bare(boto3.client("s3", region_name=REGION)))
        with_handlers = uploader(plain)
        for _ in range(calls // 5 + 1):  # warm-up
            without()
            with_handlers()
        ratios, bare_times, off_times = [], [], []
        for number in range(rounds):
            order = [(without, bare_times), (with_handlers, off_times)]
            if number % 2:
                order.reverse()
            for work, times in order:
                times.append(per_call(work, calls // rounds))
            ratios.append(off_times[-1] / bare_times[-1])
        return min(bare_times), min(off_times), statistics.median(ratios)


def integrated(calls: int, **extra: object) -> float:
    with mock_aws(), mock_kms(integrations=["s3"]) as kms:
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket="bench")
        if extra.get("SSEKMSKeyId") == "new":
            kms_client = boto3.client("kms", region_name=REGION)
            extra["SSEKMSKeyId"] = kms_client.create_key()["KeyMetadata"]["Arn"]
        work = uploader(client, **extra)
        for _ in range(calls // 5 + 1):
            work()
        kms.world.events.resize(10)  # keep the audit log small: this is not what is measured
        return min(per_call(work, calls // 5) for _ in range(5))


def client_creation(rounds: int) -> tuple[float, float]:
    """Seconds to make an S3 client from a session with, and without, the handlers (best of
    alternating rounds of 10)."""
    with_session = botocore.session.get_session()
    without_session = botocore.session.get_session()
    strip(without_session._events)  # type: ignore[attr-defined]  # the session's own emitter
    times: dict[int, list[float]] = {0: [], 1: []}
    for session in (with_session, without_session):
        session.create_client("s3", region_name=REGION)  # loads the model once
    for number in range(rounds):
        order = [0, 1] if number % 2 else [1, 0]
        for which in order:
            session = (with_session, without_session)[which]
            times[which].append(
                per_call(lambda s=session: s.create_client("s3", region_name=REGION), 10)
            )
    return min(times[0]), min(times[1])


def emitting(number: int) -> tuple[float, float]:
    """Seconds botocore spends emitting one PutObject's three events through an S3 client's
    emitter with, and without, the handlers (integrations off): the handlers' own cost, free
    of the noise of a whole request."""
    with mock_aws(), mock_kms():
        with_client = boto3.client("s3", region_name=REGION)
        without_client = bare(boto3.client("s3", region_name=REGION))
        model = with_client.meta.service_model.operation_model("PutObject")
        results = []
        for client in (with_client, without_client):
            events = client.meta.events

            def three(events: object = events) -> None:
                context: dict[str, object] = {}
                emit = events.emit  # type: ignore[attr-defined]
                emit("before-parameter-build.s3.PutObject", params={}, model=model, context=context)
                emit("before-call.s3.PutObject", model=model, params={}, context=context)
                emit(
                    "after-call.s3.PutObject",
                    http_response=None,
                    parsed={},
                    model=model,
                    context=context,
                )

            three()
            results.append(min(per_call(three, number) for _ in range(5)))
        return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000, help="calls per contender")
    parser.add_argument("--rounds", type=int, default=20, help="alternating rounds (paired)")
    args = parser.parse_args()
    bare_s, off_s, ratio = paired(args.calls, args.rounds)
    on_plain = integrated(args.calls)
    on_sse = integrated(args.calls, ServerSideEncryption="aws:kms", SSEKMSKeyId="new")
    made_with, made_without = client_creation(20)
    print(f"moto S3 PutObject 1 KiB, {args.calls} calls per contender (best round, ms/call)")
    print(f"  bare (no integration handlers)      {bare_s * 1e3:8.3f}")
    off = f"  off  (handlers, integrations off)   {off_s * 1e3:8.3f}"
    print(f"{off}   off/bare {ratio:.3f}x (median of rounds)")
    print(f"  on, no SSE                          {on_plain * 1e3:8.3f}")
    print(f"  on, SSE-KMS (GenerateDataKey)       {on_sse * 1e3:8.3f}")
    emit_with, emit_without = emitting(20_000)
    print("emitting a PutObject's before-parameter-build, before-call and after-call (us)")
    print(f"  with the handlers {emit_with * 1e6:.2f}, without {emit_without * 1e6:.2f}")
    print("making an S3 client (ms)")
    print(f"  with the handlers {made_with * 1e3:.3f}, without {made_without * 1e3:.3f}")


if __name__ == "__main__":
    main()

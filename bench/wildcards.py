"""Issue 18: policy wildcards against a long value, before and after the linear-time matcher.

    python bench/wildcards.py                      # this tree
    python bench/wildcards.py --before /work/main  # and another tree's kmsmock, same run

Raw matchers, in this process: the regular expression kmsmock built before (``*`` as ``.*``,
``?`` as ``.``, DOTALL, fullmatch; reproduced below) against ``kmsmock.policy.wildcard``, on
the same inputs. Encrypt, in a child process per tree (so each imports its own kmsmock): a
key whose policy denies Encrypt when ``StringLike kms:EncryptionContext:tag`` matches eight
``*`` (bench/access.py), called with a 60-character tag it does not match, in process and
over HTTP to a LocalEndpoint; next to it the same key with a tag the pattern rejects at once.
Calls slower than 50 ms are timed twice (best of two), others as bench/run.py times them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from access import EIGHT_STARS, NEAR_MISS, wildcard_policy  # noqa: E402
from harness import measure  # noqa: E402
from scenarios import KIB  # noqa: E402

KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
# (name, pattern, value, whether the old regex finishes in reasonable time): the case,
# a far harder one, and what policies usually hold.
RAW = [
    ("eight * vs 60 chars, no match", EIGHT_STARS, "a" * 60, True),
    ("eight * vs 60 chars, match", "a*" * 8 + "a", "a" * 60, True),
    ("40 *a? vs 1,000 chars, no match", "*a?" * 40 + "b", "a" * 1000, False),
    # Neither end decides: the pieces between stars are searched for.
    ("*a*a*a*a*a*a*a*a*b* vs 60 chars, no match", "*a" * 8 + "*b*", "a" * 60, False),
    # A piece whose first letters fit at every position and whose "?b" never does.
    ("*a{20}?b* vs 1,000 chars, no match", "*" + "a" * 20 + "?b*", "a" * 1000, True),
    ("*(a?){2000}b* vs 8,192 chars, no match", "*" + "a?" * 2000 + "b*", "a" * 8192, True),
    ("key ARN pattern", "arn:aws:kms:*:111122223333:key/*", KEY_ARN, True),
    ("action pattern", "kms:generatedatakey*", "kms:generatedatakeywithoutplaintext", True),
    ("principal ARN with ?", "arn:aws:iam::*:user/alic?", "arn:aws:iam::1:user/alice", True),
]


def old_regex(pattern: str) -> re.Pattern[str]:
    """What kmsmock/policy/conditions.py compiled before (like_regex)."""
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.DOTALL)


def per_call(func: Callable[[], object]) -> float:
    """Seconds per call: best of two for a slow call, else best round as bench/run.py."""
    start = time.perf_counter()
    func()
    first = time.perf_counter() - start
    if first > 0.05:
        start = time.perf_counter()
        func()
        return min(first, time.perf_counter() - start)
    return measure(func, number=200, repeats=5).best


def raw_rows() -> None:
    from kmsmock.policy.wildcard import compile_wildcard

    print(f"{'raw matcher (µs per match)':<44} {'old regex':>12} {'wildcard.py':>12}")
    for name, pattern, value, old_finishes in RAW:
        regex, new = old_regex(pattern), compile_wildcard(pattern)
        old = f"{'(not run)':>12}"
        if old_finishes:
            assert new.fullmatch(value) is (regex.fullmatch(value) is not None), name
            old = f"{per_call(lambda r=regex, v=value: r.fullmatch(v)) * 1e6:12,.1f}"
        after = per_call(lambda n=new, v=value: n.fullmatch(v))
        print(f"{name:<44} {old} {after * 1e6:12,.2f}")


def encrypt_figures() -> dict[str, float]:
    """Milliseconds per Encrypt under whichever kmsmock this process imports."""
    import boto3

    from kmsmock import mock_kms
    from kmsmock.server import LocalEndpoint

    figures: dict[str, float] = {}
    with mock_kms():
        client = boto3.client("kms", region_name="us-east-1")
        key_id = client.create_key(Policy=wildcard_policy())["KeyMetadata"]["KeyId"]
        for label, context in (("eight *", NEAR_MISS), ("quick no", {"tag": "x" * 60})):
            figures[f"in-process, {label}"] = 1e3 * per_call(
                lambda c=context: client.encrypt(KeyId=key_id, Plaintext=KIB, EncryptionContext=c)
            )
    with LocalEndpoint() as endpoint:
        client = endpoint.client()
        key_id = client.create_key(Policy=wildcard_policy())["KeyMetadata"]["KeyId"]
        for label, context in (("eight *", NEAR_MISS), ("quick no", {"tag": "x" * 60})):
            figures[f"over HTTP, {label}"] = 1e3 * per_call(
                lambda c=context: client.encrypt(KeyId=key_id, Plaintext=KIB, EncryptionContext=c)
            )
    return figures


def encrypt_in(tree: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, __file__, "--encrypt-only"],
        env=env,
        cwd=tree,  # so the tree's package, not this one's, is first on the path
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="another tree to time Encrypt under")
    parser.add_argument("--encrypt-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.encrypt_only:
        print(json.dumps(encrypt_figures()))
        return
    raw_rows()
    trees = [(HERE.parent.name, HERE.parent)]
    if args.before is not None:
        trees.insert(0, (args.before.name, args.before.resolve()))
    columns = {name: encrypt_in(tree) for name, tree in trees}
    print()
    header = f"{'Encrypt 1 KiB, tag of 60 chars (ms per call)':<46}"
    print(header + "".join(f"{name:>14}" for name in columns))
    for row in next(iter(columns.values())):
        print(f"{row:<46}" + "".join(f"{figures[row]:14,.3f}" for figures in columns.values()))


if __name__ == "__main__":
    main()

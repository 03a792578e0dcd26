"""Run the kmsmock benchmark: floor vs kmsmock vs moto, same process, same run.

    python bench/run.py            # everything but moto's slowest set-ups (about 3 minutes)
    python bench/run.py --quick    # fewer rounds, for a quick look
    python bench/run.py --full     # moto for the 1,000/10,000-key metrics too (very slow)
    python bench/run.py --no-moto

Each figure is the median, over passes in which the contenders take turns, of the fastest of
several rounds of calls. Prints a table with the ratios, and writes bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import access  # noqa: E402
import scenarios as s  # noqa: E402
import snapshots  # noqa: E402
import usage  # noqa: E402
from contenders import available  # noqa: E402
from harness import Row, render, write_json  # noqa: E402

# (metric, unit, scenario, target, moto runs it by default)
METRICS: list[tuple[str, str, s.Scenario, str, bool]] = [
    ("import (cold, subprocess)", "ms", s.import_time, "kmsmock <= 150 ms", True),
    ("activate + deactivate", "ms", s.activation, "<= 0.1 ms", True),
    ("first client in a mock", "ms", s.first_client, "<= 1.2x floor", True),
    ("CreateKey SYMMETRIC_DEFAULT", "ms", s.create_key, "<= 1.3x floor", True),
    ("Encrypt 1 KiB", "ms", s.encrypt, "<= 1.15x floor", True),
    ("Decrypt 1 KiB", "ms", s.decrypt, "<= 1.15x floor", True),
    ("ReEncrypt 1 KiB", "ms", s.re_encrypt, "<= 1.15x floor", True),
    ("GenerateDataKey AES_256", "ms", s.generate_data_key, "<= 1.15x floor", True),
    ("DescribeKey", "ms", s.describe_key, "<= 1.15x floor", True),
    ("ListAliases (10 aliases)", "ms", s.list_aliases, "", True),
    ("CreateKey RSA_2048", "ms", s.create_key_spec("RSA_2048"), "<= 1.3x floor", True),
    ("CreateKey RSA_4096", "ms", s.create_key_spec("RSA_4096"), "<= 1.3x floor", False),
    ("CreateKey ECC_NIST_P256", "ms", s.create_key_spec("ECC_NIST_P256"), "<= 1.3x floor", True),
    ("CreateKey HMAC_256", "ms", s.create_key_spec("HMAC_256"), "<= 1.3x floor", True),
    ("Sign ECC_NIST_P256", "ms", s.sign("ECC_NIST_P256"), "", True),
    ("Verify ECC_NIST_P256", "ms", s.verify("ECC_NIST_P256"), "", True),
    ("Sign RSA_2048", "ms", s.sign("RSA_2048"), "", True),
    ("Verify RSA_2048", "ms", s.verify("RSA_2048"), "", True),
    (
        "test: CreateKey + first Sign, RSA_4096",
        "ms",
        s.first_sign_rsa_4096,
        "<= 0.5x moto's CreateKey RSA_4096",
        True,
    ),
    (
        "CreateKey + first Sign, RSA_4096, n-th key of a mock",
        "ms",
        s.fresh_sign_rsa_4096,
        "",
        False,
    ),
    ("GenerateMac HMAC_256", "ms", s.generate_mac, "<= 1.15x floor", True),
    ("ListKeys, 1,000 keys, all pages", "ms", s.list_keys_paginated, "<= 1.2x floor", False),
    ("typical test", "ms", s.typical_test, "<= 1.3x floor, >= 6x faster than moto", True),
    (
        "Encrypt by a role through a grant",
        "ms",
        access.grant_authorized_encrypt,
        "<= 1.3x floor",
        True,
    ),
    ("CreateGrant", "ms", access.create_grant, "<= 1.3x floor", True),
    (
        "CreateKey MultiRegion + ReplicateKey",
        "ms",
        access.create_and_replicate,
        "<= 1.3x floor",
        True,
    ),
    ("UpdatePrimaryRegion", "ms", access.update_primary_region, "<= 1.3x floor", True),
    (
        "Decrypt in us-west-2 with a multi-Region replica",
        "ms",
        access.decrypt_with_a_replica,
        "<= 1.15x floor",
        True,
    ),
    (
        "Encrypt by a role, 20-statement key policy + identity policy",
        "ms",
        access.policy_evaluated_encrypt,
        "<= 1.3x floor",
        True,
    ),
    (
        "Encrypt, StringLike with eight * vs 60 chars",
        "ms",
        access.wildcard_condition_encrypt,
        "<= 1.3x floor",
        False,
    ),
]
for count in (10, 1_000, 10_000):
    for op in ("Encrypt by ID", "Encrypt by alias", "DescribeKey", "ListAliases"):
        METRICS.append(
            (
                f"{op}, {count:,} keys",
                "ms",
                s.populated(count, op),
                "<= 1.1x the 10-key figure",
                count == 10,
            )
        )
METRICS += [
    ("GetKeyRotationStatus", "ms", s.get_key_rotation_status, "<= 1.15x floor", True),
    ("RotateKeyOnDemand", "ms", s.rotate_key_on_demand, "<= 1.3x floor", True),
    ("ListKeyRotations (10 rotations)", "ms", s.list_key_rotations, "<= 1.3x floor", True),
    ("GetKeyLastUsage", "ms", s.get_key_last_usage, "<= 1.15x floor", True),
    ("Encrypt, 10 rotating keys", "ms", s.encrypt_with_rotating_keys(10), "", False),
    (
        "Encrypt, 10,000 rotating keys",
        "ms",
        s.encrypt_with_rotating_keys(10_000),
        "<= 1.1x the 10-key figure",
        False,
    ),
    ("memory, 10,000 symmetric keys", "MiB", s.memory_10k_keys, "<= 4 MiB", False),
    ("memory, audit log full (1,000 CreateKey events)", "MiB", s.memory_audit_events, "", False),
    # Issue 8: what recording, fault rules and quotas add to a call (compare "Encrypt 1 KiB").
    ("Encrypt 1 KiB, audit log off", "ms", usage.encrypt_unrecorded, "", False),
    ("Encrypt 1 KiB, quotas enforced", "ms", usage.encrypt_with_quotas, "<= 1.15x floor", False),
    (
        "Encrypt 1 KiB, a fault rule for Decrypt",
        "ms",
        usage.encrypt_with_a_fault_rule,
        "<= 1.15x floor",
        False,
    ),
    # Issue 5: data key pairs, key agreement, EdDSA and ML-DSA, imported key material.
    (
        "GenerateDataKeyPair ECC_NIST_P256",
        "ms",
        s.generate_data_key_pair("ECC_NIST_P256"),
        "<= 1.3x floor",
        True,
    ),
    (
        "GenerateDataKeyPair RSA_2048",
        "ms",
        s.generate_data_key_pair("RSA_2048"),
        "none: a new RSA key per call, as AWS",
        True,
    ),
    ("DeriveSharedSecret ECC_NIST_P256", "ms", s.derive_shared_secret, "", True),
    ("Sign ECC_NIST_EDWARDS25519", "ms", s.sign("ECC_NIST_EDWARDS25519"), "", True),
    ("Verify ECC_NIST_EDWARDS25519", "ms", s.verify("ECC_NIST_EDWARDS25519"), "", True),
    ("Sign ML_DSA_65", "ms", s.sign("ML_DSA_65"), "", True),
    ("Verify ML_DSA_65", "ms", s.verify("ML_DSA_65"), "", True),
    ("CreateKey ML_DSA_65", "ms", s.create_key_spec("ML_DSA_65"), "<= 1.3x floor", True),
    (
        "GetParametersForImport RSA_2048",
        "ms",
        s.get_parameters_for_import,
        "none: a new RSA wrapping key per call, as AWS",
        True,
    ),
    ("ImportKeyMaterial symmetric", "ms", s.import_key_material, "", True),
    # Issue 7: shared keys built by every test, or copied from a snapshot built once.
    (
        "test: build 200 symmetric + 5 RSA keys",
        "ms",
        snapshots.build_shared_keys,
        "",
        False,
    ),
    (
        "test: start from a snapshot of 200 symmetric + 5 RSA keys",
        "ms",
        snapshots.start_from_snapshot,
        "<= 0.05x the build-per-test figure",
        False,
    ),
]


# Metrics whose set-up is slow: measured once per contender, not once per pass.
_ONE_PASS = {
    "typical test",
    "first client in a mock",
    "import (cold, subprocess)",
    "test: CreateKey + first Sign, RSA_4096",
    "CreateKey + first Sign, RSA_4096, n-th key of a mock",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--full", action="store_true", help="moto for every metric")
    parser.add_argument("--no-moto", action="store_true", help="leave moto out")
    parser.add_argument("--only", help="run the metrics whose name contains this text")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "latest.json")
    args = parser.parse_args()

    settings = s.Settings(quick=args.quick)
    contenders = available(include_moto=not args.no_moto)
    rows = []
    started = time.time()
    for metric, unit, scenario, target, moto_default in METRICS:
        if args.only and args.only.lower() not in metric.lower():
            continue
        # Contenders take turns, pass after pass, and each keeps the median of its passes:
        # drift in the machine's speed then weighs on all of them alike.
        results: dict[str, list[float]] = {c.name: [] for c in contenders}
        for _ in range(settings.passes):
            for contender in contenders:
                if contender.name == "moto" and not (moto_default or args.full):
                    continue
                if contender.name == "moto" and results["moto"] and metric in _ONE_PASS:
                    continue
                try:
                    value = scenario(contender, settings)
                except Exception as error:  # a contender that lacks the operation: no figure
                    print(f"  {contender.name} cannot run {metric!r}: {type(error).__name__}")
                    value = None
                if value is not None:
                    results[contender.name].append(value * 1000 if unit == "ms" else value)
        values: dict[str, float | None] = {
            name: statistics.median(found) if found else None for name, found in results.items()
        }
        rows.append(Row(metric, unit, values, target))
        print(render(rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(render(rows))
    meta = {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "quick": args.quick,
        "seconds": round(time.time() - started, 1),
    }
    write_json(rows, args.json, meta)
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()

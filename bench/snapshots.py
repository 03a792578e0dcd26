"""Metrics of world snapshots: state built once and copied per test."""

from __future__ import annotations

from typing import Any

from contenders import Contender
from scenarios import Settings, _timed

# -- snapshots (issue 7): shared keys built per test, or copied from a snapshot ------------


def _build_shared_keys(client: Any) -> None:
    """What a suite's tests share: 200 symmetric keys and 5 RSA signing keys whose private
    keys are made (GetPublicKey)."""
    for _ in range(200):
        client.create_key()
    for _ in range(5):
        made = client.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
        client.get_public_key(KeyId=made["KeyMetadata"]["KeyId"])


def build_shared_keys(contender: Contender, settings: Settings) -> float:
    """Each test builds the shared keys itself: activate, build, deactivate."""

    def run() -> None:
        with contender.active():
            _build_shared_keys(contender.client())

    return _timed(settings, run, scale=0.02)


def start_from_snapshot(contender: Contender, settings: Settings) -> float | None:
    """Each test starts from a snapshot of the shared keys: activate (a copy), deactivate."""
    if contender.name != "kmsmock":
        return None  # only kmsmock has snapshots
    from kmsmock import mock_kms

    with mock_kms() as kms:
        _build_shared_keys(contender.client())
        snapshot = kms.snapshot()

    def run() -> None:
        with mock_kms(snapshot=snapshot):
            pass

    return _timed(settings, run, scale=0.25)

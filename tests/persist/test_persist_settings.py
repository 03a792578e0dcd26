"""Settings in state files: ``kms.save`` writes them, ``kms.load`` reads them back, older
files' ``on_demand_rotation_limit`` still reads, and a wrong one says where and what."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers_persist import client_in

from kmsmock import KmsMockUsageError, Limits, Settings, mock_kms
from kmsmock.persist import StateFileError

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


def _error_of(document: Any) -> str:
    with pytest.raises(StateFileError) as excinfo, mock_kms() as kms:
        kms.load(document)
    return str(excinfo.value)


def test_save_then_load_keeps_keys_ciphertexts_and_settings(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    settings = Settings(
        limits=Limits(tags_per_key=1, on_demand_rotations_per_key=3),
        transition_delay=timedelta(seconds=30),
        audit_events_kept=2,
    )
    with mock_kms(settings=settings) as kms:
        client = client_in()
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        blob = client.encrypt(KeyId=key_id, Plaintext=b"kept")["CiphertextBlob"]
        kms.save(path)
    document = json.loads(path.read_text())
    # Only the limits that differ from AWS's are written: a file follows the defaults of the
    # kmsmock that reads it.
    assert document["limits"] == {"tags_per_key": 1, "on_demand_rotations_per_key": 3}
    assert (document["transition_delay_seconds"], document["audit_events_kept"]) == (30.0, 2)
    assert "on_demand_rotation_limit" not in document
    with mock_kms() as again:
        again.load(path)
        assert again.settings == settings
        client = client_in()
        assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"
        client.list_keys()
        client.list_aliases()
        client.list_keys()
        assert len(again.events) == 2  # the bound came with the file


def test_default_settings_write_no_limits(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with mock_kms() as kms:
        kms.save(path)
    document = json.loads(path.read_text())
    assert document["transition_delay_seconds"] == 0.0
    assert "limits" not in document and "audit_events_kept" not in document


def test_save_needs_a_started_mock(tmp_path: Path) -> None:
    with pytest.raises(KmsMockUsageError, match="this mock has not been started"):
        mock_kms().save(tmp_path / "state.json")


def test_a_seed_sets_only_the_settings_it_gives() -> None:
    given = Settings(limits=Limits(grants_per_key=4), audit_events_kept=7)
    with mock_kms(settings=given) as kms:
        kms.load({"limits": {"aliases_per_key": 2}, "keys": [{"id": KEY_ID}]})
        assert kms.settings == Settings(
            limits=Limits(grants_per_key=4, aliases_per_key=2), audit_events_kept=7
        )


def test_the_older_on_demand_rotation_limit_still_reads() -> None:
    with mock_kms() as kms:
        kms.load({"on_demand_rotation_limit": 10})
        assert kms.settings.limits.on_demand_rotations_per_key == 10
    with mock_kms() as kms:
        kms.load({"on_demand_rotation_limit": 10, "limits": {"on_demand_rotations_per_key": 10}})
        assert kms.settings.limits.on_demand_rotations_per_key == 10


def test_a_setting_that_differs_refuses_a_load_into_a_mock_with_keys() -> None:
    with mock_kms() as kms:
        client_in().create_key()
        with pytest.raises(StateFileError) as excinfo:
            kms.load({"limits": {"tags_per_key": 5}, "keys": [{"id": KEY_ID}]})
        assert str(excinfo.value) == (
            "<seed dict>: limits.tags_per_key: differs from this mock's setting, and the mock "
            "is not empty"
        )
        assert kms.settings == Settings()
        # The same values as the mock's are no clash.
        kms.configure(limits={"tags_per_key": 5})
        kms.load({"limits": {"tags_per_key": 5}, "keys": [{"id": KEY_ID}]})
        assert len(client_in().list_keys()["Keys"]) == 2


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"limits": {"tags_per_kye": 5}},
            "<seed dict>: limits.tags_per_kye: unknown field 'tags_per_kye' (did you mean "
            "'tags_per_key'?)",
        ),
        ({"limits": [5]}, "<seed dict>: limits: must be an object; got an array"),
        (
            {"limits": {"tags_per_key": -1}},
            "<seed dict>: limits.tags_per_key: must be from 0; got -1",
        ),
        (
            {"limits": {"grants_per_key": 1.5}},
            "<seed dict>: limits.grants_per_key: must be a whole number; got a number",
        ),
        ({"audit_events_kept": -3}, "<seed dict>: audit_events_kept: must be from 0; got -3"),
        (
            {"on_demand_rotation_limit": 10, "limits": {"on_demand_rotations_per_key": 12}},
            "<seed dict>: on_demand_rotation_limit: differs from "
            "limits.on_demand_rotations_per_key: give one of them",
        ),
        (
            {"transition_delay_seconds": 1e300},
            "<seed dict>: transition_delay_seconds: is not a duration timedelta can hold: 1e+300",
        ),
    ],
    ids=[
        "unknown-limit",
        "limits-not-an-object",
        "negative-limit",
        "fractional-limit",
        "negative-bound",
        "two-rotation-limits",
        "huge-delay",
    ],
)
def test_a_bad_setting_says_where_and_what(document: Any, message: str) -> None:
    assert _error_of(document) == message


def test_the_state_file_recipe_of_the_docs_runs() -> None:
    # A `py` block: it starts two mocks one after the other, where tests/test_docs.py runs
    # `python` blocks inside a mock of its own, which would nest them into one world.
    page = (Path(__file__).resolve().parents[2] / "docs" / "seed-files.md").read_text()
    section = page[page.index("## State files") :]
    block = section[section.index("```py\n") + len("```py\n") : section.index("```\n", 10)]
    assert "kms.save(path)" in block and "later.load(path)" in block
    exec(compile(block, "docs/seed-files.md#state-files", "exec"), {})

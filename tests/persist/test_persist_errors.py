"""A bad state or seed file is a StateFileError naming the file, the place and the problem;
an interrupted save leaves the old file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from helpers_persist import SECRET_B64

from kmsmock import KmsMockUsageError, mock_kms
from kmsmock.backend.state import World
from kmsmock.crypto import asymmetric
from kmsmock.persist import StateFileError, load_world, save_world

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


def _error_of_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "seed.json"
    path.write_text(text)
    with pytest.raises(StateFileError) as excinfo:
        load_world(path)
    return str(excinfo.value).replace(str(path), "seed.json")


def _error_of(document: Any) -> str:
    with pytest.raises(StateFileError) as excinfo, mock_kms() as kms:
        kms.load(document)
    return str(excinfo.value)


def test_state_file_error_is_a_usage_error() -> None:
    assert issubclass(StateFileError, KmsMockUsageError)


def test_truncated_json_names_the_line_and_column(tmp_path: Path) -> None:
    text = json.dumps({"keys": [{"id": KEY_ID}]}, indent=2)
    assert _error_of_file(tmp_path, text[:-5]) == (
        "seed.json: not valid JSON: Expecting ',' delimiter (line 6, column 1)"
    )


def test_nesting_too_deep_names_the_line_and_column(tmp_path: Path) -> None:
    text = '{"keys": ' + "[" * 100_000
    assert _error_of_file(tmp_path, text) == (
        "seed.json: not valid JSON: nested more than 500 deep (line 1, column 509)"
    )


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StateFileError) as excinfo:
        load_world(tmp_path / "absent.json")
    assert str(excinfo.value) == (
        f"{tmp_path / 'absent.json'}: cannot read it: No such file or directory"
    )


def test_text_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_bytes(b'{"keys": "\xff"}')
    with pytest.raises(StateFileError) as excinfo:
        load_world(path)
    assert str(excinfo.value) == (f"{path}: not UTF-8 text (byte 10): a state or seed file is JSON")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "<seed dict>: must be a JSON object; got an array"),
        (
            {"version": 2},
            "<seed dict>: version: unsupported format version 2: this kmsmock reads version 1",
        ),
        (
            {"format": "other", "keys": []},
            "<seed dict>: format: must be 'kmsmock-state'; got 'other'",
        ),
        (
            {"kyes": []},
            "<seed dict>: kyes: unknown field 'kyes' (did you mean 'keys'?)",
        ),
        (
            {"keys": [{"id": KEY_ID, "descripton": "x"}]},
            "<seed dict>: keys[0].descripton: unknown field 'descripton' (did you mean "
            "'description'?)",
        ),
        (
            {"keys": [{"id": KEY_ID, "zzz": 1}]},
            "<seed dict>: keys[0].zzz: unknown field 'zzz' (expected one of: account, aliases, "
            "created, custom_key_store_id, deletion_date, description, grants, id, imported, "
            "last_used, manager, material, material_id, multi_region, next_rotation, "
            "on_demand_rotations, origin, pending_window_days, policy, private_key_pem, "
            "region, rotation_period_days, rotations, seq, settles_at, spec, state, tags, "
            "usage, xks_key_id)",
        ),
        ({"keys": [{}]}, "<seed dict>: keys[0]: the field 'id' is required"),
        ({"keys": {}}, "<seed dict>: keys: must be an array; got an object"),
        (
            {"keys": [{"id": 7}]},
            "<seed dict>: keys[0].id: must be a string; got a number",
        ),
        (
            {"keys": [{"id": KEY_ID.upper()}]},
            "<seed dict>: keys[0].id: must be a key ID: a lowercase UUID such as "
            "'1234abcd-12ab-34cd-56ef-1234567890ab', or 'mrk-' and 32 lowercase hex digits "
            f"for a multi-Region key; got {KEY_ID.upper()!r}",
        ),
        (
            {"keys": [{"id": KEY_ID}, {"id": KEY_ID, "region": "eu-west-1"}]},
            f"<seed dict>: keys[1].id: duplicate key ID {KEY_ID} (also at keys[0])",
        ),
        (
            {"keys": [{"id": KEY_ID}, {"id": KEY_ID}]},
            f"<seed dict>: keys[1].id: duplicate key ID {KEY_ID} in 123456789012 us-east-1",
        ),
        (
            {
                "keys": [
                    {"id": KEY_ID, "aliases": ["alias/a"]},
                    {"id": "00000000-0000-4000-8000-000000000000", "aliases": ["alias/a"]},
                ]
            },
            "<seed dict>: keys[1].aliases[0]: duplicate alias alias/a in 123456789012 us-east-1",
        ),
        (
            {"secret": "not base64!"},
            "<seed dict>: secret: not valid base64",
        ),
        (
            {"secret": "AAAA"},
            "<seed dict>: secret: must be 32 bytes; got 3",
        ),
        (
            {"keys": [{"id": KEY_ID, "material": "AAAA"}]},
            "<seed dict>: keys[0].material: must be 32 bytes; got 3",
        ),
        (
            {"keys": [{"id": KEY_ID, "spec": "RSA_2048"}]},
            "<seed dict>: keys[0].usage: is required for key spec RSA_2048: one of "
            "ENCRYPT_DECRYPT, SIGN_VERIFY",
        ),
        (
            {"keys": [{"id": KEY_ID, "spec": "SYMETRIC_DEFAULT"}]},
            "<seed dict>: keys[0].spec: unknown value 'SYMETRIC_DEFAULT' (did you mean "
            "'SYMMETRIC_DEFAULT'?)",
        ),
        (
            {"keys": [{"id": KEY_ID, "spec": "SM2", "usage": "SIGN_VERIFY"}]},
            "<seed dict>: keys[0].spec: SM2 keys exist only in China Regions (aws-cn), not "
            "us-east-1",
        ),
        (
            {"keys": [{"id": KEY_ID, "created": "yesterday"}]},
            "<seed dict>: keys[0].created: not an ISO 8601 date and time such as "
            "'2025-01-31T12:00:00Z': 'yesterday'",
        ),
        (
            {"keys": [{"id": KEY_ID, "tags": {"aws:x": "y"}}]},
            "<seed dict>: keys[0].tags: TagException: Tags beginning with aws: are reserved",
        ),
        (
            {"keys": [{"id": KEY_ID, "policy": "{not json"}]},
            "<seed dict>: keys[0].policy: MalformedPolicyDocumentException: not a valid key policy",
        ),
        (
            {"keys": [{"id": KEY_ID, "grants": [{"grantee_principal": "x", "operations": []}]}]},
            "<seed dict>: keys[0].grants[0]: ValidationException: Grants must contain at least "
            "one operation.",
        ),
        (
            {"keys": [{"id": KEY_ID, "aliases": ["alias/aws/s3"]}]},
            "<seed dict>: keys[0].aliases[0]: alias/aws/s3: names starting with alias/aws/ "
            'belong to AWS managed keys ("manager": "AWS") of the services kmsmock knows',
        ),
        (
            {"keys": [{"id": KEY_ID, "spec": "HMAC_256", "material": SECRET_B64}]},
            '<seed dict>: keys[0].material: fixed material of an HMAC key needs "origin": '
            '"EXTERNAL" (an AWS_KMS HMAC key\'s material is derived from the secret)',
        ),
        (
            {"keys": [{"id": KEY_ID, "state": "PendingImport"}]},
            "<seed dict>: keys[0].state: only a key with origin EXTERNAL can be PendingImport",
        ),
        (
            {"keys": [{"id": KEY_ID, "rotation_period_days": 30}]},
            "<seed dict>: keys[0].rotation_period_days: must be from 90 to 2560; got 30",
        ),
        (
            {"keys": [{"id": KEY_ID, "private_key_pem": "x"}]},
            "<seed dict>: keys[0].private_key_pem: is for asymmetric keys; this one is "
            "SYMMETRIC_DEFAULT",
        ),
        (
            {"principals": [{"arn": "bob", "access_key_id": "AKIA0000000000000001"}]},
            "<seed dict>: principals[0]: principal_arn must be an account root "
            "(arn:aws:iam::<12 digits>:root), a user (arn:aws:iam::<account>:user/<name>), a "
            "role (arn:aws:iam::<account>:role/<name>) or an assumed-role session "
            "(arn:aws:sts::<account>:assumed-role/<role>/<session>); got 'bob'",
        ),
        (
            {"identity_policies": {"arn:aws:iam::123456789012:root": {}}},
            "<seed dict>: identity_policies.arn:aws:iam::123456789012:root: an account root "
            "has no identity policy; set one on a user or role",
        ),
        (
            {"enforce_policies": "yes"},
            "<seed dict>: enforce_policies: must be true or false; got a string",
        ),
        (
            {"on_demand_rotation_limit": True},
            "<seed dict>: on_demand_rotation_limit: must be a whole number; got true/false",
        ),
    ],
)
def test_a_bad_document_says_where_and_what(document: Any, message: str) -> None:
    assert _error_of(document) == message


@pytest.mark.parametrize("spec", ["ML_DSA_65", "ML_KEM_1024"])
def test_a_spec_cryptography_cannot_make_names_what_to_install(
    monkeypatch: pytest.MonkeyPatch, spec: str
) -> None:
    # As where `cryptography` predates ML-DSA and ML-KEM (before 47: CI's floors stage has 42)
    # or its backend lacks them; seed files take every spec whatever the botocore model.
    from cryptography import __version__

    monkeypatch.setattr(asymmetric, "cryptography_makes", lambda asked: asked != spec)
    usage = "SIGN_VERIFY" if spec.startswith("ML_DSA") else "ENCAPSULATE_DECAPSULATE"
    assert _error_of({"keys": [{"id": KEY_ID, "spec": spec, "usage": usage}]}) == (
        f"<seed dict>: keys[0].spec: kmsmock needs cryptography 48 or later for {spec} keys "
        f"(installed: cryptography {__version__}): pip install 'cryptography>=48'"
    )


def test_a_refused_load_leaves_an_empty_mock_empty() -> None:
    with mock_kms() as kms:
        with pytest.raises(StateFileError):
            kms.load({"keys": [{"id": KEY_ID}, {"id": KEY_ID}]})
        assert kms.world.regions == {} or all(
            not state.keys for state in kms.world.regions.values()
        )


def test_an_interrupted_save_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    save_world(World(), path)
    old = path.read_text()
    world = World()
    world.access.enforce = False

    def fail(*_: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        save_world(world, path)
    monkeypatch.undo()
    assert path.read_text() == old
    assert os.listdir(tmp_path) == ["state.json"]  # no temporary file left behind
    save_world(world, path)
    assert json.loads(path.read_text())["enforce_policies"] is False


def test_a_state_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    save_world(World(), path)
    assert path.stat().st_mode & 0o777 == 0o600

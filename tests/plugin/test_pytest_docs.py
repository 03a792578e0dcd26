"""Every example of docs/pytest.md runs, with pytest, as a user's project would run it.

tests/test_docs.py runs the ``python`` blocks of the docs inside a mock; the examples of
docs/pytest.md need pytest itself (fixtures, markers, conftest.py), so they are ``py`` blocks
whose first line names their file, and run here with pytester, one directory at a time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import _preload  # noqa: F401  (every kmsmock module, before any in-process run)
import pytest

pytest_plugins = ["pytester"]

PAGE = Path(__file__).resolve().parents[2] / "docs" / "pytest.md"
BLOCK = re.compile(r"```py\n(.*?)```", re.S)
FILE = re.compile(r"# file: (\S+)\n")
# How many tests each example directory holds: a block that stops being collected fails here.
EXPECTED = {
    "basics": 2,
    "marker": 6,
    "quotas": 1,
    "recovery": 1,
    "accounts": 3,
    "snapshots": 2,
    "own": 1,
}


def _examples() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for block in BLOCK.findall(PAGE.read_text()):
        match = FILE.match(block)
        assert match is not None, f"a py block of {PAGE.name} names no file:\n{block}"
        directory, _, name = match[1].partition("/")
        found[directory][name] = block
    return dict(found)


def test_every_example_directory_is_expected() -> None:
    assert set(_examples()) == set(EXPECTED)


@pytest.mark.parametrize("directory", sorted(EXPECTED))
def test_the_example_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, directory: str
) -> None:
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(pytester.path / "no-aws-config"))
    pytester.makeini(
        "[pytest]\naddopts = -p no:cacheprovider -p no:asyncio -p no:benchmark -p no:randomly "
        "--strict-markers\nfilterwarnings = error\n"
    )
    for name, code in _examples()[directory].items():
        (pytester.path / name).write_text(code)
    pytester.runpytest().assert_outcomes(passed=EXPECTED[directory])

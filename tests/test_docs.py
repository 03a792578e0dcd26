"""Every Python block in README.md and docs/ runs, and the tests it defines pass.

A block about what a later botocore model added says so on the line before it, as an HTML
comment that pages do not show: ``<!-- requires: GetKeyLastUsage KeySpec:ML_DSA_65 -->``
(conftest.model_has's names). It skips where the loaded model lacks one of them, or where
`cryptography` cannot make a key spec it names.
"""

from __future__ import annotations

import inspect
import re
import unittest
from pathlib import Path
from typing import Any

import pytest
from conftest import requires_cryptography, requires_model

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"(?:<!-- requires: ([^\n]*?) -->\n)?```python\n(.*?)```", re.S)


def _blocks() -> list[Any]:
    found = []
    for page in PAGES:
        for index, (requires, block) in enumerate(BLOCK.findall(page.read_text())):
            things = requires.split()
            specs = [thing.split(":", 1)[1] for thing in things if thing.startswith("KeySpec:")]
            marks = [requires_model(*things), requires_cryptography(*specs)]
            where = f"{page.name}#{index + 1}"
            found.append(pytest.param(where, block, marks=marks, id=where))
    return found


@pytest.mark.parametrize(("where", "code"), _blocks())
def test_block_runs(where: str, code: str, kms: object, monkeypatch: pytest.MonkeyPatch) -> None:
    namespace: dict[str, object] = {"__name__": f"docs_{where}"}
    exec(compile(code, where, "exec"), namespace)
    for name, value in list(namespace.items()):
        if name.startswith("test") and inspect.isfunction(value):
            params = inspect.signature(value).parameters
            if inspect.iscoroutinefunction(value):
                continue  # run by the block itself
            fixtures = {"kms": kms, "monkeypatch": monkeypatch}
            value(**{name: fixtures[name] for name in params})
        elif inspect.isclass(value) and issubclass(value, unittest.TestCase):
            result = unittest.TextTestRunner(verbosity=0).run(
                unittest.defaultTestLoader.loadTestsFromTestCase(value)
            )
            assert result.wasSuccessful(), result.failures + result.errors

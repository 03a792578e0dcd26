"""Every Python block in README.md and docs/ runs, and the tests it defines pass."""

from __future__ import annotations

import inspect
import re
import unittest
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _blocks() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for index, block in enumerate(BLOCK.findall(page.read_text())):
            found.append((f"{page.name}#{index + 1}", block))
    return found


@pytest.mark.parametrize(("where", "code"), _blocks(), ids=[w for w, _ in _blocks()])
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

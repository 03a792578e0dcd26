"""Fast RSA keys for tests: generating RSA_4096 takes up to a second, so tests draw from a
session-wide pool instead. Within one test the n-th key of a spec is the pool's n-th: keys
stay distinct, as the mock's are."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from kmsmock.crypto import rsa_keys

_POOL: dict[str, list[Any]] = defaultdict(list)
_real_generate = rsa_keys.generate


@pytest.fixture
def rsa_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    used: dict[str, int] = defaultdict(int)

    def generate(spec: str) -> Any:
        index = used[spec]
        used[spec] += 1
        pool = _POOL[spec]
        while len(pool) <= index:
            pool.append(_real_generate(spec))
        return pool[index]

    monkeypatch.setattr(rsa_keys, "generate", generate)
    yield

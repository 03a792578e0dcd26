"""RSA private keys reused across mocks, never within one.

Generating an RSA key is the one slow thing a mock does: RSA_4096 takes 0.2-1.5 s with
OpenSSL, RSA_2048 about 50 ms. A test suite makes a new mock per test, and each test that signs
with an RSA key would pay that again. So when an outermost mock ends, the RSA keys its keys
used go back to a small process-wide pool, and the next mock's RSA keys take from it before
generating new ones.

Within one mock every key still has its own private key: a key taken from the pool belongs to
that mock until the mock ends, and is never handed to a second key while it does. Keys of two
different mocks (two tests) may share a private key; nothing in AWS can tell two accounts'
keys apart by that, and no test can observe it without keeping a key from an earlier mock.

A snapshot (``KmsMock.snapshot()``) keeps the private keys its keys have for good
(``keep``): they are never given back.

No threads, no background generation: a key is generated when the pool is empty, at the
moment it is first needed, as before. Elliptic-curve and ML-DSA keys cost well under a
millisecond to make and are not pooled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")

# Keys kept per key spec. A test that makes more RSA keys than this makes the rest fresh; a
# suite rarely has more in one test. 16 RSA_4096 keys hold about 40 KiB.
LIMIT = 16
POOLED_SPECS = frozenset({"RSA_2048", "RSA_3072", "RSA_4096"})

_lock = threading.Lock()
_free: dict[str, list[object]] = {}
# The pooled keys each live mock holds, by the mock's secret (World.secret).
_lent: dict[bytes, list[tuple[str, object]]] = {}


def take(spec: str, generate: Callable[[str], K], owner: bytes) -> K:
    """A private key for ``spec``, lent to the mock whose secret is ``owner``: one a finished
    mock used, else a new one."""
    with _lock:
        free = _free.get(spec)
        key: K = free.pop() if free else None  # type: ignore[assignment]
    if key is None:
        key = generate(spec)
    with _lock:
        _lent.setdefault(owner, []).append((spec, key))
    return key


def give_back(owner: bytes) -> None:
    """The mock whose secret is ``owner`` ended: the keys it was lent may serve the next."""
    with _lock:
        for spec, key in _lent.pop(owner, ()):
            free = _free.setdefault(spec, [])
            if len(free) < LIMIT:
                free.append(key)


def keep(owner: bytes) -> None:
    """The keys lent so far to the mock whose secret is ``owner`` are never given back: a
    snapshot of that mock holds them, and every mock started from it has the same keys, so
    handing one to another key would make two keys of one mock share a private key. (Keys
    lent to the mock afterwards, or to a mock started from the snapshot, which has the same
    secret, are given back as usual: no snapshot holds them.)"""
    with _lock:
        _lent.pop(owner, None)


def clear() -> None:
    """Forget every pooled key (the next RSA keys are generated fresh)."""
    with _lock:
        _free.clear()

"""The endpoint under load: 16 clients at once, each on its kept-alive connection, a mix of
operations; no request fails, everything made is there afterwards, every ciphertext
decrypts, and the server's memory and threads come back down."""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from conftest import ACCOUNT

from kmsmock.server import LocalEndpoint

WORKERS = 16
ROUNDS = 24  # per worker; a round is about 5.6 requests
GRANTEE = f"arn:aws:iam::{ACCOUNT}:role/load"
# No retries: a request that fails must fail the test, not be hidden by a second attempt.
NO_RETRIES = Config(retries={"total_max_attempts": 1})


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Worker:
    """One client thread's work: what it made, and how many requests it sent."""

    def __init__(self, endpoint: LocalEndpoint, number: int) -> None:
        self.client = endpoint.client(config=NO_RETRIES)
        self.number = number
        self.requests = 0
        self.keys: list[str] = []
        self.aliases: list[str] = []
        self.blobs: list[tuple[bytes, bytes]] = []  # (ciphertext, plaintext)

    def call(self, operation: str, **params: Any) -> Any:
        self.requests += 1
        return getattr(self.client, operation)(**params)

    def round(self, number: int) -> None:
        if number % 8 == 0:
            key_id = self.call("create_key")["KeyMetadata"]["KeyId"]
            alias = f"alias/load-{self.number}-{number}"
            self.call("create_alias", AliasName=alias, TargetKeyId=key_id)
            self.call(
                "create_grant", KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Decrypt"]
            )
            self.keys.append(key_id)
            self.aliases.append(alias)
        key_id = self.keys[-1]
        plaintext = f"{self.number}:{number}".encode()
        blob = self.call("encrypt", KeyId=self.aliases[-1], Plaintext=plaintext)["CiphertextBlob"]
        assert self.call("decrypt", CiphertextBlob=blob)["Plaintext"] == plaintext
        data_key = self.call("generate_data_key", KeyId=key_id, KeySpec="AES_256")
        self.blobs += [(blob, plaintext), (data_key["CiphertextBlob"], data_key["Plaintext"])]
        self.call("list_keys", Limit=10)
        if number % 4 == 1:
            self.call("list_aliases", KeyId=key_id)
            assert len(self.call("list_grants", KeyId=key_id)["Grants"]) == 1


def in_threads(work: Callable[[int], None]) -> None:
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            work(number)
        except BaseException as error:  # noqa: BLE001 (reported by the test's thread)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads Linux's /proc")
def test_sixteen_clients_at_once(endpoint: LocalEndpoint) -> None:
    workers = [Worker(endpoint, n) for n in range(WORKERS)]
    threads_before = threading.active_count()
    # The first round opens every connection and fills every cache; memory is measured from
    # there, over the other rounds.
    in_threads(lambda n: workers[n].round(0))
    gc.collect()
    rss_before = rss_bytes()
    in_threads(lambda n: [workers[n].round(r) for r in range(1, ROUNDS)])

    # Every ciphertext decrypts, by another client than the one that made it.
    def decrypt_all(number: int) -> None:
        other = workers[(number + 1) % WORKERS]
        for blob, plaintext in workers[number].blobs:
            assert other.call("decrypt", CiphertextBlob=blob)["Plaintext"] == plaintext

    in_threads(decrypt_all)
    gc.collect()
    grown = rss_bytes() - rss_before

    sent = sum(worker.requests for worker in workers)
    assert sent > WORKERS * ROUNDS * 5  # the mix ran as planned
    made = sorted(key for worker in workers for key in worker.keys)
    checker = endpoint.client()
    listed = checker.list_keys(Limit=1000)["Keys"]
    assert sorted(k["KeyId"] for k in listed) == made
    aliases = checker.list_aliases(Limit=100)["Aliases"]
    assert sorted(a["AliasName"] for a in aliases if "load-" in a["AliasName"]) == sorted(
        alias for worker in workers for alias in worker.aliases
    )
    # Every request was answered once, as itself: the count is the server's.
    deadline = time.monotonic() + 5
    while endpoint.requests_served < sent + 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert endpoint.requests_served == sent + 2
    # About 2,600 requests: what the server holds grows with the keys made and the (bounded)
    # audit log, about 3 MiB here, not with the requests.
    assert grown < 16 * 1024 * 1024, f"RSS grew by {grown / 2**20:.1f} MiB"
    # Each client's connection ends with the client; so do the server's threads for them.
    for client in [checker, *(worker.client for worker in workers)]:
        client.close()
    assert endpoint._server is not None
    server = endpoint._server
    deadline = time.monotonic() + 5
    while server.connections.open and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.connections.open == 0
    assert threading.active_count() <= threads_before

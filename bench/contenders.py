"""The three contenders: botocore's floor, kmsmock, and moto.

The **floor** is what botocore itself costs: a ``before-send`` handler that hands back a
pre-serialized valid response. Responses are made once per distinct request by kmsmock's own
``serve`` on a private world (so they are exactly what a KMS response looks like) and then
replayed from a dictionary: after the warm-up, a measured floor call does no work but a lookup.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from kmsmock import mock_kms
from kmsmock.backend.state import World
from kmsmock.protocol.service import serve
from kmsmock.seams.botocore_hook import _Body, _signer_scope

REGION = "us-east-1"
ACCOUNT = "123456789012"
CREDENTIALS = {"aws_access_key_id": "AKIABENCHMARK0000000", "aws_secret_access_key": "bench"}


class Contender:
    name = ""

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        yield

    def client(self, region: str = REGION) -> Any:
        return boto3.client("kms", region_name=region, **CREDENTIALS)


class Floor(Contender):
    name = "floor"

    def __init__(self) -> None:
        self.world = World()
        self.live = False  # True while setting up state: serve every request, cache nothing
        self._cache: dict[tuple[str, bytes], tuple[int, dict[str, str], bytes]] = {}

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        # Each activation starts empty, as a mock's does.
        self.world = World()
        self._cache.clear()
        yield

    def _handle(self, request: Any, event_name: str, **_: Any) -> AWSResponse:
        operation = event_name.rsplit(".", 1)[-1]
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        key = (operation, body)
        answer = None if self.live else self._cache.get(key)
        if answer is None:
            _, region = _signer_scope(request)
            answer = serve(self.world, operation, body, account=ACCOUNT, region=region)
            if not self.live:
                self._cache[key] = answer
        status, headers, payload = answer
        http_headers = HTTPHeaders()
        for name, value in headers.items():
            http_headers[name] = value
        http_headers["Content-Length"] = str(len(payload))
        return AWSResponse(request.url, status, http_headers, _Body(payload))

    def client(self, region: str = REGION) -> Any:
        client = super().client(region)
        client.meta.events.register_first("before-send.kms", self._handle)
        return client

    @contextlib.contextmanager
    def setting_up(self) -> Iterator[None]:
        self.live = True
        try:
            yield
        finally:
            self.live = False


class KmsMockContender(Contender):
    name = "kmsmock"
    mock: Any = None  # the active KmsMock, for scenarios that act as principals

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        with mock_kms() as self.mock:
            yield


class MotoContender(Contender):
    name = "moto"

    def __init__(self) -> None:
        from moto import mock_aws

        self._mock_aws = mock_aws

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        with self._mock_aws():
            yield


def available(include_moto: bool) -> list[Contender]:
    contenders: list[Contender] = [Floor(), KmsMockContender()]
    if include_moto:
        try:
            contenders.append(MotoContender())
        except ImportError:
            print("moto is not installed (pip install -e '.[bench]'): its column stays empty")
    return contenders


def setting_up(contender: Contender) -> contextlib.AbstractContextManager[None]:
    """Build state for real, even on the floor (whose requests are otherwise replayed)."""
    if isinstance(contender, Floor):
        return contender.setting_up()
    return contextlib.nullcontext()

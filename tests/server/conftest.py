"""Fixtures of the local endpoint's tests: endpoints on free ports, and one scenario suite
run over both transports (in-process and over HTTP)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import REGION

from kmsmock import KmsMock
from kmsmock.server import LocalEndpoint

MakeClient = Callable[..., BaseClient]


@pytest.fixture
def endpoint() -> Iterator[LocalEndpoint]:
    """An endpoint with a world of its own, and no mock active: every request goes over HTTP."""
    with LocalEndpoint() as running:
        yield running


@pytest.fixture(params=["in-process", "endpoint"])
def transport(request: pytest.FixtureRequest, kms: KmsMock) -> Iterator[MakeClient]:
    """Makes KMS clients of the ``kms`` mock's world: answered by the botocore hook, or sent
    over HTTP to a local endpoint serving that world. ``make(**credentials)``."""
    if request.param == "in-process":

        def in_process(**kwargs: Any) -> BaseClient:
            kwargs.setdefault("region_name", REGION)
            return boto3.client("kms", **kwargs)

        yield in_process
        return
    with LocalEndpoint(kms) as running:

        def over_http(**kwargs: Any) -> BaseClient:
            kwargs.setdefault("region_name", REGION)
            client = running.client(**kwargs)
            # Proof the request really travels: the hook would answer without a URL.
            assert client.meta.endpoint_url == running.url
            return client

        yield over_http
        # Proof the scenario's requests reached the server rather than the in-process hook.
        assert running.requests_served > 0

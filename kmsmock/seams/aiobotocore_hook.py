"""aiobotocore's side of the botocore seam (``kmsmock.seams.botocore_hook``).

aiobotocore's ``AioSession`` is a botocore ``Session``, so the initializer kmsmock registers
with ``botocore.register_initializer`` gives it kmsmock's handlers like any other session. Its
event emitter awaits what a handler returns only if it is awaitable, so the synchronous
``before-sign`` and ``before-send`` handlers serve as they are. Two things differ:

- its endpoint awaits the response's ``content`` (``AioAWSResponse``), where botocore reads
  a ``bytes`` property: the answer must be an ``AioAWSResponse`` whose raw body reads
  asynchronously; aiobotocore before 2.21 also reads the headers from that raw body, as
  aiohttp's ``raw_headers`` (pairs of bytes);
- its signer awaits ``credentials.get_frozen_credentials()``: fake credentials must be
  ``AioCredentials``.

Imported only by a request of an aiobotocore client, so ``import kmsmock`` never imports
aiobotocore.
"""

from __future__ import annotations

from typing import Any

from aiobotocore.awsrequest import AioAWSResponse  # type: ignore[import-untyped]
from aiobotocore.credentials import AioCredentials  # type: ignore[import-untyped]


class _AioBody:
    """What ``AioAWSResponse`` awaits its content from (``await raw.read()``), and what
    aiobotocore before 2.21 reads the headers from (``raw.raw_headers``, as aiohttp has them)."""

    def __init__(self, data: bytes, headers: Any) -> None:
        self._data = data
        self.raw_headers = tuple(
            (name.encode("utf-8"), value.encode("utf-8")) for name, value in headers.items()
        )

    async def read(self, *_: Any) -> bytes:
        return self._data


def response(url: str, status: int, headers: Any, payload: bytes) -> Any:
    """The answer to one request, as aiobotocore's endpoint awaits it."""
    return AioAWSResponse(url, status, headers, _AioBody(payload, headers))


def fake_credentials(access_key: str, secret_key: str) -> Any:
    """Credentials aiobotocore's signer can await."""
    return AioCredentials(access_key, secret_key)

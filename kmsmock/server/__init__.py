"""The local KMS endpoint: KMS's JSON 1.1 protocol over HTTP, served from kmsmock's backend.

``kmsmock serve`` runs it as a process (kmsmock/cli.py); ``LocalEndpoint`` runs it on a
thread of this one (docs/local-endpoint.md).
"""

from __future__ import annotations

from kmsmock.server.endpoint import LocalEndpoint

__all__ = ["LocalEndpoint"]

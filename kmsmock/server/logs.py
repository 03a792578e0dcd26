"""The endpoint's log: one line per request on logger ``kmsmock.server``, as text or JSON.

A request's line says what was asked and how it went (operation, HTTP status, time taken,
the principal's ARN, the request ID), never what was in it: no parameters, plaintexts,
ciphertexts, key material or credentials. The full record of a request is the audit log.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any, TextIO

logger = logging.getLogger("kmsmock.server")

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(name)s %(message)s"

# The attribute of a request line's LogRecord holding its fields (logging's ``extra``).
FIELDS = "kmsmock_request"


def log_request(
    operation: str,
    status: int,
    milliseconds: float,
    *,
    principal: str | None,
    request_id: str | None,
    client: str | None,
) -> None:
    """The line of one answered request: ``Decrypt 200 1.4ms arn:aws:iam::...:root``."""
    if not logger.isEnabledFor(logging.INFO):
        return
    fields = {
        "operation": operation,
        "status": status,
        "duration_ms": round(milliseconds, 3),
        "principal": principal,
        "request_id": request_id,
        "client": client,
    }
    logger.info(
        "%s %d %.1fms %s", operation, status, milliseconds, principal or "-", extra={FIELDS: fields}
    )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger and message, and for a
    request's line its fields (operation, status, duration_ms, principal, request_id,
    client), for log collectors that parse JSON."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, timezone.utc)
        entry: dict[str, Any] = {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, separators=(",", ":"))


def configure(*, quiet: bool, log_format: str, stream: TextIO | None = None) -> None:
    """``kmsmock serve``'s logging: request lines at INFO (WARNING and above with
    ``quiet``), as text or as JSON, on ``stream`` (stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, handlers=[handler])

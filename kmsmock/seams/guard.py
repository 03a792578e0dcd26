"""The opt-in guard against real AWS: while it is on, a KMS request made with no mock active
raises ``KmsMockUsageError`` instead of leaving the process.

It is on when ``block_real_aws()`` (botocore_hook.py) turned it on (the pytest plugin does, for the
``kms_block_real_aws`` ini option and the ``--kms-block-real-aws`` flag) or when the
environment variable ``KMSMOCK_BLOCK_REAL_AWS`` says so, for code run outside pytest. The
variable is read when a request is made, so a test may set it with ``monkeypatch.setenv``.

Requests to an endpoint on this machine (``localhost``, ``127.0.0.0/8``, ``::1``) are not
real AWS: a client of ``kmsmock serve`` or LocalStack is let through.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from kmsmock.errors import KmsMockUsageError

ENVIRONMENT_VARIABLE = "KMSMOCK_BLOCK_REAL_AWS"
_ON = frozenset({"1", "true", "yes", "on"})
_OFF = frozenset({"0", "false", "no", "off", ""})
_blocked = False


def set_blocked(enabled: bool) -> bool:
    """Turn the guard on or off (``kmsmock.block_real_aws``); whether it was on before."""
    global _blocked
    before, _blocked = _blocked, enabled
    return before


def real_aws_blocked() -> bool:
    """Whether a KMS request made with no mock active is refused (``block_real_aws()`` or
    ``KMSMOCK_BLOCK_REAL_AWS``)."""
    if _blocked:
        return True
    value = os.environ.get(ENVIRONMENT_VARIABLE)
    if value is None:
        return False
    word = value.strip().lower()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    raise KmsMockUsageError(
        f"{ENVIRONMENT_VARIABLE}={value!r} is neither on nor off: set it to 1 to refuse KMS "
        "requests made with no mock active, or 0 (also true/false, yes/no, on/off)"
    )


def refuse(operation: str, url: str | None) -> None:
    """Raise the guard's error for a KMS request made with no mock active, if the guard is on
    and the request is bound for AWS rather than for an endpoint on this machine."""
    if real_aws_blocked() and not is_local(url):
        raise KmsMockUsageError(
            f"kmsmock refused to send {operation} to AWS KMS: no kmsmock mock is active, and "
            "real AWS is blocked (the kms_block_real_aws ini option, --kms-block-real-aws, "
            f"{ENVIRONMENT_VARIABLE}=1 or kmsmock.block_real_aws()). Activate a mock around "
            "this code: the kms fixture or @pytest.mark.kms in pytest, @mock_kms on the test, "
            "or `with mock_kms():` (docs/safety.md)"
        )


def is_local(url: str | None) -> bool:
    host = urlsplit(url or "").hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    import ipaddress  # only a guarded request without a mock gets here

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

"""What the first activation sets up and the last one takes down, for every mock at once: fake
credentials and a Region where the environment names none, the backstop for clients of sessions
made before kmsmock was imported, and the seam for ``requests`` callers."""

from __future__ import annotations

import os
from pathlib import Path

from kmsmock.seams.botocore_hook import (
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    forget_fake_credentials,
    install_backstop,
)

DEFAULT_REGION = "us-east-1"

# Supplied for the mock's duration when the environment names no credentials, so clients sign
# requests without looking further (no instance-metadata lookups, no real keys).
_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY_ID,
    "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_ACCESS_KEY,
}


# The environment as it was before the outermost activation changed it; guarded by
# _active's lock (written only from the callbacks it runs).
_saved_environment: dict[str, str | None] = {}


def first_in() -> None:
    """Supply fake credentials (and a region) where the environment has none, and reach
    the clients of sessions made before kmsmock was imported."""
    install_backstop()
    wanted: dict[str, str] = {}
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        wanted.update(_FAKE_CREDENTIALS)
    has_region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")
    config = Path(os.environ.get("AWS_CONFIG_FILE", "~/.aws/config")).expanduser()
    if not has_region and not config.exists():
        wanted["AWS_DEFAULT_REGION"] = DEFAULT_REGION
    _saved_environment.clear()
    _saved_environment.update({name: os.environ.get(name) for name in wanted})
    os.environ.update(wanted)
    # KMS requests sent with `requests` are served too (the `requests` extra).
    from kmsmock.seams import requests_adapter as _requests

    _requests.start()


def last_out() -> None:
    for name, value in _saved_environment.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    _saved_environment.clear()
    forget_fake_credentials()
    from kmsmock.seams import requests_adapter as _requests

    _requests.stop()

"""A user's project as a user runs it: a fresh interpreter with no network, no credentials and
one attempt per call, so a KMS request that escapes the mock fails at once and loudly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# Loaded by every Python process started in the project's directory: no connection leaves it,
# and botocore makes one attempt only, so an escaped request fails at once and loudly.
NO_NETWORK = """
import socket


def _refuse(*args, **kwargs):
    raise OSError("no network in this test process: a request tried to leave it")


socket.getaddrinfo = _refuse
socket.create_connection = _refuse
"""

GUARD_MESSAGE = (
    "kmsmock refused to send {operation} to AWS KMS: no kmsmock mock is active, and real AWS "
    "is blocked (the kms_block_real_aws ini option, --kms-block-real-aws, "
    "KMSMOCK_BLOCK_REAL_AWS=1 or kmsmock.block_real_aws()). Activate a mock around this code: "
    "the kms fixture or @pytest.mark.kms in pytest, @mock_kms on the test, or `with "
    "mock_kms():` (docs/safety.md)"
)


def offline_environment(directory: Path, **extra: str) -> dict[str, str]:
    """The environment of a user's process: no network, no credentials, one attempt per call."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "KMSMOCK_", "PYTEST_ADDOPTS"))
    }
    env.update(
        PYTHONPATH=os.pathsep.join([str(directory), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        AWS_MAX_ATTEMPTS="1",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(directory / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(directory / "no-credentials"),
    )
    env.update(extra)
    return env


def offline_project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ini: str
) -> pytest.Pytester:
    """``pytester``, for ``runpytest_subprocess``: its processes have no network."""
    pytester.makeini(ini)
    pytester.makepyfile(sitecustomize=NO_NETWORK)
    for name, value in offline_environment(pytester.path).items():
        monkeypatch.setenv(name, value)
    for name in list(os.environ):
        if name.startswith(("AWS_ACCESS", "AWS_SECRET", "AWS_SESSION", "AWS_PROFILE")):
            monkeypatch.delenv(name)
    return pytester


def run_script(directory: Path, source: str, **env: str) -> subprocess.CompletedProcess[str]:
    script = directory / "script.py"
    script.write_text(textwrap.dedent(source))
    (directory / "sitecustomize.py").write_text(NO_NETWORK)
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=directory,
        env=offline_environment(directory, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )

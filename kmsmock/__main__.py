"""``python -m kmsmock``: the ``kmsmock`` command (kmsmock/cli.py)."""

from __future__ import annotations

import sys

from kmsmock.cli import main

# Guarded: tools that import every module of the package (tests/plugin/_preload.py) import
# this one too, and must not start the command.
if __name__ == "__main__":
    sys.exit(main())

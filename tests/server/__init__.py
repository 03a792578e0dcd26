"""Tests of the local KMS endpoint (a package, so its conftest does not shadow tests/conftest.py
as the module ``conftest`` other test modules import from)."""

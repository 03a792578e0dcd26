"""asymmetric.cryptography_makes tells the truth about the installed `cryptography`: the key specs
it says cannot be made are those whose keys `cryptography` really fails to make (no module
before 47; UnsupportedAlgorithm from a backend without them, as 47.0.0's wheels). CI's floors
stage runs this on cryptography 42."""

from __future__ import annotations

import importlib

import pytest
from cryptography.exceptions import UnsupportedAlgorithm

from kmsmock.crypto import asymmetric

# Every spec `cryptography` makes for kmsmock, with the class that makes it.
_MADE_BY = {
    "ML_DSA_44": ("mldsa", "MLDSA44PrivateKey"),
    "ML_DSA_65": ("mldsa", "MLDSA65PrivateKey"),
    "ML_DSA_87": ("mldsa", "MLDSA87PrivateKey"),
    "ML_KEM_768": ("mlkem", "MLKEM768PrivateKey"),
    "ML_KEM_1024": ("mlkem", "MLKEM1024PrivateKey"),
}


def generates(spec: str) -> bool:
    """Whether `cryptography` makes a key of ``spec`` when asked: the oracle, found by trying."""
    module, name = _MADE_BY[spec]
    try:
        family = importlib.import_module(f"cryptography.hazmat.primitives.asymmetric.{module}")
        getattr(family, name).generate()
    except (ImportError, UnsupportedAlgorithm):
        return False
    return True


@pytest.mark.parametrize("spec", sorted(_MADE_BY))
def test_cryptography_makes_what_cryptography_generates(spec: str) -> None:
    assert asymmetric.cryptography_makes(spec) is generates(spec)


@pytest.mark.parametrize("spec", ["RSA_2048", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519", "SM2"])
def test_other_specs_never_wait_on_cryptography(spec: str) -> None:
    assert asymmetric.cryptography_makes(spec) is True
    assert asymmetric.cryptography_missing(spec) is None


def test_the_message_names_the_version_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography import __version__

    monkeypatch.setattr(asymmetric, "cryptography_makes", lambda spec: False)
    assert asymmetric.cryptography_missing("ML_DSA_44") == (
        f"kmsmock needs cryptography 48 or later for ML_DSA_44 keys (installed: cryptography "
        f"{__version__}): pip install 'cryptography>=48'"
    )

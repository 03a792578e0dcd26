"""The order in which AWS lists an enum's values in a ValidationException.

AWS does not print the allowed values in the model's order (its service keeps them in a hash
set). Where a real AWS message was recorded, its order is used, with any values the installed
model has added since appended in model order: the recording cannot tell where AWS puts those
today, so that part is a best guess. Enums never recorded are listed in model order.
"""

from __future__ import annotations

from functools import cache

from botocore.model import Shape

# Orders recorded from real AWS (../shared/spec/aws-recorded-errors.md, rows 3, 4, 50, 58).
_RECORDED: tuple[tuple[str, ...], ...] = (
    (
        "RSA_2048", "ECC_NIST_P384", "ECC_NIST_P256", "ECC_NIST_P521", "HMAC_384", "RSA_3072",
        "ECC_SECG_P256K1", "RSA_4096", "SYMMETRIC_DEFAULT", "HMAC_256", "HMAC_224", "HMAC_512",
    ),
    ("ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC"),
    ("HMAC_SHA_384", "HMAC_SHA_256", "HMAC_SHA_224", "HMAC_SHA_512"),
)  # fmt: skip


@cache
def _display(values: tuple[str, ...]) -> str:
    ordered = list(values)
    for recorded in _RECORDED:
        if set(recorded) <= set(values):
            ordered = list(recorded) + [v for v in values if v not in recorded]
            break
    return "[" + ", ".join(ordered) + "]"


def enum_display(shape: Shape) -> str:
    """``[A, B, C]`` as AWS prints the enum of ``shape``."""
    return _display(tuple(shape.metadata["enum"]))

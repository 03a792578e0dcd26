"""What the SM2 tests share: the China-region client, SM2 keys, gmssl's offline SM2 and the
DER pieces of SM2PKE ciphertexts."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT

from kmsmock import KmsMock

gmssl_sm2 = pytest.importorskip(
    "gmssl.sm2", reason="SM2 needs the optional dependency gmssl: pip install 'kmsmock[sm2]'"
)

CHINA = "cn-north-1"
TABLE = gmssl_sm2.default_ecc_table
N = int(TABLE["n"], 16)
SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d03420004")
INVALID_CIPHERTEXT = ("InvalidCiphertextException", "")


@pytest.fixture(name="china")
def china_fixture(kms: KmsMock) -> BaseClient:
    """A KMS client in the China region CHINA, where SM2 keys exist."""
    return boto3.client("kms", region_name=CHINA)


def sm2_key(client: BaseClient, usage: str) -> str:
    """CreateKey of an SM2 key with ``usage``; its key ID."""
    key_id: str = client.create_key(KeySpec="SM2", KeyUsage=usage)["KeyMetadata"]["KeyId"]
    return key_id


def china_arn(key_id: str, region: str = CHINA) -> str:
    """The aws-cn ARN of ``key_id`` in ``region``."""
    return f"arn:aws-cn:kms:{region}:{ACCOUNT}:key/{key_id}"


def public_hex(client: BaseClient, key_id: str) -> str:
    """The public point x || y in hex, as gmssl takes it, from GetPublicKey's DER."""
    der: bytes = client.get_public_key(KeyId=key_id)["PublicKey"]
    assert der[: len(SPKI_PREFIX)] == SPKI_PREFIX and len(der) == len(SPKI_PREFIX) + 64
    return der[len(SPKI_PREFIX) :].hex()


def offline(public: str = "", private: str = "") -> Any:
    """gmssl's SM2 engine for the hex ``public`` point and ``private`` scalar."""
    engine = gmssl_sm2.CryptSM2(private_key=private, public_key="")
    # Set directly: gmssl's constructor lstrips "04" characters, mangling some x coordinates.
    engine.public_key = public
    return engine


def read_der(blob: bytes) -> tuple[int, bytes, bytes]:
    """(tag, body, rest) of the DER element at the start of ``blob``."""
    tag, size, at = blob[0], blob[1], 2
    if size & 0x80:
        count = size & 0x7F
        size, at = int.from_bytes(blob[2 : 2 + count], "big"), 2 + count
    return tag, blob[at : at + size], blob[at + size :]


def der(tag: int, body: bytes) -> bytes:
    """The DER element of ``tag`` holding ``body``."""
    size = len(body)
    # DER's shortest length form: one byte below 0x80, else 0x81 or 0x82 and the length.
    count = (size.bit_length() + 7) // 8
    head = bytes([size]) if size < 0x80 else bytes([0x80 | count]) + size.to_bytes(count, "big")
    return bytes([tag]) + head + body


def to_asn1(c1c3c2: bytes) -> bytes:
    """gmssl's raw C1 || C3 || C2 as the GM/T 0009 SEQUENCE KMS takes (AWS's
    SM2OfflineOperationHelper does the same from Bouncy Castle's C1 || C2 || C3)."""
    x, y, c3, c2 = c1c3c2[:32], c1c3c2[32:64], c1c3c2[64:96], c1c3c2[96:]

    def integer(value: bytes) -> bytes:
        number = int.from_bytes(value, "big")
        return der(0x02, number.to_bytes(number.bit_length() // 8 + 1, "big"))

    return der(0x30, integer(x) + integer(y) + der(0x04, c3) + der(0x04, c2))

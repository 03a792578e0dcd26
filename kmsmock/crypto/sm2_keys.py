"""SM2 keys (China regions only, as AWS): SM2DSA signatures, SM2PKE encryption and ECDH key
agreement on the SM2 curve, with the optional dependency gmssl (``pip install 'kmsmock[sm2]'``).

`cryptography` has no SM2. gmssl gives SM3 and point multiplication on the curve; the SM2
schemes around them are written here because gmssl's own ones skip checks that matter to a
faithful mock (its decryption never compares C3, its verification takes any r and s) and draw
their nonces from ``random``.

As AWS does (KMS Developer Guide, "SM2 key spec"):
- SM2DSA with MessageType RAW signs e = SM3(Z_A || M), Z_A made with the default
  distinguishing ID 1234567812345678 (GM/T 0009-2012); with DIGEST the caller's 32 bytes are e.
  Signatures are DER SEQUENCE {r, s}.
- SM2PKE ciphertexts are the GM/T 0009 ASN.1 form SEQUENCE {x, y, C3 hash, C2 ciphertext}, the
  form AWS's SM2OfflineOperationHelper converts offline ciphertexts to.
- GetPublicKey returns a SubjectPublicKeyInfo: id-ecPublicKey on the curve 1.2.156.10197.1.301.
- Private keys (GenerateDataKeyPair's PrivateKeyPlaintext, imported SM2 key material) are PKCS #8
  PrivateKeyInfo DER with that AlgorithmIdentifier around an RFC 5915 ECPrivateKey, laid out as
  OpenSSL (and so ``cryptography``) writes the other EC specs' keys: no curve inside the
  ECPrivateKey (the AlgorithmIdentifier names it), the public point in its [1] field.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from gmssl import sm2, sm3  # type: ignore[import-untyped,import-not-found,unused-ignore]

_TABLE: dict[str, str] = sm2.default_ecc_table
P = int(_TABLE["p"], 16)
N = int(_TABLE["n"], 16)
A = int(_TABLE["a"], 16)
B = int(_TABLE["b"], 16)
G = (int(_TABLE["g"][:64], 16), int(_TABLE["g"][64:], 16))

DEFAULT_ID = b"1234567812345678"
MAX_PLAINTEXT = 1024  # KMS's limit for SM2PKE
_SIZE = 32

# AlgorithmIdentifier SEQUENCE { id-ecPublicKey, 1.2.156.10197.1.301 } of SM2 public and
# private keys.
_ALGORITHM = bytes.fromhex("301306072a8648ce3d020106082a811ccf5501822d")
# SubjectPublicKeyInfo up to the point: SEQUENCE { AlgorithmIdentifier, BIT STRING (no unused
# bits) } for an uncompressed 65-byte point.
_SPKI_PREFIX = b"\x30\x59" + _ALGORITHM + b"\x03\x42\x00"
_CURVE_OID = _ALGORITHM[11:]  # the namedCurve OBJECT IDENTIFIER element

# gmssl's point arithmetic; its key strings are unused (they only matter to its own schemes).
_ENGINE: Any = sm2.CryptSM2(private_key="", public_key="")

Point = tuple[int, int]


def _mul(k: int, point: Point) -> Point | None:
    """k * point, or None for the point at infinity. ``k`` is in [1, n-1] at every call."""
    result = _ENGINE._kg(k, f"{point[0]:064x}{point[1]:064x}")
    if not result:
        return None
    text = str(result)
    return int(text[:64], 16), int(text[64:], 16)


def _add(p1: Point | None, p2: Point | None) -> Point | None:
    """Affine addition (gmssl's mixed addition cannot double), None being infinity."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2:
        if (y1 + y2) % P == 0:
            return None
        slope = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


def _on_curve(point: Point) -> bool:
    x, y = point
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def _sm3(data: bytes) -> bytes:
    return bytes.fromhex(str(sm3.sm3_hash(list(data))))


def _kdf(z: bytes, length: int) -> bytes:
    """GM/T 0003.4 KDF: SM3(Z || counter) for counters 1, 2, ... cut to ``length`` bytes."""
    out = b"".join(_sm3(z + i.to_bytes(4, "big")) for i in range(1, length // _SIZE + 2))
    return out[:length]


def _coordinates(point: Point) -> bytes:
    return point[0].to_bytes(_SIZE, "big") + point[1].to_bytes(_SIZE, "big")


@dataclass(frozen=True)
class SM2PublicKey:
    point: Point

    def public_bytes(self, encoding: object = None, format: object = None) -> bytes:
        """The SubjectPublicKeyInfo DER (the only form GetPublicKey returns)."""
        return _SPKI_PREFIX + b"\x04" + _coordinates(self.point)


@dataclass(frozen=True)
class SM2PrivateKey:
    d: int
    point: Point

    def public_key(self) -> SM2PublicKey:
        return SM2PublicKey(self.point)

    def private_bytes(self) -> bytes:
        """The PKCS #8 PrivateKeyInfo DER: SEQUENCE { 0, AlgorithmIdentifier, OCTET STRING
        { ECPrivateKey SEQUENCE { 1, OCTET STRING d, [1] BIT STRING point } } }."""
        point = _der(0x03, b"\x00\x04" + _coordinates(self.point))
        ec_private = _der(
            0x30, _der_integer(1) + _der(0x04, self.d.to_bytes(_SIZE, "big")) + _der(0xA1, point)
        )
        return _der(0x30, _der_integer(0) + _ALGORITHM + _der(0x04, ec_private))


def generate(spec: str) -> SM2PrivateKey:
    # d in [1, n-2]: SM2 signing divides by 1 + d.
    d = secrets.randbelow(N - 2) + 1
    point = _mul(d, G)
    assert point is not None  # d < n, so dG is never infinity
    return SM2PrivateKey(d, point)


def load_public_key(der: bytes) -> SM2PublicKey | None:
    """The SM2 public key of a SubjectPublicKeyInfo DER with an uncompressed point on the
    curve, else None."""
    if len(der) != len(_SPKI_PREFIX) + 65 or not der.startswith(_SPKI_PREFIX + b"\x04"):
        return None
    raw = der[len(_SPKI_PREFIX) + 1 :]
    point = (int.from_bytes(raw[:_SIZE], "big"), int.from_bytes(raw[_SIZE:], "big"))
    return SM2PublicKey(point) if _on_curve(point) else None


def load_private_key(der: bytes) -> SM2PrivateKey | None:
    """The SM2 private key of a PKCS #8 PrivateKeyInfo DER as ``private_bytes`` writes it (the
    ECPrivateKey's curve and public point optional, and checked when present), else None."""
    outer = _read(der, 0, 0x30)
    if outer is None or outer[1] != len(der):
        return None
    body = outer[0]
    version = _read_integer(body, 0)
    if version is None or version[0] != 0:
        return None
    at = version[1] + len(_ALGORITHM)
    if body[version[1] : at] != _ALGORITHM:
        return None
    wrapped = _read(body, at, 0x04)
    if wrapped is None or wrapped[1] != len(body):
        return None
    inner = _read(wrapped[0], 0, 0x30)
    if inner is None or inner[1] != len(wrapped[0]):
        return None
    ec_private = inner[0]
    ec_version = _read_integer(ec_private, 0)
    secret = _read(ec_private, ec_version[1], 0x04) if ec_version else None
    if ec_version is None or ec_version[0] != 1 or secret is None or len(secret[0]) != _SIZE:
        return None
    d, at = int.from_bytes(secret[0], "big"), secret[1]
    if not 0 < d < N - 1:  # SM2 signing divides by 1 + d
        return None
    point = _mul(d, G)
    assert point is not None
    curve = _read(ec_private, at, 0xA0)
    if curve is not None:
        if curve[0] != _CURVE_OID:
            return None
        at = curve[1]
    public = _read(ec_private, at, 0xA1)
    if public is not None:
        bits = _read(public[0], 0, 0x03)
        expected = b"\x00\x04" + _coordinates(point)
        if bits is None or bits[1] != len(public[0]) or bits[0] != expected:
            return None
        at = public[1]
    return SM2PrivateKey(d, point) if at == len(ec_private) else None


def z_a(public: SM2PublicKey, user_id: bytes = DEFAULT_ID) -> bytes:
    """Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GM/T 0003.2)."""
    fixed = b"".join(v.to_bytes(_SIZE, "big") for v in (A, B, *G))
    entl = (len(user_id) * 8).to_bytes(2, "big")
    return _sm3(entl + user_id + fixed + _coordinates(public.point))


def _e(public: SM2PublicKey, message: bytes, digest: bool) -> int:
    return int.from_bytes(message if digest else _sm3(z_a(public) + message), "big")


def sign(private: SM2PrivateKey, algorithm: str, message: bytes, digest: bool) -> bytes:
    e = _e(private.public_key(), message, digest)
    inverse = pow(1 + private.d, -1, N)
    while True:
        k = secrets.randbelow(N - 1) + 1
        point = _mul(k, G)
        assert point is not None
        r = (e + point[0]) % N
        if r == 0 or r + k == N:
            continue
        s = inverse * (k - r * private.d) % N
        if s != 0:
            return encode_dss_signature(r, s)


def verify(
    public: SM2PublicKey, algorithm: str, message: bytes, signature: bytes, digest: bool
) -> bool:
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        return False
    if not (0 < r < N and 0 < s < N) or (r + s) % N == 0:
        return False
    point = _add(_mul(s, G), _mul((r + s) % N, public.point))
    return point is not None and (_e(public, message, digest) + point[0]) % N == r


def max_plaintext(spec: str, algorithm: str) -> int:
    return MAX_PLAINTEXT


# -- SM2PKE, GM/T 0009 ciphertext (SEQUENCE of two INTEGERs and two OCTET STRINGs) -------------


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes((tag, size)) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + body


def _der_integer(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _read(blob: bytes, at: int, tag: int) -> tuple[bytes, int] | None:
    """(body, next offset) of the DER element of ``tag`` at ``at``, None unless well formed."""
    if at + 2 > len(blob) or blob[at] != tag:
        return None
    size, at = blob[at + 1], at + 2
    if size & 0x80:
        count = size & 0x7F
        if count == 0 or count > 2 or at + count > len(blob):
            return None
        size = int.from_bytes(blob[at : at + count], "big")
        if size < 0x80 or blob[at] == 0:  # DER demands the shortest length
            return None
        at += count
    if at + size > len(blob):
        return None
    return blob[at : at + size], at + size


def _read_integer(blob: bytes, at: int) -> tuple[int, int] | None:
    element = _read(blob, at, 0x02)
    if element is None or not element[0] or element[0][0] & 0x80:
        return None  # empty or negative
    body, at = element
    if len(body) > 1 and body[0] == 0 and not body[1] & 0x80:
        return None  # not minimal
    return int.from_bytes(body, "big"), at


def _parse_ciphertext(blob: bytes) -> tuple[Point, bytes, bytes] | None:
    outer = _read(blob, 0, 0x30)
    if outer is None or outer[1] != len(blob):
        return None
    body = outer[0]
    x = _read_integer(body, 0)
    y = _read_integer(body, x[1]) if x else None
    c3 = _read(body, y[1], 0x04) if y else None
    c2 = _read(body, c3[1], 0x04) if c3 else None
    if x is None or y is None or c3 is None or c2 is None or c2[1] != len(body):
        return None
    return (x[0], y[0]), c3[0], c2[0]


def encrypt(public: SM2PublicKey, algorithm: str, plaintext: bytes) -> bytes:
    while True:
        k = secrets.randbelow(N - 1) + 1
        c1, shared = _mul(k, G), _mul(k, public.point)
        assert c1 is not None and shared is not None
        xy = _coordinates(shared)
        mask = _kdf(xy, len(plaintext))
        if plaintext and not any(mask):
            continue  # the standard draws a new k when the KDF output is all zero
        c2 = bytes(m ^ t for m, t in zip(plaintext, mask, strict=True))
        c3 = _sm3(xy[:_SIZE] + plaintext + xy[_SIZE:])
        body = _der_integer(c1[0]) + _der_integer(c1[1]) + _der(0x04, c3) + _der(0x04, c2)
        return _der(0x30, body)


def decrypt(private: SM2PrivateKey, algorithm: str, blob: bytes) -> bytes | None:
    """The plaintext, or None when ``blob`` is not an SM2PKE ciphertext for this key."""
    parsed = _parse_ciphertext(blob)
    if parsed is None:
        return None
    c1, c3, c2 = parsed
    if not c2 or len(c3) != _SIZE or not _on_curve(c1):
        return None
    shared = _mul(private.d, c1)
    if shared is None:
        return None
    xy = _coordinates(shared)
    mask = _kdf(xy, len(c2))
    if not any(mask):
        return None
    plaintext = bytes(c ^ t for c, t in zip(c2, mask, strict=True))
    if not hmac.compare_digest(_sm3(xy[:_SIZE] + plaintext + xy[_SIZE:]), c3):
        return None
    return plaintext


def derive_shared_secret(private: SM2PrivateKey, peer_der: bytes) -> bytes | None:
    """ECDH on the SM2 curve: the x coordinate of d * peer (cofactor 1), or None when
    ``peer_der`` is not an SM2 public key."""
    peer = load_public_key(peer_der)
    if peer is None:
        return None
    shared = _mul(private.d, peer.point)
    return None if shared is None else shared[0].to_bytes(_SIZE, "big")

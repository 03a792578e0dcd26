"""The metrics of the benchmark. Each runs one contender and returns seconds per call (or
bytes), measured inside that contender's active mock."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import boto3
from contenders import ACCOUNT, CREDENTIALS, REGION, Contender, Floor, setting_up
from harness import allocated_bytes, measure

from kmsmock.crypto import keypool

KIB = b"x" * 1024
Scenario = Callable[[Contender, "Settings"], float | None]


class Settings:
    def __init__(self, *, quick: bool) -> None:
        self.quick = quick
        self.number = 50 if quick else 200
        self.repeats = 5
        self.passes = 1 if quick else 3


def _timed(settings: Settings, func: Callable[[], object], *, scale: float = 1.0) -> float:
    number = max(1, int(settings.number * scale))
    return measure(func, number=number, repeats=settings.repeats).best


def _key(client: Any, contender: Contender) -> str:
    with setting_up(contender):
        key_id: str = client.create_key(Description="bench")["KeyMetadata"]["KeyId"]
    return key_id


# -- activation and clients ---------------------------------------------------------------


def activation(contender: Contender, settings: Settings) -> float:
    def cycle() -> None:
        with contender.active():
            pass

    return _timed(settings, cycle, scale=4)


def first_client(contender: Contender, settings: Settings) -> float:
    # The floor is a client made with no mock active: what the mock must not add to.
    def make() -> None:
        with contender.active():
            boto3.client("kms", region_name=REGION)

    return _timed(settings, make, scale=0.1)


# -- one call each ------------------------------------------------------------------------


def _op(build: Callable[[Any, Contender], Callable[[], object]]) -> Scenario:
    def scenario(contender: Contender, settings: Settings) -> float:
        with contender.active():
            client = contender.client()
            return _timed(settings, build(client, contender))

    return scenario


def _create_key(client: Any, contender: Contender) -> Callable[[], object]:
    return lambda: client.create_key()


def _encrypt(client: Any, contender: Contender) -> Callable[[], object]:
    key_id = _key(client, contender)
    return lambda: client.encrypt(KeyId=key_id, Plaintext=KIB)


def _decrypt(client: Any, contender: Contender) -> Callable[[], object]:
    key_id = _key(client, contender)
    with setting_up(contender):
        blob = client.encrypt(KeyId=key_id, Plaintext=KIB)["CiphertextBlob"]
    return lambda: client.decrypt(CiphertextBlob=blob)


def _re_encrypt(client: Any, contender: Contender) -> Callable[[], object]:
    source, destination = _key(client, contender), _key(client, contender)
    with setting_up(contender):
        blob = client.encrypt(KeyId=source, Plaintext=KIB)["CiphertextBlob"]
    return lambda: client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=destination)


def _generate_data_key(client: Any, contender: Contender) -> Callable[[], object]:
    key_id = _key(client, contender)
    return lambda: client.generate_data_key(KeyId=key_id, KeySpec="AES_256")


def _describe_key(client: Any, contender: Contender) -> Callable[[], object]:
    key_id = _key(client, contender)
    return lambda: client.describe_key(KeyId=key_id)


def _list_aliases(client: Any, contender: Contender) -> Callable[[], object]:
    with setting_up(contender):
        for index in range(10):
            key_id = client.create_key()["KeyMetadata"]["KeyId"]
            client.create_alias(AliasName=f"alias/bench-{index}", TargetKeyId=key_id)
    return lambda: client.list_aliases()


def _list_keys_paginated(client: Any, contender: Contender) -> Callable[[], object]:
    with setting_up(contender):
        for _ in range(1000):
            client.create_key()
    paginator = client.get_paginator("list_keys")

    def walk() -> int:
        return sum(len(page["Keys"]) for page in paginator.paginate())

    return walk


create_key = _op(_create_key)
encrypt = _op(_encrypt)
decrypt = _op(_decrypt)
re_encrypt = _op(_re_encrypt)
generate_data_key = _op(_generate_data_key)
describe_key = _op(_describe_key)
list_aliases = _op(_list_aliases)


def list_keys_paginated(contender: Contender, settings: Settings) -> float:
    with contender.active():
        client = contender.client()
        walk = _list_keys_paginated(client, contender)
        return _timed(settings, walk, scale=0.05)


# -- a typical test -----------------------------------------------------------------------


def typical_test(contender: Contender, settings: Settings) -> float:
    """Activate, make a client, CreateKey + alias, 10 × Encrypt+Decrypt, deactivate."""

    def run() -> None:
        with contender.active():
            client = contender.client()
            key_id = client.create_key()["KeyMetadata"]["KeyId"]
            client.create_alias(AliasName="alias/typical", TargetKeyId=key_id)
            for _ in range(10):
                blob = client.encrypt(KeyId="alias/typical", Plaintext=b"secret")
                client.decrypt(CiphertextBlob=blob["CiphertextBlob"])

    return _timed(settings, run, scale=0.05)


# -- scale: cost must not grow with the number of keys -----------------------------------


def _bulk_keys(
    contender: Contender, client: Any, count: int, *, alias: bool, rotate: bool = False
) -> str:
    """Create ``count`` keys (with an alias each if ``alias``, with automatic rotation on if
    ``rotate``); returns the last key's ID.

    kmsmock and the floor are filled through kmsmock's ``serve`` directly, without botocore
    (the state is the same as through a client, at a tenth of the set-up time); moto through
    its client.
    """
    from kmsmock.protocol.service import serve
    from kmsmock.seams import active as _active

    world = contender.world if isinstance(contender, Floor) else None
    mock = _active.current()
    if world is None and contender.name == "kmsmock" and mock is not None:
        world = mock.world

    def call(operation: str, request: dict[str, Any]) -> bytes:
        assert world is not None
        _, _, body = serve(
            world, operation, json.dumps(request).encode(), account=ACCOUNT, region=REGION
        )
        return body

    key_id = ""
    for index in range(count):
        if world is None:
            key_id = client.create_key()["KeyMetadata"]["KeyId"]
            if alias:
                client.create_alias(AliasName=f"alias/k{index:05d}", TargetKeyId=key_id)
            if rotate:
                client.enable_key_rotation(KeyId=key_id)
            continue
        _, _, body = serve(world, "CreateKey", b"{}", account=ACCOUNT, region=REGION)
        key_id = json.loads(body)["KeyMetadata"]["KeyId"]
        if alias:
            request = {"AliasName": f"alias/k{index:05d}", "TargetKeyId": key_id}
            serve(
                world, "CreateAlias", json.dumps(request).encode(), account=ACCOUNT, region=REGION
            )
        if rotate:
            request = {"KeyId": key_id}
            serve(
                world,
                "EnableKeyRotation",
                json.dumps(request).encode(),
                account=ACCOUNT,
                region=REGION,
            )
    return key_id


def populated(count: int, op: str) -> Scenario:
    """``op`` measured with ``count`` keys (each with an alias) present."""

    def scenario(contender: Contender, settings: Settings) -> float:
        with contender.active():
            client = contender.client()
            key_id = _bulk_keys(contender, client, count, alias=True)
            calls: dict[str, Callable[[], object]] = {
                "Encrypt by ID": lambda: client.encrypt(KeyId=key_id, Plaintext=KIB),
                "Encrypt by alias": lambda: client.encrypt(KeyId="alias/k00000", Plaintext=KIB),
                "DescribeKey": lambda: client.describe_key(KeyId=key_id),
                # A fixed page size: the page, not the account, is what a call may cost.
                "ListAliases": lambda: client.list_aliases(Limit=10),
            }
            return _timed(settings, calls[op])

    return scenario


def memory_10k_keys(contender: Contender, settings: Settings) -> float | None:
    """MiB held by 10,000 symmetric keys (kmsmock's audit log, a bounded record of requests
    rather than key state, is measured on its own by ``memory_audit_events``)."""
    if isinstance(contender, Floor):
        return None
    count = 10_000
    with contender.active():
        mock = getattr(contender, "mock", None)
        if mock is not None:
            mock.configure(audit_events_kept=0)
        client = contender.client()
        client.create_key()  # the first key pays one-time costs (model, managed structures)

        def build() -> None:
            for _ in range(count):
                client.create_key()

        return allocated_bytes(build) / (1024 * 1024)


def memory_audit_events(contender: Contender, settings: Settings) -> float | None:
    """MiB held by kmsmock's audit log when full (1,000 events, the default), of CreateKey
    requests, whose CloudTrail records carry the whole KeyMetadata."""
    mock_contender = getattr(contender, "mock", "absent")
    if mock_contender == "absent":
        return None
    with contender.active():
        client = contender.client()
        mock = contender.mock  # type: ignore[attr-defined]
        mock.configure(audit_events_kept=0)
        for _ in range(1_000):
            client.create_key()

        def build() -> None:
            mock.configure(audit_events_kept=1_000)
            for _ in range(1_000):
                client.create_key()

        keys_too = allocated_bytes(build)
        mock.configure(audit_events_kept=0)

        def keys_only() -> None:
            for _ in range(1_000):
                client.create_key()

        return (keys_too - allocated_bytes(keys_only)) / (1024 * 1024)


# -- import ------------------------------------------------------------------------------


def import_time(contender: Contender, settings: Settings) -> float:
    """Milliseconds a fresh interpreter spends importing the contender (less startup)."""
    statement = {
        "floor": "import botocore.session",
        "kmsmock": "import kmsmock",
        "moto": "from moto import mock_aws",
    }[contender.name]

    def run(code: str) -> float:
        times = []
        for _ in range(3 if settings.quick else 7):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    return run(statement) - run("pass")


__all__ = ["CREDENTIALS"]


# -- the time-driven lifecycle ------------------------------------------------------------


def _raise_on_demand_limit(contender: Contender) -> None:
    """Lets a benchmark rotate one key thousands of times (AWS allows 25)."""
    from kmsmock.seams import active as _active

    if isinstance(contender, Floor):
        world = contender.world
        world.configure(world.settings.replace(limits={"on_demand_rotations_per_key": 10**9}))
    else:
        mock = _active.current()
        if mock is not None:
            mock.configure(limits={"on_demand_rotations_per_key": 10**9})


def _rotating_key(client: Any, contender: Contender) -> str:
    key_id = _key(client, contender)
    with setting_up(contender):
        client.enable_key_rotation(KeyId=key_id)
    return key_id


def _get_key_rotation_status(client: Any, contender: Contender) -> Callable[[], object]:
    key_id = _rotating_key(client, contender)
    return lambda: client.get_key_rotation_status(KeyId=key_id)


def _rotate_key_on_demand(client: Any, contender: Contender) -> Callable[[], object]:
    _raise_on_demand_limit(contender)
    key_id = _key(client, contender)
    return lambda: client.rotate_key_on_demand(KeyId=key_id)


def _list_key_rotations(client: Any, contender: Contender) -> Callable[[], object]:
    _raise_on_demand_limit(contender)
    key_id = _key(client, contender)
    with setting_up(contender):
        for _ in range(10):
            client.rotate_key_on_demand(KeyId=key_id)
    return lambda: client.list_key_rotations(KeyId=key_id)


def _get_key_last_usage(client: Any, contender: Contender) -> Callable[[], object]:
    key_id = _key(client, contender)
    with setting_up(contender):
        client.encrypt(KeyId=key_id, Plaintext=b"x")
    return lambda: client.get_key_last_usage(KeyId=key_id)


get_key_rotation_status = _op(_get_key_rotation_status)
rotate_key_on_demand = _op(_rotate_key_on_demand)
list_key_rotations = _op(_list_key_rotations)
get_key_last_usage = _op(_get_key_last_usage)


def encrypt_with_rotating_keys(count: int) -> Scenario:
    """Encrypt while ``count`` keys with automatic rotation wait on the lifecycle queue."""

    def scenario(contender: Contender, settings: Settings) -> float:
        with contender.active():
            client = contender.client()
            key_id = _bulk_keys(contender, client, count, alias=False, rotate=True)
            return _timed(settings, lambda: client.encrypt(KeyId=key_id, Plaintext=KIB))

    return scenario


# -- key specs beyond symmetric ----------------------------------------------------------


def create_key_spec(spec: str) -> Scenario:
    usage = {"HMAC_256": "GENERATE_VERIFY_MAC", "RSA_2048": "SIGN_VERIFY"}.get(spec, "SIGN_VERIFY")

    def build(client: Any, contender: Contender) -> Callable[[], object]:
        return lambda: client.create_key(KeySpec=spec, KeyUsage=usage)

    return _op(build)


def _signing_key(client: Any, contender: Contender, spec: str) -> str:
    with setting_up(contender):
        key_id: str = client.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"][
            "KeyId"
        ]
        client.get_public_key(KeyId=key_id)  # the private key exists from here on
    return key_id


_ALGORITHM = {
    "ECC_NIST_P256": "ECDSA_SHA_256",
    "RSA_2048": "RSASSA_PSS_SHA_256",
    "ECC_NIST_EDWARDS25519": "ED25519_SHA_512",
    "ML_DSA_65": "ML_DSA_SHAKE_256",
}


def sign(spec: str) -> Scenario:
    def build(client: Any, contender: Contender) -> Callable[[], object]:
        key_id = _signing_key(client, contender, spec)
        return lambda: client.sign(
            KeyId=key_id, Message=b"message", SigningAlgorithm=_ALGORITHM[spec]
        )

    return _op(build)


def verify(spec: str) -> Scenario:
    def build(client: Any, contender: Contender) -> Callable[[], object]:
        key_id = _signing_key(client, contender, spec)
        with setting_up(contender):
            signature = client.sign(
                KeyId=key_id, Message=b"message", SigningAlgorithm=_ALGORITHM[spec]
            )["Signature"]
        return lambda: client.verify(
            KeyId=key_id,
            Message=b"message",
            Signature=signature,
            SigningAlgorithm=_ALGORITHM[spec],
        )

    return _op(build)


def _create_and_sign_rsa_4096(client: Any) -> None:
    key_id = client.create_key(KeySpec="RSA_4096", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    client.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")


def first_sign_rsa_4096(contender: Contender, settings: Settings) -> float:
    """A test that signs with RSA_4096: activate, client, CreateKey RSA_4096, its first Sign
    (where the private key gets made, or taken from the keys an ended mock used), deactivate."""

    def run() -> None:
        with contender.active():
            _create_and_sign_rsa_4096(contender.client())

    if isinstance(contender, Floor):
        # The floor replays within one activation (a new one would forget its answers).
        with contender.active():
            return _timed(
                settings, lambda: _create_and_sign_rsa_4096(contender.client()), scale=0.1
            )
    # kmsmock's warm-up run generates the key; moto generates on every CreateKey, and RSA-4096
    # generation takes about half a second: a few calls are enough.
    return measure(run, number=3, repeats=3, warmup=1).best


def fresh_sign_rsa_4096(contender: Contender, settings: Settings) -> float:
    """CreateKey RSA_4096 and its first Sign, again and again in one mock, with no key to
    reuse: every key needs a new private key, so this is the cost of generating one."""
    keypool.clear()
    with contender.active():
        client = contender.client()
        if isinstance(contender, Floor):
            return _timed(settings, lambda: _create_and_sign_rsa_4096(client), scale=0.1)
        timing = measure(lambda: _create_and_sign_rsa_4096(client), number=3, repeats=3, warmup=0)
    keypool.clear()
    return timing.best


def _generate_mac(client: Any, contender: Contender) -> Callable[[], object]:
    with setting_up(contender):
        key_id = client.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")[
            "KeyMetadata"
        ]["KeyId"]
    return lambda: client.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256")


generate_mac = _op(_generate_mac)


# -- issue 5: data key pairs, key agreement, EdDSA and ML-DSA, imported key material --------

# Calls that generate a fresh RSA key each (about 50 ms for RSA_2048): a few rounds suffice.
_RSA_SCALE = 0.1


def generate_data_key_pair(spec: str) -> Scenario:
    """GenerateDataKeyPair under a symmetric key. An RSA pair is generated anew on every call,
    as AWS does (no pool: each pair's private key leaves the mock), so RSA costs what OpenSSL
    takes to make the key; an ECC pair costs well under a millisecond to make."""

    def scenario(contender: Contender, settings: Settings) -> float:
        with contender.active():
            client = contender.client()
            key_id = _key(client, contender)
            scale = _RSA_SCALE if spec.startswith("RSA") else 1.0
            return _timed(
                settings,
                lambda: client.generate_data_key_pair(KeyId=key_id, KeyPairSpec=spec),
                scale=scale,
            )

    return scenario


def _derive_shared_secret(client: Any, contender: Contender) -> Callable[[], object]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    with setting_up(contender):
        key_id = client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")[
            "KeyMetadata"
        ]["KeyId"]
        client.get_public_key(KeyId=key_id)  # the private key exists from here on
    # The other party's public key, made offline as a real caller's would be.
    peer = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return lambda: client.derive_shared_secret(
        KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=peer
    )


derive_shared_secret = _op(_derive_shared_secret)


def _external_key(client: Any, contender: Contender) -> str:
    with setting_up(contender):
        key_id: str = client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    return key_id


def get_parameters_for_import(contender: Contender, settings: Settings) -> float:
    """GetParametersForImport RSA_2048: each call makes a new RSA wrapping key, as AWS does
    (from the pool ended mocks left, while it lasts, then generated)."""
    with contender.active():
        client = contender.client()
        key_id = _external_key(client, contender)
        return _timed(
            settings,
            lambda: client.get_parameters_for_import(
                KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
            ),
            scale=_RSA_SCALE,
        )


def _import_key_material(client: Any, contender: Contender) -> Callable[[], object]:
    """Reimporting the same 256-bit material with the same token, again and again (AWS
    allows reimporting the material a key already has)."""
    import os

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key_id = _external_key(client, contender)
    with setting_up(contender):
        parameters = client.get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
        )
    public_key = serialization.load_der_public_key(parameters["PublicKey"])
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise TypeError("GetParametersForImport returned no RSA public key")
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    wrapped = public_key.encrypt(os.urandom(32), oaep)
    return lambda: client.import_key_material(
        KeyId=key_id,
        ImportToken=parameters["ImportToken"],
        EncryptedKeyMaterial=wrapped,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )


import_key_material = _op(_import_key_material)

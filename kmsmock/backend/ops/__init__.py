"""Every KMS operation kmsmock serves, one module per concept; importing registers them."""

from kmsmock.backend.ops import aliases, crypto, keys, policies, rotation, tags  # noqa: F401

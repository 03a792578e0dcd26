"""Every KMS operation kmsmock serves, one module per concept; importing registers them."""

from kmsmock.backend.ops import (  # noqa: F401
    aliases,
    crypto,
    custom_key_stores,
    data_key_pairs,
    encapsulation,
    grants,
    importing,
    key_agreement,
    keys,
    mac,
    multi_region,
    policies,
    rotation,
    signing,
    tags,
)

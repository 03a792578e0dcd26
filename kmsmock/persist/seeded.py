"""Keys whose first key material a seed file fixed.

A key KMS makes derives its first material from the mock's secret (crypto/material.py); a
seed may instead give the 32 bytes of a symmetric key's first material, for ciphertexts that
must decrypt under known bytes. The key keeps Origin AWS_KMS (it is not an imported key:
no ExpirationModel, no import operations); only version 0 of its material differs, and its
rotations are derived as any key's.
"""

from __future__ import annotations

from dataclasses import dataclass

from kmsmock.backend.keys import Key, KeyMaterial


@dataclass(slots=True)
class SeededKey(Key):
    """A Key with fixed first material (``fixed_secret``, ``fixed_id``)."""

    fixed_secret: bytes = b""
    fixed_id: str = ""

    def material(self, version: int) -> KeyMaterial:
        if version:
            # Not super(): a slots dataclass is a new class, which zero-argument super()
            # does not know before Python 3.14.
            return Key.material(self, version)
        return KeyMaterial(
            self.key_id,
            self.account,
            0,
            self.instance_secret,
            self.created,
            imported_secret=self.fixed_secret,
            imported_id=self.fixed_id,
        )

    @property
    def current_material_id(self) -> str:
        # Key's shortcut derives version 0's ID from the secret; this key's first is fixed.
        return self.current_material.material_id

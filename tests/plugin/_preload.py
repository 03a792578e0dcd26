"""Import every kmsmock module now, before any in-process pytester run.

pytester forgets the modules an in-process run imported first. kmsmock imports most of its
modules lazily (on the first request a mock serves), so without this a run would import them,
pytester would forget them, and later tests in the same process would meet a second copy of
each: classes that fail isinstance checks against the first copy's objects, and
cryptography's compiled half holding the first copy's hash classes.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

import kmsmock

# kmsmock modules that need what an installed library may lack: kmsmock imports them only for
# keys it refuses there (crypto/asymmetric.py), so a run never loads them and they are not
# preloaded either. `cryptography` has an mldsa module from 47 on; gmssl is the sm2 extra.
_NEEDS = {
    "kmsmock.crypto.mldsa_keys": "cryptography.hazmat.primitives.asymmetric.mldsa",
    "kmsmock.crypto.sm2_keys": "gmssl",
}


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


for module in pkgutil.walk_packages(kmsmock.__path__, "kmsmock."):
    if _installed(_NEEDS.get(module.name, "kmsmock")):
        importlib.import_module(module.name)

# The libraries kmsmock's optional seams load when a mock starts or serves (the requests seam
# builds its answers with responses): a second copy of requests.cookies would fail requests'
# own isinstance checks in every later test of the process. aiobotocore (the aio extra) may be
# absent: kmsmock then never loads it.
for name in ("requests", "requests.cookies", "responses", "aiobotocore.session"):
    if _installed(name.split(".")[0]):
        importlib.import_module(name)

"""Import every kmsmock module now, before any in-process pytester run.

pytester forgets the modules an in-process run imported first. kmsmock imports most of its
modules lazily (on the first request a mock serves), so without this a run would import them,
pytester would forget them, and later tests in the same process would meet a second copy of
each: classes that fail isinstance checks against the first copy's objects, and
cryptography's compiled half holding the first copy's hash classes.
"""

from __future__ import annotations

import importlib
import pkgutil

import kmsmock

for module in pkgutil.walk_packages(kmsmock.__path__, "kmsmock."):
    importlib.import_module(module.name)

# The libraries kmsmock's optional seams load when a mock starts or serves (the requests seam
# builds its answers with responses): a second copy of requests.cookies would fail requests'
# own isinstance checks in every later test of the process.
for name in ("requests", "requests.cookies", "responses", "aiobotocore.session"):
    importlib.import_module(name)

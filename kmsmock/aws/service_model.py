"""The KMS service model, loaded once through botocore's loader.

The model is the source of truth for operations, shapes and constraints: parsing, validation
and serialization all read it, so a new botocore release brings new fields and enum values
with no hand edits.
"""

from __future__ import annotations

import threading
from functools import cache

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel

_lock = threading.Lock()
_model: ServiceModel | None = None


def service_model() -> ServiceModel:
    """The KMS ``ServiceModel`` of the installed botocore (loaded on first use)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                data = Loader().load_service_model("kms", "service-2")
                _model = ServiceModel(data, service_name="kms")
    return _model


@cache
def operation_names() -> frozenset[str]:
    return frozenset(service_model().operation_names)


@cache  # botocore builds a new OperationModel on every call
def operation_model(name: str) -> OperationModel:
    return service_model().operation_model(name)


# Server-side faults the model gives no status: 500 in the KMS API reference ("Common
# Errors" and each operation's Errors), which is also what makes botocore retry them.
_SERVER_FAULTS = {"KMSInternalException": 500, "DependencyTimeoutException": 500}


@cache
def error_status(code: str) -> int:
    """HTTP status AWS uses for an error code (400 unless the model says otherwise)."""
    if code in _SERVER_FAULTS:
        return _SERVER_FAULTS[code]
    for shape in service_model().error_shapes:
        if shape.name == code:
            status = shape.metadata.get("error", {}).get("httpStatusCode")
            return int(status) if status else 400
    return 400

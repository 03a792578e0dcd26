"""What the seam's handlers do while a service is integrated: find who the request is from,
hand it to the service's module, and answer with the service's error where KMS refused.

Imported by the first integrated request (``seam`` stays light)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from types import ModuleType
from typing import TYPE_CHECKING, Any

import botocore

from kmsmock.aws.partitions import partition_of
from kmsmock.errors import KmsMockUsageError
from kmsmock.integrations import s3, secretsmanager, ssm, wire
from kmsmock.integrations.on_behalf import Acting, ServiceError

if TYPE_CHECKING:
    from botocore.awsrequest import AWSResponse
    from botocore.model import OperationModel

    from kmsmock.seams.active import Served

logger = logging.getLogger("kmsmock")

# botocore service ID -> (the module that knows the service, the name the report gives it,
# the prefix of its endpoint host: what kms:ViaService names).
_SERVICES: dict[str, tuple[ModuleType, str, str]] = {
    "s3": (s3, "S3", "s3"),
    "ssm": (ssm, "SSM", "ssm"),
    "secrets-manager": (secretsmanager, "Secrets Manager", "secretsmanager"),
}


def before_call(
    mock: Served,
    service_id: str,
    model: OperationModel,
    params: Mapping[str, Any],
    request_signer: Any,
    context: dict[str, Any],
    after_key: str,
) -> Any:
    """The ``before-call`` handler's work: None (let the request go on), or the
    ``(http_response, parsed)`` botocore takes as the service's answer."""
    module, display, endpoint = _SERVICES[service_id]
    if model.name not in module.OPERATIONS:
        return None
    region = _region(context.get("client_region"))
    caller = mock.caller_for(_access_key(request_signer, context), region)
    acting = Acting(
        mock=mock,
        world=mock.world,
        caller=replace(caller, via_service=f"{endpoint}.{region}.amazonaws.com"),
        region=region,
        partition=partition_of(region),
        request=f"{display} {model.name}",
    )
    outcome = _guarded(model, lambda: module.before(acting, model.name, params))
    if isinstance(outcome, ServiceError):
        return wire.response(model, outcome)
    if outcome is not None:
        context[after_key] = outcome
    return None


def after_call(
    after: Callable[[dict[str, Any]], ServiceError | None],
    http_response: AWSResponse,
    parsed: dict[str, Any],
    model: OperationModel,
) -> None:
    """The ``after-call`` handler's work: once the service answered a request successfully,
    note what it stored, or check a read; a refused read's answer becomes the service's
    error."""
    if http_response.status_code >= 300:
        return
    error = _guarded(model, lambda: after(parsed))
    if isinstance(error, ServiceError):
        wire.replace(model, http_response, parsed, error)


def _guarded(model: OperationModel, work: Callable[[], Any]) -> Any:
    """``work()``, or, if kmsmock fails at it (a bug), the service's internal error saying
    so: never a traceback from inside botocore. A mock set up wrong is the test's to see."""
    try:
        return work()
    except KmsMockUsageError:
        raise
    except Exception as error:
        logger.error("kmsmock failed at the KMS calls of %s", model.name, exc_info=error)
        return wire.internal_error(model, error)


def _region(region: str | None) -> str:
    # S3's global endpoint (and a client with no Region) is us-east-1's.
    if not region or region == "aws-global":
        return "us-east-1"
    return region


def _access_key(request_signer: Any, context: Mapping[str, Any]) -> str | None:
    """The access key the request will be signed with (None: unsigned, or no credentials,
    which botocore refuses itself later): the one credential resolution kmsmock's KMS seam
    reads from the signature."""
    if getattr(request_signer, "signature_version", None) is botocore.UNSIGNED:
        return None
    signing = context.get("signing") or {}
    credentials = signing.get("request_credentials") or getattr(
        request_signer, "_credentials", None
    )
    if credentials is None:
        return None
    try:
        access_key = credentials.access_key
    except Exception:  # aiobotocore's refreshable credentials are read by awaiting them
        return None
    return access_key if isinstance(access_key, str) else None

"""The botocore seam of the service integrations: three handlers per integrated service.

Every botocore session gets them when it is made (``install`` has kmsmock's session initializer
call ``register``), as it gets kmsmock's KMS handlers: a client copies its session's handlers
when it is created, so handlers added only once a mock starts would never reach the clients an
application made earlier (a module-level ``boto3.client("s3")``). While no active mock asks for
a service, its handlers return at their first line; nothing else is imported or done.

While one does, for each request of that service:

- ``before-parameter-build.<service>`` keeps a reference to the request's parameters in the
  request's context (botocore's own handlers fill in idempotency tokens and normalize
  ``CopySource`` in that same dictionary afterwards);
- ``before-call.<service>``, once botocore has validated the parameters and before anything
  is sent, makes the KMS calls the service would make before storing anything
  (``GenerateDataKey`` on an upload, ...). If KMS refuses, the handler answers the request
  with the service's own error (botocore then raises it as it raises any error the service
  returns); the request never goes on to whatever serves the service (moto's ``before-send``
  handler, a local endpoint). Otherwise the request goes on unchanged;
- ``after-call.<service>``, once the service answered, makes the KMS calls of reads
  (``Decrypt`` on GetObject, GetParameter, GetSecretValue: the service finds the resource
  first, so its own errors, NoSuchKey and the like, come first) and notes what a write stored
  under which key, so later reads are checked against that key's state and policy. A refused
  read's answer becomes the service's error.

Nothing here touches the service's mock: its requests and responses go through as botocore
made and parsed them.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from kmsmock.integrations import SERVICES
from kmsmock.seams import active as _active
from kmsmock.seams import botocore_hook

if TYPE_CHECKING:
    from botocore.awsrequest import AWSResponse
    from botocore.model import OperationModel
    from botocore.session import Session

# Keys of botocore's per-request context dictionary (it carries our values from one handler
# to the next, and is dropped with the request).
PARAMS = "kmsmock_integration_params"
AFTER = "kmsmock_integration_after"

_lock = threading.Lock()
_counts: Counter[str] = Counter()
# The botocore service IDs ("secrets-manager", ...) of the services some active mock
# integrates: the one thing a handler reads while integrations are off.
_enabled: frozenset[str] = frozenset()


def activate(names: Iterable[str]) -> None:
    """A mock integrating ``names`` became active (activations nest and count)."""
    global _enabled
    with _lock:
        _counts.update(SERVICES[name] for name in names)
        _enabled = frozenset(name for name, count in _counts.items() if count > 0)


def deactivate(names: Iterable[str]) -> None:
    """A mock integrating ``names`` stopped."""
    global _enabled
    with _lock:
        _counts.subtract(SERVICES[name] for name in names)
        _enabled = frozenset(name for name, count in _counts.items() if count > 0)


def enabled() -> frozenset[str]:
    """The botocore service IDs integrated now."""
    return _enabled


def register(session: Session) -> None:
    """Give ``session`` the handlers (once: botocore keeps one handler per unique ID)."""
    for service_id in SERVICES.values():
        stash, before, after = _handlers(service_id)
        session.register(
            f"before-parameter-build.{service_id}",
            stash,
            unique_id=f"kmsmock-integration-params-{service_id}",
        )
        # A before-call handler may return the response botocore should take instead.
        session.register(
            f"before-call.{service_id}",
            before,
            unique_id=f"kmsmock-integration-call-{service_id}",
        )
        session.register(
            f"after-call.{service_id}",
            after,
            unique_id=f"kmsmock-integration-answer-{service_id}",
        )


_made: dict[str, tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]] = {}


def _handlers(
    service_id: str,
) -> tuple[Callable[..., None], Callable[..., Any], Callable[..., None]]:
    """The three handlers of one service, made once and shared by every session (botocore
    tells handlers apart by unique ID, so sharing them costs nothing)."""
    made = _made.get(service_id)
    if made is not None:
        return made

    def stash(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if service_id in _enabled:
            context[PARAMS] = params

    def before(
        model: OperationModel,
        request_signer: Any = None,
        context: dict[str, Any] | None = None,
        **_: Any,
    ) -> Any:
        if context is None or PARAMS not in context:
            return None
        params = context.pop(PARAMS)
        mock = _active.current()
        if mock is None or service_id not in _enabled:
            return None
        from kmsmock.integrations.calls import before_call

        return before_call(mock, service_id, model, params, request_signer, context, AFTER)

    def after(
        http_response: AWSResponse,
        parsed: dict[str, Any],
        model: OperationModel,
        context: dict[str, Any] | None = None,
        **_: Any,
    ) -> None:
        if context is None or AFTER not in context:
            return
        from kmsmock.integrations.calls import after_call

        after_call(context.pop(AFTER), http_response, parsed, model)

    made = _made[service_id] = (stash, before, after)
    return made


def install() -> None:
    """Give every botocore session the handlers (``register``), those made before too: done
    once, when kmsmock is imported."""
    botocore_hook.on_new_session(register)

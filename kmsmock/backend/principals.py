"""Who a request comes from: credentials a test asked for, and identity-based policies.

A test gets credentials for a principal with ``KmsMock.credentials(...)``; each set has its own
access key, and a request signed with it acts as that principal. Credentials the mock did not
issue (the fake defaults, anything a user configured) act as the principal of the innermost
``KmsMock.acting_as(...)`` in force, else as the root of the mock's account, so tests written
for moto keep working.
"""

from __future__ import annotations

import re
import secrets
import string
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from kmsmock.errors import KmsMockUsageError
from kmsmock.policy.model import Caller

_IAM = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):iam::(?P<account>[0-9]{12}):"
    r"(?P<kind>root|user/(?P<user>[\w+=,.@/-]+)|role/(?P<role>[\w+=,.@/-]+))"
)
_SESSION = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):sts::(?P<account>[0-9]{12}):assumed-role/"
    r"(?P<role>[\w+=,.@-]+)/(?P<session>[\w+=,.@-]+)"
)
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
_VIA_SERVICE = re.compile(r"[a-z0-9-]+\.[a-z0-9-]+\.amazonaws\.com(\.cn)?")
_REGION = re.compile(r"[a-z]+(-[a-z0-9]+)+")
_KEY_CHARS = string.ascii_uppercase + string.digits
DECISIONS_KEPT = 1000


@dataclass
class Access:
    """One world's principals: issued credentials and identity-based policies."""

    # Access key ID -> the caller its requests act as.
    callers: dict[str, Caller] = field(default_factory=dict)
    # Principal ARN (user or role) -> its identity-based policy documents, as given (JSON text).
    identity_policies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Access key ID -> its secret access key, for the local endpoint to verify SigV4
    # signatures with (and for saved state to keep the credentials usable).
    secret_keys: dict[str, str] = field(default_factory=dict)
    # Whether requests are authorized at all (mock_kms(enforce_policies=False) turns it off).
    enforce: bool = True
    # The latest authorization decisions (backend/authorize.py's Authorization), newest last.
    decisions: deque[Any] = field(default_factory=lambda: deque(maxlen=DECISIONS_KEPT))
    # Who requests signed with credentials the mock did not issue act as, while a test is
    # inside ``KmsMock.acting_as(...)``; None: the account root. It lives in the world, not in
    # a ContextVar, so that every client, session and thread sees it (see _active.py), and
    # it is the innermost entry of ``acting_stack``, kept apart so that a request reads one
    # attribute to learn there is none.
    acting: Caller | None = None
    # (token, caller) for each acting_as block entered and not yet left, innermost last.
    # Blocks may end in any order (concurrent tasks each running a decorated coroutine): each
    # leaves by its token. Changed under the world's lock.
    acting_stack: list[tuple[object, Caller]] = field(default_factory=list)

    def copy(self) -> Access:
        # Callers and decisions are frozen, policy documents are tuples of text: shared.
        # An acting_as override is not copied: it belongs to the `with` block (or decorated
        # call) that set it in the running test, and is undone when that block ends. A copy
        # (a snapshot, and every mock started from it) has no such block, so it would act
        # as that principal for good, and requests meant for the root would be denied.
        return Access(
            callers=dict(self.callers),
            identity_policies=dict(self.identity_policies),
            secret_keys=dict(self.secret_keys),
            enforce=self.enforce,
            decisions=deque(self.decisions, maxlen=DECISIONS_KEPT),
        )

    def start_acting(self, caller: Caller) -> object:
        """Requests without issued credentials act as ``caller`` until ``stop_acting`` with the
        token returned. Call under the world's lock."""
        token = object()
        self.acting_stack.append((token, caller))
        self.acting = caller
        return token

    def stop_acting(self, token: object) -> None:
        """End the override ``start_acting`` returned ``token`` for: the innermost one left
        applies again. Call under the world's lock."""
        stack = self.acting_stack
        for index in range(len(stack) - 1, -1, -1):
            if stack[index][0] is token:
                del stack[index]
                break
        self.acting = stack[-1][1] if stack else None


def is_principal_arn(value: str) -> bool:
    """Whether ``value`` is an ARN ``caller_of`` takes: an account root, user or role, or an
    assumed-role session."""
    return bool(_SESSION.fullmatch(value) or _IAM.fullmatch(value))


def caller_of(
    principal_arn: str,
    *,
    session_name: str | None = None,
    via_service: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> Caller:
    """The Caller a principal ARN (with an optional session, service and tags) stands for;
    usage errors explain what a test got wrong."""
    caller = _caller_of(principal_arn, session_name=session_name, via_service=via_service)
    if tags:
        if not isinstance(tags, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
        ):
            raise KmsMockUsageError(f"tags must map strings to strings; got {tags!r}")
        caller = replace(caller, tags=dict(tags))
    return caller


def _caller_of(principal_arn: str, *, session_name: str | None, via_service: str | None) -> Caller:
    if via_service is not None and not _VIA_SERVICE.fullmatch(via_service):
        raise KmsMockUsageError(
            f"via_service must be a service endpoint host such as "
            f"'lambda.us-east-1.amazonaws.com'; got {via_service!r}"
        )
    session = _SESSION.fullmatch(principal_arn)
    if session is not None:
        if session_name is not None:
            raise KmsMockUsageError(
                f"session_name is for role ARNs; this is already a session's ARN: {principal_arn}"
            )
        partition, account = session["partition"], session["account"]
        return Caller(
            arn=principal_arn,
            account=account,
            principal_arn=f"arn:{partition}:iam::{account}:role/{session['role']}",
            principal_type="AssumedRole",
            partition=partition,
            via_service=via_service,
        )
    match = _IAM.fullmatch(principal_arn)
    if match is None:
        raise KmsMockUsageError(
            "principal_arn must be an account root (arn:aws:iam::<12 digits>:root), a user "
            "(arn:aws:iam::<account>:user/<name>), a role (arn:aws:iam::<account>:role/<name>) "
            f"or an assumed-role session (arn:aws:sts::<account>:assumed-role/<role>/<session>); "
            f"got {principal_arn!r}"
        )
    partition, account = match["partition"], match["account"]
    if match["role"] is not None:
        name = session_name if session_name is not None else "kmsmock"
        if not _SESSION_NAME.fullmatch(name):
            raise KmsMockUsageError(
                "session_name must be 2 to 64 characters of letters, digits and +=,.@_-; "
                f"got {name!r}"
            )
        role_name = match["role"].rsplit("/", 1)[-1]  # a session ARN drops the role's path
        return Caller(
            arn=f"arn:{partition}:sts::{account}:assumed-role/{role_name}/{name}",
            account=account,
            principal_arn=principal_arn,
            principal_type="AssumedRole",
            partition=partition,
            via_service=via_service,
        )
    if session_name is not None:
        raise KmsMockUsageError(
            f"session_name applies to roles only; {principal_arn} is not a role"
        )
    return Caller(
        arn=principal_arn,
        account=account,
        principal_arn=principal_arn,
        principal_type="Account" if match["kind"] == "root" else "User",
        partition=partition,
        via_service=via_service,
    )


@lru_cache(maxsize=64)  # one per account: every request without issued credentials asks
def root_caller(account: str, partition: str = "aws") -> Caller:
    arn = f"arn:{partition}:iam::{account}:root"
    return Caller(arn, account, arn, "Account", partition)


def issue_credentials(access: Access, caller: Caller) -> dict[str, str]:
    """New credentials acting as ``caller``, as ``boto3.client(**credentials)`` takes them."""
    prefix = "ASIA" if caller.principal_type == "AssumedRole" else "AKIA"
    access_key = prefix + "".join(secrets.choice(_KEY_CHARS) for _ in range(16))
    secret = secrets.token_urlsafe(30)
    access.callers[access_key] = caller
    access.secret_keys[access_key] = secret
    return {
        "aws_access_key_id": access_key,
        "aws_secret_access_key": secret,
        "aws_session_token": "kmsmock-" + secrets.token_urlsafe(48),
    }


def issue_environ(access: Access, caller: Caller, region: str | None) -> dict[str, str]:
    """New credentials acting as ``caller``, as the environment variables SDKs and the AWS
    CLI read (and the Region, if given)."""
    if region is not None and (not isinstance(region, str) or not _REGION.fullmatch(region)):
        raise KmsMockUsageError(
            f"region must be an AWS Region name such as 'eu-west-1'; got {region!r}"
        )
    credentials = issue_credentials(access, caller)
    environ = {
        "AWS_ACCESS_KEY_ID": credentials["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": credentials["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": credentials["aws_session_token"],
    }
    if region is not None:
        environ["AWS_DEFAULT_REGION"] = region
    return environ


def identity_documents(document: Any) -> tuple[str, ...]:
    """One policy document or several (dicts or JSON strings), as JSON texts."""
    import json

    documents: Sequence[Any]
    if isinstance(document, (str, Mapping)):
        documents = [document]
    elif isinstance(document, Sequence):
        documents = list(document)
    else:
        raise KmsMockUsageError(
            "an identity policy is a dict or a JSON string, or a list of them; got "
            f"{type(document).__name__}"
        )
    texts = []
    for item in documents:
        if isinstance(item, Mapping):
            try:
                texts.append(json.dumps(item))
            except (TypeError, ValueError, RecursionError) as error:
                # Values JSON has no form for, a cycle, or nesting too deep to write.
                raise KmsMockUsageError(
                    f"not a valid identity-based policy: not writable as JSON: {error}"
                ) from None
        elif isinstance(item, str):
            texts.append(item)
        else:
            raise KmsMockUsageError(
                f"an identity policy is a dict or a JSON string; got {type(item).__name__}"
            )
    return tuple(texts)

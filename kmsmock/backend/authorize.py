"""Authorization as KMS decides it: the key policy, the caller's identity policies, grants.

The rules (KMS Developer Guide, "Determining access to AWS KMS keys"; facts file B.2):

- An explicit Deny in the key policy or in the caller's identity policies wins.
- Otherwise the request is allowed if the key policy allows the caller itself (or everyone),
  or if the key policy allows the caller's *account* (the "Enable IAM User Permissions"
  delegation) and an identity policy of the caller allows the action (an account root needs
  none), or if a grant on the key allows it.
- From another account, the key policy must let the caller (or its account) in *and* the
  caller's own identity policies must allow the action, and only the operations AWS allows
  across accounts are possible at all.
- Everything else is an implicit deny, whose message names the policy that was missing: the
  identity-based one when the key policy delegated to the account, else the resource-based one.

Every decision is recorded with the statement or grant that made it, so a failing test can
ask the mock why (``KmsMock.authorizations``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from kmsmock.aws.families import ENVELOPE
from kmsmock.backend.audit import read_only
from kmsmock.backend.context import RequestContext
from kmsmock.backend.default_policies import default_policy

# The policy engine, imported with this module (the first request's), not per decision.
from kmsmock.backend.near_misses import identity_near_misses, key_near_misses
from kmsmock.errors import KmsError, KmsMockUsageError
from kmsmock.policy.document import Policy, PolicyError, parsed_policy
from kmsmock.policy.evaluate import applicable, principal_matches
from kmsmock.policy.explain import deny_reason
from kmsmock.policy.model import AuthRequest, Caller, ContextValue, PrincipalMatch

if TYPE_CHECKING:
    from kmsmock.backend.keys import Key

# The operations AWS lets a principal of another account perform (key-policy-modifying-external-
# accounts.html); every other one fails across accounts whatever the policies say.
CROSS_ACCOUNT = frozenset(
    {
        "Decrypt",
        "Encrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateMac",
        "VerifyMac",
        "ReEncrypt",
        "Sign",
        "Verify",
        "DeriveSharedSecret",
        # Encapsulate and Decapsulate API references: "Cross-account use: Yes".
        "Encapsulate",
        "Decapsulate",
        "CreateGrant",
        "DescribeKey",
        "GetKeyRotationStatus",
        "GetPublicKey",
        "ListGrants",
        "RetireGrant",
        "RevokeGrant",
    }
)

# Operations on no key: only the caller's identity policies authorize them (resource "*").
KEYLESS = frozenset(
    {
        "CreateKey",
        "ListKeys",
        "ListAliases",
        "GenerateRandom",
        "ListRetirableGrants",
        "CreateCustomKeyStore",
        "DescribeCustomKeyStores",
        "UpdateCustomKeyStore",
        "ConnectCustomKeyStore",
        "DisconnectCustomKeyStore",
        "DeleteCustomKeyStore",
    }
)

_GRANT_OPERATIONS = frozenset({"CreateGrant", "ListGrants", "RevokeGrant"})

# Request parameters that are condition keys of the same value (conditions-kms.html).
_PARAM_KEYS = {
    "EncryptionAlgorithm": "kms:EncryptionAlgorithm",
    "SigningAlgorithm": "kms:SigningAlgorithm",
    "MessageType": "kms:MessageType",
    "MacAlgorithm": "kms:MacAlgorithm",
    "KeyAgreementAlgorithm": "kms:KeyAgreementAlgorithm",
    "KeyPairSpec": "kms:DataKeyPairSpec",
    "GranteePrincipal": "kms:GranteePrincipal",
    "RetiringPrincipal": "kms:RetiringPrincipal",
    "GranteeServicePrincipal": "kms:GranteeServicePrincipal",
    "Operations": "kms:GrantOperations",
    "ReplicaRegion": "kms:ReplicaRegion",
    "PrimaryRegion": "kms:PrimaryRegion",
    "RotationPeriodInDays": "kms:RotationPeriodInDays",
    "PendingWindowInDays": "kms:ScheduleKeyDeletionPendingWindowInDays",
    "ExpirationModel": "kms:ExpirationModel",
    "ValidTo": "kms:ValidTo",
    "WrappingAlgorithm": "kms:WrappingAlgorithm",
    "WrappingKeySpec": "kms:WrappingKeySpec",
    "BypassPolicyLockoutSafetyCheck": "kms:BypassPolicyLockoutSafetyCheck",
}
# Operations whose EncryptionAlgorithm condition key is SYMMETRIC_DEFAULT when not given.
_SYMMETRIC_DEFAULT_ALGORITHM = ENVELOPE


class Authorization(NamedTuple):
    """One authorization decision, as ``KmsMock.authorizations`` lists them. (Immutable: a
    named tuple, made for every decision, builds faster than a frozen dataclass.)"""

    operation: str
    action: str  # "kms:Decrypt", ...
    caller: str  # the caller's ARN
    resource: str  # the key ARN, or "*"
    allowed: bool
    reason: str  # which statement or grant decided, in words
    # For a denial: the statements and grants that would have allowed the request but for one
    # element, each naming that element (kmsmock/policy/explain.py).
    near_misses: tuple[str, ...] = ()
    request_id: str = ""  # the request's x-amzn-RequestId, as its audit event has it

    def __repr__(self) -> str:
        verdict = "allowed" if self.allowed else "denied"
        near = len(self.near_misses)
        misses = f", {near} near miss{'es' if near != 1 else ''}" if near else ""
        resource = self.resource.split(":", 5)[-1]
        return f"<Authorization {self.action} by {self.caller} on {resource}: {verdict}{misses}>"

    def __str__(self) -> str:
        verdict = "allowed" if self.allowed else "denied"
        text = f"{self.action} by {self.caller} on {self.resource}: {verdict}: {self.reason}"
        return "; ".join((text, *(f"near miss: {n}" for n in self.near_misses)))


def check_identity_policy(text: str) -> None:
    """Raise a usage error if ``text`` is not an identity-based policy IAM would accept."""

    try:
        parsed_policy(text, "identity")
    except PolicyError as error:
        # AWS's text for a document that is not JSON is empty: say what is wrong instead.
        why = error.message or "it is not a JSON policy document"
        raise KmsMockUsageError(f"not a valid identity-based policy: {why}") from None


def action_of(operation: str, *, destination: bool = False) -> str:
    """The IAM action an operation is authorized as (ReEncrypt is two: From and To)."""
    if operation == "ReEncrypt":
        return "kms:ReEncryptTo" if destination else "kms:ReEncryptFrom"
    return "kms:" + operation


def authorize_key(
    context: RequestContext,
    key: Key,
    *,
    action: str | None = None,
    request_alias: str | None = None,
) -> None:
    """Raise AWS's AccessDeniedException unless ``context.who`` may perform ``action`` (the
    operation's own by default) on ``key``."""
    world = context.world
    access = world.access
    caller = context.who
    action = action or action_of(context.operation)
    arn = context.key_arn = key.arn
    # Every key a request acts on is authorized: a durable server journals it (World.touch).
    world.touch(key, read=read_only(context.operation))
    if not access.enforce:
        return
    cross_account = caller.account != key.account
    if (
        not cross_account
        and caller.is_root
        and key.policy is default_policy(key.partition, key.account)
    ):
        # The common case, decided without the engine: the default policy allows the
        # account root everything.
        _record(
            context,
            action,
            arn,
            True,
            'key policy statement "Enable IAM User Permissions" allows the account root',
        )
        return
    if cross_account and context.operation not in CROSS_ACCOUNT:
        _deny(
            context,
            action,
            arn,
            "resource-based",
            explicit=False,
            reason=f"{context.operation} cannot be used from another account",
        )
    # Positional: a named tuple builds faster so (one per decision).
    request = AuthRequest(
        caller,
        action,
        arn,
        _Lazy(condition_context, context, key, request_alias, action),
        context.now,
    )
    _decide(context, key, request, cross_account)


def authorize_account(context: RequestContext, *, action: str | None = None) -> None:
    """Authorize an operation on no key (CreateKey, ListKeys, ...): only the caller's identity
    policies speak (an account root may do everything in its account)."""
    access = context.world.access
    caller = context.who
    if not access.enforce or caller.is_root:
        return
    action = action or action_of(context.operation)
    request = AuthRequest(
        caller=caller,
        action=action,
        resource="*",
        context=_Lazy(condition_context, context, None, None),
        now=context.now,
    )

    allowed_by = None
    for text in access.identity_policies.get(caller.principal_arn, ()):
        policy = parsed_policy(text, "identity")
        for statement, _ in applicable(policy, request, check_principal=False):
            if statement.effect == "Deny":
                _deny(
                    context,
                    action,
                    "*",
                    "identity-based",
                    explicit=True,
                    reason=f"identity policy {deny_reason(policy, statement, request)}",
                )
            allowed_by = allowed_by or statement
    if allowed_by is None:
        _deny(
            context,
            action,
            "*",
            "identity-based",
            explicit=False,
            reason="no identity policy statement allows it",
            near=lambda: tuple(identity_near_misses(context, request)),
        )
    _record(context, action, "*", True, f"identity policy statement {_name(allowed_by)} allows")


@lru_cache(maxsize=256)
def _statements_naming(
    policy: str,
    arn: str,
    principal_arn: str,
    account: str,
    partition: str,
    principal_type: str,
    via_service: str | None,
) -> tuple[Policy, dict[int, PrincipalMatch]]:
    """The key policy's statements whose principal matches this caller, and how each matched.

    Which statements name a caller depends on the policy and the caller alone, so it is worked
    out once per pair rather than for every request (a 20-statement policy cost a tenth of a
    call otherwise); actions, resources and conditions are still evaluated per request.
    """

    caller = Caller(arn, account, principal_arn, principal_type, partition, via_service)  # type: ignore[arg-type]
    parsed = parsed_policy(policy, "key")
    kept = []
    matches: dict[int, PrincipalMatch] = {}
    for statement in parsed.statements:
        match = principal_matches(statement, caller)
        if match is not None:
            kept.append(statement)
            matches[id(statement)] = match
    return Policy(parsed.version, parsed.id, tuple(kept)), matches


def _decide(context: RequestContext, key: Key, request: AuthRequest, cross_account: bool) -> None:

    caller = request.caller
    action = request.action
    try:
        mine, matches = _statements_naming(
            key.policy,
            caller.arn,
            caller.principal_arn,
            caller.account,
            caller.partition,
            caller.principal_type,
            caller.via_service,
        )
    except PolicyError:
        # Stored while enforcement was off, unchecked: such a policy allows no one.
        mine, matches = Policy(version=None, id=None, statements=()), {}
    direct = None  # a key policy statement that allows the caller itself (or everyone)
    delegated = None  # one that allows the caller's account, for IAM to decide
    for statement, _ in applicable(mine, request, check_principal=False):
        match = matches[id(statement)]
        if statement.effect == "Deny":
            _deny(
                context,
                action,
                key.arn,
                "resource-based",
                explicit=True,
                reason="key policy "
                + deny_reason(parsed_policy(key.policy, "key"), statement, request),
            )
        if match == "account" and not caller.is_root:
            delegated = delegated or statement
        else:
            direct = direct or statement
    identity_allow = None
    if not caller.is_root:
        identity_texts = context.world.access.identity_policies.get(caller.principal_arn, ())
        for text in identity_texts:
            policy = parsed_policy(text, "identity")
            for statement, _ in applicable(policy, request, check_principal=False):
                if statement.effect == "Deny":
                    _deny(
                        context,
                        action,
                        key.arn,
                        "identity-based",
                        explicit=True,
                        reason=f"identity policy of {caller.principal_arn}: "
                        f"{deny_reason(policy, statement, request)}",
                    )
                identity_allow = identity_allow or statement
    # An account root has every IAM permission in its own account: it needs no identity policy.
    iam_ok = caller.is_root or identity_allow is not None
    if direct is not None and (not cross_account or iam_ok):
        why = f"key policy statement {_name(direct)} allows the caller"
        if cross_account:
            why += f", and identity policy statement {_name(identity_allow)} allows"
        _record(context, action, key.arn, True, why)
        return
    if delegated is not None and identity_allow is not None:
        _record(
            context,
            action,
            key.arn,
            True,
            f"key policy statement {_name(delegated)} delegates to the account, and "
            f"identity policy statement {_name(identity_allow)} allows",
        )
        return
    grant = _granting(context, key, caller, action, iam_ok)
    if grant is not None:
        _record(context, action, key.arn, True, f"grant {grant} allows")
        return
    missing = (
        "identity-based" if (delegated is not None or direct is not None) else ("resource-based")
    )
    reason = (
        "the key policy lets the caller's account decide, and no identity policy allows it"
        if missing == "identity-based"
        else "no key policy statement allows the caller, and no grant does"
    )
    _deny(
        context,
        action,
        key.arn,
        missing,
        explicit=False,
        reason=reason,
        near=lambda: key_near_misses(context, key, request, _grant_question(context, action)),
    )


def _grant_question(context: RequestContext, action: str) -> tuple[str, Mapping[str, str] | None]:
    """The grant operation and encryption context a grant is asked about for ``action``."""
    enc_context = context.params.get("EncryptionContext")
    if context.operation == "ReEncrypt":
        to = action == "kms:ReEncryptTo"
        enc_context = context.params.get(
            "DestinationEncryptionContext" if to else "SourceEncryptionContext"
        )
    return action.removeprefix("kms:"), enc_context


def require_no_lockout(context: RequestContext, policy: str) -> None:
    """The policy lockout safety check of CreateKey and PutKeyPolicy: the new policy must let
    the caller call PutKeyPolicy later (directly, or through the account and an identity
    policy), unless the request bypasses the check."""
    if not context.world.access.enforce:
        return

    caller = context.who
    request = AuthRequest(
        caller=caller,
        action="kms:PutKeyPolicy",
        resource=context.arn("key/*"),
        context=_Lazy(condition_context, context, None, None),
        now=context.now,
    )
    allowed = False
    for statement, match in applicable(parsed_policy(policy, "key"), request, check_principal=True):
        if statement.effect == "Deny":
            allowed = False
            break
        if match != "account" or caller.is_root or _identity_allows(context, request):
            allowed = True
    if not allowed:
        # Recorded from AWS (facts file B.2, rule 10).
        raise KmsError(
            "MalformedPolicyDocumentException",
            "The new key policy will not allow you to update the key policy in the future.",
        )


def _identity_allows(context: RequestContext, request: AuthRequest) -> bool:

    texts = context.world.access.identity_policies.get(request.caller.principal_arn, ())
    verdicts = [
        statement.effect
        for text in texts
        for statement, _ in applicable(
            parsed_policy(text, "identity"), request, check_principal=False
        )
    ]
    return "Allow" in verdicts and "Deny" not in verdicts


def _granting(
    context: RequestContext, key: Key, caller: Caller, action: str, iam_ok: bool
) -> str | None:
    """The ID of a grant that lets ``caller`` perform ``action``, if one does."""
    grants = key.grants
    if not grants:
        return None
    operation, enc_context = _grant_question(context, action)
    for grant in grants.values():
        grantee = grant.grantee_principal
        mine = grantee in (caller.arn, caller.principal_arn)
        # A grant to an account lets its principals in only as their IAM policies allow.
        if (mine or (grantee == caller.root_arn and iam_ok)) and grant.permits(
            operation, enc_context
        ):
            return grant.grant_id
    return None


class _Lazy(Mapping[str, ContextValue]):
    """Condition keys worked out on first use: most requests meet no condition at all."""

    __slots__ = ("_make", "_args", "_values")

    def __init__(self, make: Any, *args: Any) -> None:
        self._make, self._args = make, args
        self._values: dict[str, ContextValue] | None = None

    def _built(self) -> dict[str, ContextValue]:
        if self._values is None:
            self._values = self._make(*self._args)
        return self._values

    def __getitem__(self, name: str) -> ContextValue:
        return self._built()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())


def condition_context(
    context: RequestContext, key: Key | None, request_alias: str | None, action_name: str = ""
) -> dict[str, ContextValue]:
    """The condition keys of this request (conditions-kms.html, conditions-aws.html)."""
    caller = context.who
    params: Mapping[str, Any] = context.params
    values: dict[str, ContextValue] = {"kms:CallerAccount": caller.account}
    if caller.via_service is not None:
        values["kms:ViaService"] = caller.via_service
    if context.operation in _GRANT_OPERATIONS:
        # True when an integrated AWS service manages the grant for the caller.
        values["kms:GrantIsForAWSResource"] = caller.via_service is not None
    for param, name in _PARAM_KEYS.items():
        value = params.get(param)
        if value is not None:
            values[name] = value
    if "kms:EncryptionAlgorithm" not in values and context.operation in (
        _SYMMETRIC_DEFAULT_ALGORITHM
    ):
        values["kms:EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT"
    enc_context = params.get("EncryptionContext")
    if context.operation == "ReEncrypt":
        to = action_name == "kms:ReEncryptTo"
        enc_context = params.get(
            "DestinationEncryptionContext" if to else "SourceEncryptionContext"
        )
    if enc_context:
        values["kms:EncryptionContextKeys"] = list(enc_context)
        for name, value in enc_context.items():
            values[f"kms:EncryptionContext:{name}"] = value
    constraints = params.get("Constraints")
    if constraints:
        values["kms:GrantConstraintType"] = list(constraints)
        if "SourceArn" in constraints:
            values["kms:GrantConstraintSourceArn"] = constraints["SourceArn"]
    if request_alias is not None:
        values["kms:RequestAlias"] = request_alias
    if context.recipient is not None:
        # A request without an attestation document has none of these keys.
        values.update(context.recipient.condition_keys())
    tags = params.get("Tags")
    if tags:
        values["aws:TagKeys"] = [tag["TagKey"] for tag in tags]
        for tag in tags:
            values[f"aws:RequestTag/{tag['TagKey']}"] = tag["TagValue"]
    if key is not None:
        values["kms:KeySpec"] = values["kms:CustomerMasterKeySpec"] = key.key_spec
        values["kms:KeyUsage"] = values["kms:CustomerMasterKeyUsage"] = key.key_usage
        values["kms:KeyOrigin"] = key.origin
        values["kms:MultiRegion"] = key.multi_region
        for tag_key, tag_value in (key.tags or {}).items():
            values[f"aws:ResourceTag/{tag_key}"] = tag_value
        where = context.world.regions.get((key.account, key.region))
        if where is not None:
            aliases = where.aliases.of_key(key.key_id)
            if aliases:
                values["kms:ResourceAliases"] = [alias.name for alias in aliases]
    else:
        for param, name in (
            ("KeySpec", "kms:KeySpec"),
            ("KeyUsage", "kms:KeyUsage"),
            ("Origin", "kms:KeyOrigin"),
            ("MultiRegion", "kms:MultiRegion"),
        ):
            if param in params:
                values[name] = params[param]
    return values


def _name(statement: Any) -> str:
    sid = getattr(statement, "sid", None)
    return f'"{sid}"' if sid else "(no Sid)"


def _record(
    context: RequestContext,
    action: str,
    resource: str,
    allowed: bool,
    reason: str,
    near: tuple[str, ...] = (),
) -> None:
    context.world.access.decisions.append(
        Authorization(
            context.operation,
            action,
            context.who.arn,
            resource,
            allowed,
            reason,
            near,
            context.request_id,
        )
    )


def _deny(
    context: RequestContext,
    action: str,
    resource: str,
    policy_type: str,
    *,
    explicit: bool,
    reason: str,
    near: Callable[[], tuple[str, ...]] | None = None,
) -> NoReturn:
    _record(context, action, resource, False, reason, () if near is None else near())
    user = context.who.arn
    if explicit:
        article = "an" if policy_type[0] in "aeiou" else "a"
        tail = f"with an explicit deny in {article} {policy_type} policy"
    else:
        tail = f"because no {policy_type} policy allows the {action} action"
    raise KmsError(
        "AccessDeniedException",
        f"User: {user} is not authorized to perform: {action} on resource: {resource} {tail}",
    )

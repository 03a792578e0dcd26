"""The data the policy engine works on: who asks, for what, and the parsed policy language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple

# A condition key's value in a request: single-valued keys hold one value, multi-valued keys
# (kms:EncryptionContextKeys, aws:TagKeys, kms:GrantOperations, ...) a sequence of strings.
ContextValue = str | bool | int | float | datetime | Sequence[str]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking, as IAM sees them."""

    # As AccessDeniedException names the caller: arn:aws:iam::<acct>:root,
    # arn:aws:iam::<acct>:user/<name>, arn:aws:sts::<acct>:assumed-role/<role>/<session>.
    arn: str
    account: str
    # aws:PrincipalArn: the role's ARN (arn:aws:iam::<acct>:role/<path/name>) for an
    # assumed-role session, else the same as ``arn``.
    principal_arn: str
    # aws:PrincipalType: "Account" (root), "User", "AssumedRole".
    principal_type: Literal["Account", "User", "AssumedRole"]
    partition: str = "aws"
    # kms:ViaService, e.g. "lambda.us-east-1.amazonaws.com", when an AWS service calls on the
    # caller's behalf.
    via_service: str | None = None
    # aws:PrincipalTag/<key>.
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def root_arn(self) -> str:
        """The caller's account principal (what "AWS": "<account>" means in a policy)."""
        return f"arn:{self.partition}:iam::{self.account}:root"

    @property
    def is_root(self) -> bool:
        return self.principal_type == "Account"


class AuthRequest(NamedTuple):
    """One authorization question: may ``caller`` perform ``action`` on ``resource``?
    (Immutable; a named tuple because one is built for every decision the engine makes.)"""

    caller: Caller
    action: str  # "kms:Decrypt", "kms:ReEncryptFrom", ...
    resource: str  # the key ARN, or "*" for actions on no key (CreateKey, ListKeys, ...)
    # Condition keys and their values for this request. Names as IAM spells them; lookups are
    # case-insensitive (IAM condition key names are), values are compared by the operator.
    # aws:CurrentTime, aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType and
    # aws:PrincipalTag/* are derived from ``caller`` and ``now`` by the engine itself.
    context: Mapping[str, ContextValue]
    now: datetime


# How a statement's Principal element matched a caller (see conditions of use in evaluate.py):
# "anyone"   - "*" or {"AWS": "*"}
# "account"  - the caller's account ("AWS": "<acct>" or "arn:...:iam::<acct>:root"); in a key
#              policy this delegates to the account's IAM policies unless the caller is the root
# "principal"- the caller itself: its user ARN, its role ARN (for the role's sessions), its
#              assumed-role session ARN
# "service"  - {"Service": "<svc>.amazonaws.com"} naming the service the call comes via
PrincipalMatch = Literal["anyone", "account", "principal", "service"]

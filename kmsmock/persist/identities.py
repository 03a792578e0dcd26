"""Principals (credentials by access key) and identity-based policies of a document."""

from __future__ import annotations

import dataclasses
import re

from kmsmock.backend.principals import Access, caller_of, identity_documents
from kmsmock.errors import KmsMockUsageError
from kmsmock.persist.fields import Entry

_PRINCIPAL_FIELDS = (
    "arn",
    "access_key_id",
    "secret_access_key",
    "session_name",
    "via_service",
    "tags",
)
# What botocore and the AWS CLI take as an access key ID (AWS's own are 16 to 128 of these).
_ACCESS_KEY = re.compile(r"\w{1,128}")


def read_principals(top: Entry, access: Access) -> None:
    for place, item in top.array("principals"):
        entry = Entry(item, place, _PRINCIPAL_FIELDS, ("arn", "access_key_id"))
        access_key = entry.required_text("access_key_id")
        if not _ACCESS_KEY.fullmatch(access_key):
            entry.fail("access_key_id", f"must be letters and digits; got {access_key!r}")
        if access_key in access.callers:
            entry.fail("access_key_id", f"duplicate access key ID {access_key}")
        try:
            caller = caller_of(
                entry.required_text("arn"),
                session_name=entry.text("session_name"),
                via_service=entry.text("via_service"),
            )
        except KmsMockUsageError as error:
            place.fail(str(error))
        tags = entry.string_map("tags")
        if tags:
            caller = dataclasses.replace(caller, tags=tags)
        access.callers[access_key] = caller
        secret = entry.text("secret_access_key")
        if secret is not None:
            access.secret_keys[access_key] = secret


def read_identity_policies(top: Entry, access: Access) -> None:
    from kmsmock.backend.authorize import check_identity_policy

    policies = top.raw("identity_policies")
    if policies is None:
        return
    place = top.place.at("identity_policies")
    if not isinstance(policies, dict):
        place.fail("must be an object: principal ARN -> policy, or a list of policies")
    for arn, document in policies.items():
        here = place.at(arn)
        try:
            caller = caller_of(arn)
            if caller.principal_type == "Account":
                here.fail("an account root has no identity policy; set one on a user or role")
            if caller.principal_arn != arn:
                here.fail(f"identity policies belong to the role: use {caller.principal_arn}")
            texts = identity_documents(document)
            for text in texts:
                check_identity_policy(text)
        except KmsMockUsageError as error:
            if type(error) is not KmsMockUsageError:
                raise
            here.fail(str(error))
        access.identity_policies[arn] = texts

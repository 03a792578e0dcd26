"""AWS managed keys (``alias/aws/<service>``), created the first time they are referenced.

In AWS a service creates its managed key when it first needs one, and DescribeKey or a
cryptographic operation on ``alias/aws/<service>`` creates it too. Such keys have KeyManager
``AWS`` and a policy that lets the account use them only through that service.
"""

from __future__ import annotations

from kmsmock.backend.context import RequestContext
from kmsmock.backend.keys import Key
from kmsmock.backend.state import Alias, RegionState

PREFIX = "alias/aws/"

# The Description AWS gives each service's managed key, as seen in exports of real accounts.
# acm, elasticfilesystem, kinesis and redshift were never seen recorded: their texts follow the
# pattern of the others. kinesisvideo's is from a key made in 2020; AWS has since dropped
# "master" from the other services' texts.
DESCRIPTIONS: dict[str, str] = {
    "acm": "Default key that protects my ACM private keys when no other key is defined",
    "dynamodb": "Default key that protects my DynamoDB data when no other key is defined",
    "ebs": "Default key that protects my EBS volumes when no other key is defined",
    "elasticfilesystem": "Default key that protects my EFS filesystems when no other key is "
    "defined",
    "es": "Default key that protects my Amazon OpenSearch Service (successor to Amazon "
    "Elasticsearch Service) data when no other key is defined",
    "kafka": "Default key that protects my Kafka data when no other key is defined",
    "kinesis": "Default key that protects my Kinesis data when no other key is defined",
    "kinesisvideo": "Default master key that protects my kinesis video data when no other key "
    "is defined",
    "lambda": "Default key that protects my Lambda functions when no other key is defined",
    "rds": "Default key that protects my RDS database volumes when no other key is defined",
    "redshift": "Default key that protects my Redshift data when no other key is defined",
    "s3": "Default key that protects my S3 objects when no other key is defined",
    "secretsmanager": "Default key that protects my Secrets Manager data when no other key is "
    "defined",
    "sns": "Default key that protects my SNS data when no other key is defined",
    "sqs": "Default key that protects my SQS messages when no other key is defined",
    "ssm": "Default key that protects my SSM parameters when no other key is defined",
}


def is_managed_alias(name: str) -> bool:
    return name.startswith(PREFIX) and name[len(PREFIX) :] in DESCRIPTIONS


def get_or_create(context: RequestContext, where: RegionState, name: str) -> Key:
    from kmsmock.backend import lifecycle
    from kmsmock.backend.creation import new_key
    from kmsmock.backend.default_policies import managed_key_policy

    existing = where.aliases.get(name)
    if existing is not None:
        return where.keys[existing.target_key_id]
    service = name[len(PREFIX) :]
    key = new_key(
        context,
        where,
        description=DESCRIPTIONS[service],
        policy=managed_key_policy(context.partition, where.account, where.region, service),
        key_manager="AWS",
    )
    # AWS rotates its managed keys every year from their creation; nobody can change that.
    lifecycle.start_rotation(context.world, key, lifecycle.MANAGED_ROTATION_DAYS, context.now)
    where.aliases.add(
        Alias(
            name=name,
            arn=context.arn(name, account=where.account, region=where.region),
            target_key_id=key.key_id,
            created=context.now,
            updated=context.now,
        )
    )
    return key

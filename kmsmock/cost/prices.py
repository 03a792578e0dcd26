"""AWS KMS prices, as data: what ``KmsMock.cost()`` charges unless a test passes ``prices=``.

Taken from the AWS KMS pricing page (``SOURCE``) on ``TAKEN``, US East (N. Virginia), in USD.
Where the page's text could not be read in full, the figure was checked against copies of the
page's request-price table; those are marked "[unverified]" below and in docs/cost.md.

Names and what they price:

- ``key_month``: one customer managed KMS key for one month, prorated hourly ("Each AWS KMS
  key that you create in AWS KMS costs $1/month (prorated hourly)"). The same for symmetric,
  asymmetric, HMAC, multi-Region (each primary and each replica), imported key material,
  CloudHSM and external key store keys. AWS managed keys are free; so are keys scheduled for
  deletion (charged as if never scheduled if the deletion is cancelled).
- ``rotation_month``: each rotation's new key material, per month, prorated hourly ("each
  newly generated backing key costs an additional $1/month").
- ``rotations_billed``: how many rotations of a key add ``rotation_month``: the first and
  second do, later ones are free (AWS's 2024 rotation price change). [unverified wording]
- ``hours_per_month``: AWS bills a monthly price by the hour; an hour costs
  ``1 / hours_per_month`` of it. 730 (= 8,760 hours / 12) is the month of the AWS Pricing
  Calculator. [a convention: a bill may divide by the calendar month's own hours]
- ``free_tier_requests``: free requests per account and calendar month, across all Regions
  ("20,000 requests/month calculated across all regions").
- The request classes, priced per 10,000 requests:

  - ``standard``: every request not in another class ($0.03), the only class the free tier
    covers;
  - ``rsa_2048``: requests that use an RSA_2048 KMS key ($0.03), outside the free tier;
  - ``asymmetric``: requests that use any other asymmetric KMS key ($0.15), outside the free
    tier;
  - ``ecc_data_key_pair``: GenerateDataKeyPair(WithoutPlaintext) of an ECC or SM2 pair ($0.10),
    outside the free tier [unverified for SM2];
  - ``rsa_data_key_pair``: GenerateDataKeyPair(WithoutPlaintext) of an RSA pair ($12.00),
    outside the free tier.

"Requests to the GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext APIs and requests
to APIs such as Sign, Verify, Encrypt, Decrypt, and GetPublicKey that reference asymmetric KMS
keys are excluded from the free tier."
"""

from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType

SOURCE = "https://aws.amazon.com/kms/pricing/"
TAKEN = "2026-11-28"
CURRENCY = "USD"
REGION = "us-east-1"  # the Region the prices are for; KMS prices differ little between Regions

# Request price classes, in the order reports list them.
REQUEST_CLASSES = (
    "standard",
    "rsa_2048",
    "asymmetric",
    "ecc_data_key_pair",
    "rsa_data_key_pair",
)
# The classes the monthly free tier covers.
FREE_TIER_CLASSES = frozenset({"standard"})
# Prices of requests are per this many requests.
REQUESTS_PER_PRICE = 10_000

# Names whose values are whole numbers (counts), not amounts of money.
COUNTS = frozenset({"rotations_billed", "hours_per_month", "free_tier_requests"})

PRICES: MappingProxyType[str, Decimal] = MappingProxyType(
    {
        "key_month": Decimal("1.00"),
        "rotation_month": Decimal("1.00"),
        "rotations_billed": Decimal(2),
        "hours_per_month": Decimal(730),
        "free_tier_requests": Decimal(20_000),
        "standard": Decimal("0.03"),
        "rsa_2048": Decimal("0.03"),
        "asymmetric": Decimal("0.15"),
        "ecc_data_key_pair": Decimal("0.10"),
        "rsa_data_key_pair": Decimal("12.00"),
    }
)

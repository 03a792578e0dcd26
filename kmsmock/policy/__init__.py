"""The IAM policy language as KMS evaluates it: documents, conditions, statement matching.

Pure functions over plain data: nothing here knows about keys, HTTP or botocore. The backend
builds an ``AuthRequest`` per request (backend/authorize.py) and combines what the key policy,
the caller's identity policies and grants say into AWS's decision and message.
"""

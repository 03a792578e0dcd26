"""Where kmsmock meets the code under test: the botocore hook and its HTTP backstop
(botocore_hook.py), aiobotocore (aiobotocore_hook.py), ``requests`` (requests_adapter.py), the
stack of active mocks (active.py), the guard against real AWS (guard.py), and what the first
activation sets up (environment.py)."""

"""The in-memory KMS service: state, operations and dispatch. It knows nothing of HTTP."""

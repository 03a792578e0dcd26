"""Every KMS operation kmsmock serves, one module per concept, each a set of small functions
over the backend's state registered by name in table.py; dispatch.py serves a request with
them."""

"""What a mock's usage would cost on AWS: the report (report.py) from the billing ledger the
backend keeps, at AWS's prices (prices.py)."""

"""The KMS wire protocol (JSON 1.1), driven by botocore's service model."""

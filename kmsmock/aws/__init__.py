"""Facts about AWS that every layer names: the KMS service model as botocore ships it
(service_model.py), partitions and Regions (partitions.py), families of operations
(families.py), time as AWS reports it (clock.py), and JSON as AWS's services parse it
(json_depth.py)."""

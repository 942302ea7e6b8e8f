"""Configuration: typed frozen snapshots (schema), loading and validation, diffing, migration."""

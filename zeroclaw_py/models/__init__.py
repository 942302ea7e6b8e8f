"""Model configuration: refs and aliases, catalog, model-list cache, fallback, auth profiles."""

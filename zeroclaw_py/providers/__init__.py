"""LLM providers: the registry, the wire clients and the error boundary."""

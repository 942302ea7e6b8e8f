"""zeroclaw-py: chat channels to many LLM providers, switchable per sender at runtime."""

__version__ = "0.1.0"

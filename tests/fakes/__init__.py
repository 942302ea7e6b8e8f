"""Loopback fakes of the services we talk to: LLM providers, Telegram Bot API, Discord."""

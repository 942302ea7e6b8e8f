"""The runtime: context (config snapshot, providers, routes), commands, dispatcher, turns."""

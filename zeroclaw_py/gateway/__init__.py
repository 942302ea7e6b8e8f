"""The HTTP + WebSocket gateway: web chat, model pickers, admin endpoints, metrics."""

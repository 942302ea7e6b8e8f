"""Channel adapters: they turn platform events into `InboundMessage`s and deliver replies."""

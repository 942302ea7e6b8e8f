"""The runtime context shared by every channel. STUB: the routing work fills the bodies.

Contract (channels, gateway, reload and fallback code rely on exactly this surface):

    runtime = Runtime(config, store=store, state_dir=path)      # store: state.store.StateStore
    await runtime.start()            # open store, shared httpx pool, warm the default provider
    runtime.config                   # the current immutable Config snapshot
    runtime.apply_config(new)        # swap the snapshot; invalidate catalog; providers whose
                                     # settings changed are replaced for NEW turns only
    await runtime.handle(msg, responder)   # the dispatcher: allowlist -> commands -> turn
    await runtime.get_provider(provider_id, config=None) -> Provider   # created once, warmed
    runtime.default_route(config=None) -> Route
    await runtime.get_route(key) / set_route(key, route)   # set == default removes the override
    runtime.conversation_key(msg) -> str                   # per channels_config.route_scope
    runtime.catalog() -> models.catalog.Catalog            # lazily built, cached
    runtime.in_flight -> int; await runtime.drain(timeout) -> bool
    await runtime.aclose()

The `allowed(msg)` check per channel is part of `handle`; channels pass every message.
"""

from __future__ import annotations

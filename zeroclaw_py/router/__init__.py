"""Routing models (SPEC §8): a kNN router that picks a candidate model per message.

Where the running router lives: the "router" daemon service loads it and publishes it here with
`set_active`; the turn reads it through `active()` (see `routing.pick_route`). One module-level
reference, replaced in a single assignment, so a reader sees the old router or the new one and
never a half-built one; a turn that already holds a router keeps using it.

This module imports nothing heavy: the CLI and the turn may import it freely.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zeroclaw_py.router.model import KnnRouter

_active: KnnRouter | None = None


def active() -> KnnRouter | None:
    """The router the daemon is serving with, or None when none is loaded."""
    return _active


def set_active(router: KnnRouter | None) -> None:
    global _active
    _active = router

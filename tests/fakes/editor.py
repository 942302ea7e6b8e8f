"""A fake person editing a file: saves spread out in time, as typing-and-saving produces.

The pause between saves is part of what is simulated (it makes watchfiles see several batches),
not a way to wait for the code under test, which is why it lives with the other fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import anyio


async def save_repeatedly(
    path: Path,
    texts: Iterable[str],
    save: Callable[[Path, str], None],
    *,
    pause_s: float = 0.02,
) -> None:
    """Save each text in turn with `save`, pausing `pause_s` after each save."""
    for text in texts:
        save(path, text)
        await anyio.sleep(pause_s)

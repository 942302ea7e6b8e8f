"""Image routing (SPEC §7.4, seed 004): who looks at a message that carries images.

If the routed model's catalog entry lists `image` input, nothing changes. Otherwise (an unknown
model counts as text-only) the turn runs on the `agent.image_model` chain — but only when the user
configured one; we never guess a vision model. Without one, the images are dropped, the text is
answered as usual and the reply ends with `NO_VISION_NOTE`; an image-only message gets just the note
(no model call).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

from zeroclaw_py.providers.base import Message

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config

NO_VISION_NOTE: Final = (
    "⚠️ The current model cannot see images, so the image was ignored. "
    "Configure `[agent.image_model]` or switch to a vision model with `/model`."
)


class CatalogModel(Protocol):
    @property
    def input(self) -> Sequence[str]: ...


class CatalogLookup(Protocol):
    """The slice of `models.catalog.Catalog` used here."""

    def lookup(self, provider: str, model: str) -> CatalogModel | None: ...


@dataclass(frozen=True)
class ImagePlan:
    """How a turn treats its images. `chain` None = use the routed candidates unchanged."""

    messages: tuple[Message, ...]
    chain: tuple[str, ...] | None = None
    note: str | None = None  # appended to the reply
    skip_model: bool = False  # nothing left to ask the model: reply with `note` only


def has_images(messages: Sequence[Message]) -> bool:
    return any(m.images for m in messages)


def strip_images(messages: Sequence[Message]) -> tuple[Message, ...]:
    return tuple(Message(m.role, m.content) if m.images else m for m in messages)


def sees_images(catalog: CatalogLookup | None, provider: str, model: str) -> bool:
    """True only when the catalog says so: unknown models are treated as text-only."""
    entry = catalog.lookup(provider, model) if catalog is not None else None
    return entry is not None and "image" in entry.input


def image_chain(config: Config) -> tuple[str, ...]:
    chain = config.agent.image_model
    if chain is None:
        return ()
    return tuple(ref for ref in (chain.primary, *chain.fallbacks) if ref and ref.strip())


def plan_images(
    config: Config,
    catalog: CatalogLookup | None,
    provider: str,
    model: str,
    messages: Sequence[Message],
) -> ImagePlan:
    """Decide the image handling for a turn routed to `provider`/`model`."""
    current = tuple(messages)
    if not has_images(current) or sees_images(catalog, provider, model):
        return ImagePlan(current)
    chain = image_chain(config)
    if chain:
        return ImagePlan(current, chain=chain)
    stripped = strip_images(current)
    last_user = next((m for m in reversed(stripped) if m.role == "user"), None)
    empty = last_user is None or not last_user.content.strip()
    return ImagePlan(stripped, note=NO_VISION_NOTE, skip_model=empty)

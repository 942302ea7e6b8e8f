"""Model references: `provider/model` strings and the `Route` a conversation uses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    """Which provider and model a conversation talks to, and optionally a pinned auth profile."""

    provider: str
    model: str
    profile: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.provider}/{self.model}"


def split_ref(ref: str) -> tuple[str, str]:
    """Split at the first `/`: `"openrouter/a/b"` -> `("openrouter", "a/b")`.

    Raises ValueError when either side is empty.
    """
    provider, sep, model = ref.strip().partition("/")
    if not sep or not provider.strip() or not model.strip():
        raise ValueError(f"expected '<provider>/<model>', got {ref!r}")
    return provider.strip(), model.strip()

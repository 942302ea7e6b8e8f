"""The part of a chat platform's `Responder` that does not depend on the platform.

Telegram and Discord answer the same way: a complete message is split to the platform's limit
and each non-empty chunk delivered; a streamed answer edits one draft message (`DraftStream`);
a typing indicator is refreshed while a turn runs. A subclass says only how to deliver one
chunk, open and edit the draft, and signal typing, so that this scaffolding exists once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager

from zeroclaw_py.channels.base import Answer
from zeroclaw_py.channels.drafts import DraftStream, EditPacer
from zeroclaw_py.channels.supervise import RetryDelay, Timings
from zeroclaw_py.channels.typing_indicator import typing_indicator


class EditingResponder(ABC):
    """A `Responder` that streams by editing one message; subclasses bind it to a chat."""

    def __init__(
        self,
        *,
        key: Hashable,
        split: Callable[[str], list[str]],
        retry_delay: Callable[[float], RetryDelay],
        stream: bool,
        pacer: EditPacer | None,
        timings: Timings | None,
    ) -> None:
        self._split = split
        self._stream = stream
        self._timings = timings or Timings()
        self._retry = retry_delay(self._timings.retry_first_s)
        self._draft = DraftStream(
            key=key,
            pacer=pacer or EditPacer(1.0),
            split=split,
            open_draft=self._open_draft,
            edit_draft=self._edit_draft,
            send=self.send,
        )

    @property
    def streams(self) -> bool:
        return self._stream

    async def send(self, text: str) -> None:
        for chunk in self._split(text):
            if chunk.strip():  # platforms refuse empty messages; there is nothing to show
                await self._deliver(chunk)

    async def token(self, text: str) -> None:
        if self._stream:
            await self._draft.token(text)

    async def finish(self, answer: Answer) -> None:
        await self._draft.finish(answer.text)

    def _typing(
        self, signal: Callable[[], Awaitable[object]], default_interval_s: float, where: str
    ) -> AbstractAsyncContextManager[None]:
        """The indicator for `typing()`, with the platform's refresh interval unless overridden."""
        return typing_indicator(
            signal,
            interval_s=self._timings.typing_interval_s or default_interval_s,
            delay_s=self._timings.typing_delay_s,
            where=where,
        )

    @abstractmethod
    async def _deliver(self, chunk: str) -> object:
        """Post one non-empty chunk (retried); a reply finally lost is logged, not raised.
        Returns the platform's message, or None when it was lost."""

    @abstractmethod
    async def _open_draft(self, preview: str) -> bool:
        """Post the first preview of a streamed answer; False when streaming is not possible."""

    @abstractmethod
    async def _edit_draft(self, text: str, final: bool) -> None:
        """Replace the draft's text; raises when that failed (the stream then posts anew)."""

    @abstractmethod
    def typing(self) -> AbstractAsyncContextManager[None]: ...

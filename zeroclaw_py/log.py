"""Structured, scrubbed logging (SPEC §12): one line per event.

Line shape: `<ISO-8601 UTC ts> <LEVEL> <logger> <event> key=value ...`. The event is the
formatted log message; `key=value` pairs come from `extra={...}` fields of the record (values
with spaces or quotes are JSON-quoted). Every record passes `ScrubFilter` on the handler, so
message, args, extras and exception text are scrubbed with the process-wide secret registry
(`zeroclaw_py.providers.scrub.SCRUBBER`) whichever logger emitted them (PTB, httpx, ours).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, TextIO

from zeroclaw_py.providers.scrub import SCRUBBER

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_HANDLER_NAME = "zeroclaw-structured"


def _quote(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    if text and not any(ch.isspace() or ch in '"=' for ch in text):
        return text
    return json.dumps(text, ensure_ascii=False)


class ScrubFilter(logging.Filter):
    """Scrub the rendered message (args folded in) and string extras of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError) as exc:  # bad format args: keep the record, say so
            message = f"{record.msg!r} (unformattable args: {exc})"
        record.msg = SCRUBBER.scrub(message)
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, SCRUBBER.scrub(value))
        return True


class StructuredFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        parts = [self.formatTime(record), record.levelname, record.name, record.getMessage()]
        extras: dict[str, Any] = {
            k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")
        }
        parts.extend(f"{key}={_quote(value)}" for key, value in extras.items())
        if record.exc_info:
            exc_text = self.formatException(record.exc_info)
            parts.append("exc=" + json.dumps(exc_text, ensure_ascii=False))
        return SCRUBBER.scrub(" ".join(parts))


def setup_logging(level: int | str = "INFO", *, stream: TextIO | None = None) -> logging.Handler:
    """Install the structured, scrubbing handler on the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(ScrubFilter())
    handler.setFormatter(StructuredFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # httpx logs every request URL at INFO; Gemini keys travel in the query string.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return handler

"""`zeroclaw chat`: the terminal as a channel on the same runtime (commands included).

Reads stdin line by line (on a daemon thread, so the event loop stays free and Ctrl-C exits at
once), hands each line to the dispatcher as the `console` channel, prints command replies and
streams answers token by token. Works with piped stdin: it answers every line in order and exits
at end of input.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TextIO

from zeroclaw_py.channels.base import Answer, InboundMessage

log = logging.getLogger(__name__)

CONSOLE_SENDER = "local"  # one stable identity, so the route and history survive restarts


class ConsoleResponder:
    """Prints to a text stream; streamed tokens are written as they arrive."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._streamed = False

    @property
    def streams(self) -> bool:
        return True

    def _write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()

    async def send(self, text: str) -> None:
        if self._streamed:  # a notice after a partly streamed answer starts on its own line
            self._streamed = False
            self._write("\n")
        self._write(text if text.endswith("\n") else text + "\n")

    async def token(self, text: str) -> None:
        self._streamed = True
        self._write(text)

    async def finish(self, answer: Answer) -> None:
        self._write("\n" if self._streamed else answer.text + "\n")
        self._streamed = False

    @asynccontextmanager
    async def typing(self) -> AsyncIterator[None]:
        yield


def _start_reader(stdin: TextIO, queue: asyncio.Queue[str | None]) -> None:
    """Read lines on a daemon thread, so Ctrl-C never waits for a pending `readline`."""
    loop = asyncio.get_running_loop()

    def read() -> None:
        try:
            try:
                for line in iter(stdin.readline, ""):
                    loop.call_soon_threadsafe(queue.put_nowait, line)
            except (OSError, ValueError) as exc:  # stdin closed or unreadable: end the session
                log.warning("console input ended: %s", exc)
            loop.call_soon_threadsafe(queue.put_nowait, None)
        except RuntimeError:  # the loop closed first (Ctrl-C): nobody is listening any more
            return

    threading.Thread(target=read, name="zeroclaw-console-stdin", daemon=True).start()


async def run_console(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from zeroclaw_py.daemon import prepare
    from zeroclaw_py.runtime.context import Runtime

    config = prepare(args, log_level="WARNING")
    runtime = Runtime(config)
    await runtime.start()
    interactive = stdin.isatty()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    _start_reader(stdin, lines)
    try:
        while True:
            if interactive:
                stdout.write("> ")
                stdout.flush()
            line = await lines.get()
            if line is None:
                if interactive:  # Ctrl-D: end the prompt's line so the shell starts clean
                    stdout.write("\n")
                break
            text = line.rstrip("\n")
            if not text.strip():
                continue
            msg = InboundMessage(
                channel="console", sender=CONSOLE_SENDER, chat="console", text=text
            )
            await runtime.handle(msg, ConsoleResponder(stdout))
    finally:
        await runtime.aclose()
    return 0


def main(args: argparse.Namespace) -> int:
    return asyncio.run(run_console(args, sys.stdin, sys.stdout))

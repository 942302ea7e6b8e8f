"""`zeroclaw chat`: the terminal channel on the same runtime, driven through piped stdin."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zeroclaw_py.channels.console import ConsoleResponder, run_console

pytestmark = pytest.mark.anyio


class PipedInput(io.StringIO):
    def isatty(self) -> bool:
        return False


async def test_console_answers_commands_and_chat_in_order(zeroclaw_home: Path) -> None:
    stdin = PipedInput("hello\n\n/models grok\n/model grok-4\n/model\nbye\n")
    stdout = io.StringIO()
    assert await run_console(argparse.Namespace(config=None), stdin, stdout) == 0
    lines = stdout.getvalue().splitlines()
    assert lines[0] == "[echo] hello"
    assert (
        lines[1] == "Provider switched to `xai` for this sender session. Current model is `echo`."
    )
    assert "Model switched to `grok-4` for provider `xai` in this sender session." in lines
    assert "Current provider: `xai`" in lines
    assert "Current model: `grok-4`" in lines
    tail = stdout.getvalue().split("Current model: `grok-4`", 1)[1]
    assert "⚠️ " in tail  # xai has no key: a clear error, not a traceback
    assert "XAI_API_KEY" in tail
    assert "Traceback" not in stdout.getvalue()


async def test_console_streams_tokens_then_ends_the_line() -> None:
    from zeroclaw_py.channels.base import Answer

    out = io.StringIO()
    responder = ConsoleResponder(out)
    assert responder.streams
    await responder.token("[echo] ")
    await responder.token("hi")
    await responder.finish(Answer("[echo] hi", "echo", "echo"))
    await responder.send("notice")
    assert out.getvalue() == "[echo] hi\nnotice\n"


def test_chat_command_with_piped_stdin_persists_the_route(zeroclaw_home: Path) -> None:
    env = {**os.environ, "ZEROCLAW_HOME": str(zeroclaw_home)}
    for key in ("ZEROCLAW_API_KEY", "API_KEY", "ZEROCLAW_PROVIDER", "ZEROCLAW_MODEL"):
        env.pop(key, None)
    command = [sys.executable, "-m", "zeroclaw_py", "chat"]
    first = subprocess.run(
        command, input="/model tiny\nhi\n", env=env, capture_output=True, text=True, timeout=60
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "Model switched to `tiny` for provider `echo` in this sender session.",
        "[tiny] hi",
    ]
    second = subprocess.run(
        command, input="again\n", env=env, capture_output=True, text=True, timeout=60
    )
    assert second.stdout == "[tiny] again\n"


class TerminalInput(io.StringIO):
    def isatty(self) -> bool:
        return True


async def test_interactive_console_prompts_and_ends_the_line_at_eof(zeroclaw_home: Path) -> None:
    stdout = io.StringIO()
    await run_console(argparse.Namespace(config=None), TerminalInput("hi\n"), stdout)
    assert stdout.getvalue() == "> [echo] hi\n> \n"


async def test_a_notice_after_a_partial_stream_starts_on_a_new_line() -> None:
    out = io.StringIO()
    responder = ConsoleResponder(out)
    await responder.token("half an ans")
    await responder.send("⚠️ Error: the stream broke")
    assert out.getvalue() == "half an ans\n⚠️ Error: the stream broke\n"

"""Chat command parsing (SPEC §6, reference zeroclaw.md §1.3). Pure: no I/O, no config.

A command is recognised only as the first thing in the message after trimming Unicode whitespace.
The first token is cut at its first `@` and lower-cased (ASCII only); arguments keep their case.
Anything else starting with `/` is ordinary chat for the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CommandName = Literal["show_providers", "set_provider", "show_model", "set_model", "new"]

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class Command:
    name: CommandName
    arg: str | None = None


def _models(args: list[str]) -> Command:
    # Only the first argument counts: "/models X extra" switches to X.
    return Command("set_provider", args[0]) if args else Command("show_providers")


def _model(args: list[str]) -> Command:
    joined = " ".join(args)
    return Command("set_model", joined) if joined else Command("show_model")


def _new(args: list[str]) -> Command:
    return Command("new")


# base command -> how its arguments become a Command (one row per command)
_COMMANDS = {
    "/models": _models,
    "/model": _model,
    "/new": _new,
    "/clear": _new,
}


def parse_command(text: str) -> Command | None:
    """The command in `text`, or None when the message is ordinary chat."""
    trimmed = text.strip()
    if not trimmed.startswith("/"):
        return None
    tokens = trimmed.split()
    base = tokens[0].partition("@")[0].translate(_ASCII_LOWER)
    build = _COMMANDS.get(base)
    return None if build is None else build(tokens[1:])

"""Command-line entry point: argument parsing only.

Every subcommand's implementation is imported lazily from `COMMANDS`, so `zeroclaw --help` and the
light subcommands never import python-telegram-bot, discord.py or aiohttp. Each handler takes the
parsed `argparse.Namespace` and returns an exit code; errors that reach here as `ZeroclawError`
are printed as one line, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from zeroclaw_py import __version__

# (command path) -> "module:function"; the function is `(args) -> int`.
COMMANDS: dict[tuple[str, ...], str] = {
    ("daemon",): "zeroclaw_py.daemon:main",
    ("chat",): "zeroclaw_py.channels.console:main",
    ("doctor",): "zeroclaw_py.config.doctor:main",
    ("reload",): "zeroclaw_py.reload.cli:main",
    ("login",): "zeroclaw_py.models.login:main",
    ("models", "refresh"): "zeroclaw_py.models.cli:refresh",
    ("models", "list"): "zeroclaw_py.models.cli:list_models",
    ("models", "status"): "zeroclaw_py.models.status:main",
    ("router", "train"): "zeroclaw_py.router.cli:train",
    ("router", "eval"): "zeroclaw_py.router.cli:evaluate",
}

# Commands that only group subcommands (`zeroclaw models` alone prints its help).
GROUPS = {path[0] for path in COMMANDS if len(path) > 1}


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="config file (default: $ZEROCLAW_CONFIG, $ZEROCLAW_HOME/config.toml, user config dir)",
    )
    parser = argparse.ArgumentParser(
        prog="zeroclaw",
        description="Chat channels to many LLM providers, switchable per sender at runtime.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"zeroclaw-py {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("daemon", parents=[common], help="run the configured channels and the gateway")
    sub.add_parser("chat", parents=[common], help="chat in the terminal on the same runtime")
    doctor = sub.add_parser("doctor", parents=[common], help="check the config; --fix migrates it")
    doctor.add_argument("--fix", action="store_true", help="migrate legacy keys (writes a backup)")
    sub.add_parser("reload", parents=[common], help="ask the running daemon to reload its config")
    login = sub.add_parser("login", parents=[common], help="store an API key as an auth profile")
    login.add_argument("provider")
    login.add_argument("--profile", metavar="NAME", default=None, help="profile name (default)")

    models = sub.add_parser("models", parents=[common], help="model lists, catalog and status")
    models.set_defaults(group_parser=models)
    models_sub = models.add_subparsers(dest="models_command", metavar="SUBCOMMAND")
    refresh = models_sub.add_parser("refresh", parents=[common], help="fetch a live model list")
    refresh.add_argument(
        "--provider", metavar="NAME", default=None, help="default: the provider of agent.model"
    )
    refresh.add_argument("--force", action="store_true", help="ignore a fresh cache")
    listing = models_sub.add_parser("list", parents=[common], help="print the model catalog")
    listing.add_argument("--provider", metavar="NAME", default=None, help="only this provider")
    models_sub.add_parser("status", parents=[common], help="default route, fallbacks, aliases")

    router = sub.add_parser("router", parents=[common], help="train and evaluate a routing model")
    router.set_defaults(group_parser=router)
    router_sub = router.add_subparsers(dest="router_command", metavar="SUBCOMMAND")
    train = router_sub.add_parser("train", parents=[common], help="train a kNN router from JSONL")
    train.add_argument("data", metavar="DATA.jsonl", help='rows {"query", "model", "score"}')
    train.add_argument("-o", "--output", metavar="PATH", default="router.json")
    train.add_argument("--k", type=int, default=5, help="neighbours consulted per query")
    train.add_argument(
        "--holdout", type=float, default=0.2, help="share of queries held out for evaluation"
    )
    evaluate = router_sub.add_parser("eval", parents=[common], help="accuracy on held-out rows")
    evaluate.add_argument("data", metavar="DATA.jsonl")
    evaluate.add_argument("-m", "--model", metavar="PATH", default="router.json")
    return parser


def _resolve(args: argparse.Namespace) -> Callable[[argparse.Namespace], int] | None:
    path: tuple[str, ...] = (args.command,)
    if args.command in GROUPS:
        sub = getattr(args, f"{args.command}_command", None)
        if not sub:
            return None
        path = (args.command, sub)
    module_name, _, attr = COMMANDS[path].partition(":")
    handler: Callable[[argparse.Namespace], int] = getattr(
        importlib.import_module(module_name), attr
    )
    return handler


def _error_lines(exc: BaseException) -> list[str]:
    """What the user sees for a failed command: one `error:` line per problem, no traceback.

    A config error lists every issue with its TOML path (a path-less issue, such as a TOML
    syntax error, names the file instead); an OS error names the file it hit.
    """
    from zeroclaw_py.errors import ConfigError

    if isinstance(exc, ConfigError) and exc.issues:
        where = exc.source or "config"
        return [f"error: {issue if issue.path else f'{where}: {issue}'}" for issue in exc.issues]
    if isinstance(exc, OSError) and exc.strerror:
        target = f"{exc.filename}: " if exc.filename else ""
        return [f"error: {target}{exc.strerror}"]
    return [f"error: {exc}"]


def _unexpected(exc: Exception) -> int:
    """A bug, not bad input: one scrubbed line; the traceback only with ZEROCLAW_LOG_LEVEL=DEBUG."""
    import os

    from zeroclaw_py.providers.scrub import scrub

    if os.environ.get("ZEROCLAW_LOG_LEVEL", "").strip().upper() == "DEBUG":
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    detail = scrub(str(exc)) or "no details"
    print(f"error: unexpected {type(exc).__name__}: {detail}", file=sys.stderr)
    print("(run with ZEROCLAW_LOG_LEVEL=DEBUG for the traceback)", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Exit codes: 0 ok, 1 the command failed, 2 usage error, 130 Ctrl-C."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "config", None):
        args.config = None
    if not args.command:  # like a missing required argument: usage error, help on stderr
        parser.print_help(sys.stderr)
        return 2
    handler = _resolve(args)
    if handler is None:  # `zeroclaw models` without a subcommand
        args.group_parser.print_help(sys.stderr)
        return 2
    from zeroclaw_py.errors import ZeroclawError
    from zeroclaw_py.log import setup_logging

    # Every command logs through the scrubbing handler (the daemon and chat raise the level
    # again); without it a library warning would reach stderr through Python's bare fallback.
    setup_logging(os.environ.get("ZEROCLAW_LOG_LEVEL", "WARNING"))
    try:
        return handler(args)
    except (ZeroclawError, OSError) as exc:
        for line in _error_lines(exc):
            print(line, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return _unexpected(exc)


if __name__ == "__main__":
    raise SystemExit(main())

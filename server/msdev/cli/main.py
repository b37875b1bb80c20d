"""The `msdev` entry point: builds the argument parser from the subcommand modules."""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import DISTRIBUTION, __version__
from .common import EXIT_USAGE, UserError, error
from .examples import attach_examples

#: subcommand module names under msdev.cli; each defines register(subparsers)
SUBCOMMANDS = ("scan", "convert", "lsp", "db_cmd", "weights_cmd", "verify_cmd", "pycharm", "rule")


def build_parser(only: tuple[str, ...] | None = None) -> argparse.ArgumentParser:
    """The full parser, or one with only the subcommand modules in `only` (faster start)."""
    parser = argparse.ArgumentParser(
        prog="msdev",
        description="Migrate PyTorch code to MindSpore: find every PyTorch use, explain the "
        "MindSpore counterpart, and rewrite what can be rewritten.",
        epilog="Run 'msdev COMMAND --help' for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"msdev {__version__} ({DISTRIBUTION})",
                        help="show the version (and the distribution to pip install) and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in only or SUBCOMMANDS:
        try:
            module = importlib.import_module(f"msdev.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"msdev.cli.{name}":
                continue  # not built yet
            raise
        module.register(sub)
    attach_examples(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    # `msdev scan …` needs only its own module: importing every subcommand (the language
    # server's protocol types among them) would add ~0.3 s to each run
    parser = build_parser((words[0],) if words and words[0] in SUBCOMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        error(str(exc))
        return exc.code
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

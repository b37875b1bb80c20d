"""Every command explains itself: `--help` shows at least one example, every option has a help
line, and every example parses with the real parser."""

from __future__ import annotations

import argparse
import shlex

import pytest

from msdev.cli.examples import EXAMPLES, subcommand_parsers
from msdev.cli.main import build_parser, main

PARSER = build_parser()
COMMANDS = [path for path, _ in subcommand_parsers(PARSER)]


def test_the_command_tree_is_what_we_expect():
    for path in ("scan", "convert", "lsp", "db show", "db verify", "weights convert", "weights diff", "verify",
                 "pycharm-template"):
        assert path in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: p or "msdev")
def test_help_has_an_example_and_a_help_line_per_option(path, capsys):
    with pytest.raises(SystemExit) as done:
        main([*path.split(), "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "examples:\n  msdev " in text, f"`msdev {path} --help` shows no example"
    parser = dict(subcommand_parsers(PARSER))[path]
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        name = action.option_strings[0] if action.option_strings else action.metavar or action.dest
        assert action.help and action.help != argparse.SUPPRESS, f"msdev {path}: {name} has no help line"
        assert name in text


@pytest.mark.parametrize("command", [c for rows in EXAMPLES.values() for c, _ in rows])
def test_every_example_parses(command):
    words = shlex.split(command)
    assert words[0] == "msdev"
    args = PARSER.parse_args(words[1:])
    assert getattr(args, "func", None) is not None


def test_jobs_means_the_same_everywhere():
    for path in ("scan", "convert", "db verify"):
        jobs = next(a for a in dict(subcommand_parsers(PARSER))[path]._actions if "--jobs" in a.option_strings)
        assert jobs.default is None and "default: the number of cores" in jobs.help

"""One or more worked examples for every command's `--help`, kept in one table.

`attach_examples` adds them to the parsers after the subcommand modules registered, so each
module stays about its options; tests/test_cli_help.py checks every command has one.
"""

from __future__ import annotations

import argparse

#: command path -> (command line, what it does)
EXAMPLES: dict[str, list[tuple[str, str]]] = {
    "": [("msdev scan .", "what the PyTorch code in this folder becomes in MindSpore"),
         ("msdev convert src -o src_ms", "write a MindSpore copy of src"),
         ("msdev db show nn.Conv2d", "what the database knows about one API")],
    "scan": [("msdev scan .", "findings and summary tables in the terminal"),
             ("msdev scan src -o report.html", "HTML report (format taken from the suffix)"),
             ("msdev scan . --summary", "only the summary tables"),
             ("msdev scan . --fail-on unsupported -q", "CI gate: exit 1, and say why, when an unsupported API is used"),
             ("msdev scan . --select MS2 --ignore MS204", "only the statement-level rules, MS204 excepted"),
             ("msdev scan . --write-baseline msdev-baseline.json", "accept today's findings"),
             ("msdev scan . --baseline msdev-baseline.json --fail-on any -q", "CI gate on new findings only")],
    "convert": [("msdev convert train.py -o train_ms.py", "one file"),
                ("msdev convert src -o src_ms --ignore MS107", "leave the uses of rule MS107 as they are"),
                ("msdev convert src -o src_ms --report report.json", "a source tree, with a JSON report"),
                ("msdev convert --model models.resnet:build --input 1,3,224,224 -o out",
                 "graph mode: code and weights from the live model")],
    "rule": [("msdev rule MS103", "what the rule detects, why it matters in MindSpore, before and after"),
             ("msdev rule --all", "every rule with its severity and whether msdev fixes it")],
    "lsp": [("msdev lsp", "what an editor runs (stdio)"),
            ("msdev lsp --tcp 127.0.0.1:2087 --log /tmp/msdev-lsp.log", "debugging over TCP, with a log")],
    "db": [("msdev db search Conv2d", "find entries by name"),
           ("msdev db check", "validate the database")],
    "db import-reference": [("msdev db import-reference --reference ../reference",
                             "refresh the entries from the official tables in ../reference")],
    "db check": [("msdev db check", "validate the shipped database"),
                 ("msdev db check ./my-project", "also the project's msdev_mappings.yaml")],
    "db show": [("msdev db show nn.Conv2d", "targets, argument differences, note, verification"),
                ("msdev db show F.relu --json", "the whole entry as JSON")],
    "db search": [("msdev db search interpolate", "PyTorch names containing a fragment"),
                  ("msdev db search mindspore.ops.cat", "the PyTorch APIs that map to a MindSpore name")],
    "db stats": [("msdev db stats", "counts by status and namespace"),
                 ("msdev db stats --json --reference ../reference", "with the official coverage, as JSON")],
    "db verify": [("msdev db verify torch.nn.Conv2d F.relu", "run these entries' examples on both frameworks"),
                  ("msdev db verify --jobs 2 --report /tmp/verify.json", "the whole database, JSON report")],
    "weights": [("msdev weights convert model.pth -o model.ckpt --code src_ms", "PyTorch weights for the converted code")],
    "weights map": [("msdev weights map src_ms -o map.json", "one rule per layer"),
                    ("msdev weights map src_ms --checkpoint model.pth -o map.json", "one entry per checkpoint key")],
    "weights convert": [("msdev weights convert model.pth -o model.ckpt --code src_ms", "map derived from the code"),
                        ("msdev weights convert model.pth -o model.safetensors --map map.json", "a saved map, safetensors")],
    "weights diff": [("msdev weights diff model.pth model.ckpt --code src_ms", "only the parameters that differ")],
    "verify": [("msdev verify --torch models:build --mindspore model:create_model --path out "
                "--weights out/model.ckpt --input 1,3,224,224", "same outputs on the same inputs?")],
    "pycharm-template": [("msdev pycharm-template -o ~/msdev-pycharm", "a template pinned to this interpreter"),
                         ("msdev pycharm-template --python .venv/bin/python -o tpl", "pinned to another one")],
}


class ExampleFormatter(argparse.HelpFormatter):
    """Wraps prose as usual, keeps indented lines (the examples) exactly as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out = []
        for paragraph in text.split("\n"):
            if paragraph.startswith("  ") or not paragraph.strip():
                out.append(indent + paragraph)
            else:
                out.append(super()._fill_text(paragraph, width, indent))
        return "\n".join(out)


def example_text(path: str) -> str:
    rows = EXAMPLES.get(path, [])
    if not rows:
        return ""
    lines = ["examples:"]
    for command, what in rows:
        lines.append(f"  {command}")
        lines.append(f"      {what}")
    return "\n".join(lines)


def subcommand_parsers(parser: argparse.ArgumentParser, path: str = ""):
    """(command path, parser) for the parser and every subcommand under it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from subcommand_parsers(child, f"{path} {name}".strip())


def attach_examples(parser: argparse.ArgumentParser) -> None:
    for path, p in subcommand_parsers(parser):
        text = example_text(path)
        if text and "examples:" not in (p.epilog or ""):
            p.epilog = text + (f"\n\n{p.epilog}" if p.epilog else "")
        if p.formatter_class is argparse.HelpFormatter:  # a raw layout chosen by the command stays
            p.formatter_class = ExampleFormatter

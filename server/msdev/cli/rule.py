"""`msdev rule`: a rule's documentation (`msdev rule MS103`), or the list of all rules (`--all`)."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, EXIT_USAGE, UserError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "rule",
        help="explain a rule code (MS103), or list every rule",
        description="Print the documentation of a rule: what it detects, why it matters in MindSpore, "
        "an example, its default severity and how msdev fixes it.",
    )
    p.add_argument("code", nargs="?", metavar="CODE", help="a rule code, e.g. MS103 or MS204")
    p.add_argument("--all", action="store_true", help="list every rule (code, name, severity, fix, summary)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..rules import UnknownRule, rule
    from ..rules.docs import rule_list, rule_markdown

    if args.all:
        if args.code:
            raise UserError("give a rule code or --all, not both", EXIT_USAGE)
        print(rule_list())
        return EXIT_OK
    if not args.code:
        raise UserError("give a rule code (e.g. msdev rule MS103) or --all", EXIT_USAGE)
    try:
        spec = rule(args.code)
    except UnknownRule:
        raise UserError(f"no rule {args.code!r}; `msdev rule --all` lists them", EXIT_USAGE) from None
    print(rule_markdown(spec), end="")
    return EXIT_OK

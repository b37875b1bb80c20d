"""What every subcommand shares: the exit codes, the user-error exception, database options."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class UserError(Exception):
    """A problem with the user's input: printed as one clear line, exit code 2 (never a traceback)."""

    def __init__(self, message: str, code: int = EXIT_USAGE):
        super().__init__(message)
        self.code = code


def add_db_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="DIR", help="use another mapping database directory (default: $MSDEV_DB, else the shipped one)")


def jobs_value(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return n


def add_jobs_option(parser: argparse.ArgumentParser) -> None:
    """The same --jobs everywhere: worker processes, by default one per core."""
    parser.add_argument("--jobs", "-j", type=jobs_value, default=None, metavar="N",
                        help="worker processes (default: the number of cores)")


def jobs_or_cores(jobs: int | None) -> int:
    return jobs or os.cpu_count() or 1


def add_profile_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", choices=("portable", "ascend"), default="portable",
                        help="portable: classic nn/ops that run on CPU, GPU and Ascend (default); ascend: may use mindspore.mint")


def open_db(args: argparse.Namespace, overlay_root: str | Path | None = None):
    """Load the database named by --db / $MSDEV_DB, with the project's overlay if any."""
    from ..db.loader import DatabaseError, load_database

    try:
        return load_database(getattr(args, "db", None), overlay_root=overlay_root)
    except DatabaseError as exc:
        raise UserError(str(exc)) from None


def error(message: str) -> None:
    print(f"msdev: error: {message}", file=sys.stderr)

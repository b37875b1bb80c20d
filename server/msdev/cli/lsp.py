"""`msdev lsp`: start the language server (stdio for editors, TCP for debugging)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from .common import UserError, add_db_options

#: seconds a thread may hold the GIL while another waits for it (Python's default: 0.005)
SWITCH_INTERVAL = 0.0005

HELP = """\
Start the msdev language server. Editors start it themselves and talk to it over stdin/stdout:

  VS Code   the msdev extension runs `python -m msdev lsp`
  PyCharm   import the LSP4IJ template written by `msdev pycharm-template`
  others    command `msdev lsp` (or `python -m msdev lsp`), language python, stdio

Settings arrive as initializationOptions and in the `msdev` configuration section:
  profile (portable|ascend), severity.<status> (error|warning|information|hint|off),
  ignore (list of PyTorch APIs), showLikelyTensorMethods (true|false).

For debugging, `msdev lsp --tcp 127.0.0.1:2087` listens on a TCP port instead, and
`--log FILE` writes the server's log (stdout is reserved for the protocol).
"""


def register(subparsers) -> None:
    p = subparsers.add_parser("lsp", help="start the language server (stdio)", description=HELP,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default; accepted for clients that pass it)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP address instead of stdio (debugging)")
    p.add_argument("--log", metavar="FILE", help="append the server log to FILE")
    p.add_argument("--log-level", choices=("debug", "info", "warning", "error"), default="info",
                   help="how much the server logs (default info)")
    p.add_argument("--debounce-ms", type=int, default=100, metavar="MS",
                   help="wait this long after the last keystroke before analysing (0-150, default 100)")
    p.add_argument("--diagnostics", choices=("auto", "push", "pull"), default="auto",
                   help="how diagnostics reach the client: pull when the client supports it (auto, default), "
                        "or always push / pull")
    add_db_options(p)
    p.set_defaults(func=run)


def _tcp_address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not (0 < int(port) < 65536):
        raise UserError(f"--tcp expects HOST:PORT, got {value!r}")
    return host or "127.0.0.1", int(port)


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.debounce_ms <= 150:
        raise UserError("--debounce-ms must be between 0 and 150")
    address = _tcp_address(args.tcp) if args.tcp else None
    handler: logging.Handler
    if args.log:
        try:
            handler = logging.FileHandler(args.log, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot open log file {args.log}: {exc.strerror or exc}") from None
    else:
        handler = logging.StreamHandler(sys.stderr)  # editors show stderr in their server log
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("msdev").setLevel(getattr(logging, args.log_level.upper()))
    logging.getLogger("pygls").setLevel(logging.WARNING if args.log_level != "debug" else logging.INFO)

    from ..db.loader import DatabaseError, load_database
    from ..lsp.server import create_server

    db_dir = getattr(args, "db", None)
    if db_dir:
        try:  # fail fast on a bad --db, before an editor waits for initialize
            load_database(db_dir)
        except DatabaseError as exc:
            raise UserError(str(exc)) from None
    server = create_server(db_dir=db_dir, debounce=args.debounce_ms / 1000, diagnostic_mode=args.diagnostics)
    # The analysis thread holds the GIL for up to the switch interval (5 ms by default) each time the loop
    # thread asks for it, which is what a hover or code action right after an edit waited for
    sys.setswitchinterval(SWITCH_INTERVAL)
    if address:
        server.start_tcp(*address)
    else:
        server.start_io()
    code = 0 if server.protocol._shutdown else 1
    try:
        sys.stdout.flush()
    except (ValueError, OSError):  # pygls closed stdout on `exit`
        pass
    logging.shutdown()
    # the stdin reader thread may still block on a read; do not wait for it
    os._exit(code)

"""`msdev pycharm-template`: write the LSP4IJ custom template that runs msdev in PyCharm.

The files are generated here (so an installed msdev can write them); `pycharm-client/msdev/` in
the repository is this command's output for the generic `python -m msdev lsp` command.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..lsp.settings import DEFAULT_SEVERITY
from .common import UserError

TEMPLATE_FILES = ("template.json", "settings.json", "initializationOptions.json", "clientSettings.json", "README.md")

README = """\
# msdev language server for PyCharm (LSP4IJ)

msdev finds every PyTorch API in your Python files and shows its MindSpore counterpart:
diagnostics with the rule code (MS100–MS107), hover with the argument differences, and
Alt+Enter quick fixes that rewrite the call.

**Install.** The server is the `msdev-migrate` distribution (the `msdev` name on PyPI is an
unrelated project): `pip install msdev-migrate`, or from a checkout of the msdev repository
`pip wheel --no-deps -w dist . && pip install dist/msdev_migrate-*.whl`.

**Command.** {command_note}

**Settings** (*Configuration* tab, sent to the server whenever you change them):
`profile` (`portable` or `ascend`), `severity.<status>` (`error`, `warning`, `information`,
`hint`, `off`), `ignore` (PyTorch APIs or prefixes such as `torch.cuda`), and
`showLikelyTensorMethods`.
"""

GENERIC_NOTE = """The template starts `python -m msdev lsp` (on Linux and macOS `python3` through
`bash -lc`, a login shell, so the PATH your shell profile sets applies). If msdev lives in a virtual environment, replace the command
on the *Server* tab with that interpreter, e.g. `/path/to/venv/bin/python -m msdev lsp`, or run
`msdev pycharm-template -o DIR` from that environment and import DIR instead."""

PINNED_NOTE = """This template was written by `msdev pycharm-template` and starts msdev with
`{python}`. Run the command again (or edit the *Server* tab) if that interpreter moves."""


def default_settings() -> dict:
    return {"profile": "portable", "severity": dict(DEFAULT_SEVERITY), "ignore": [], "showLikelyTensorMethods": True}


def _quoted(path: str) -> str:
    if '"' in path:
        raise UserError(f"the interpreter path contains a double quote, which LSP4IJ cannot pass: {path}")
    return f'"{path}"' if any(c.isspace() for c in path) else path


def template_files(python: str | None = None) -> dict[str, str]:
    """name → content of every template file; `python` pins the interpreter (None: from PATH)."""
    if python is None:
        program = {"default": "python -m msdev lsp", "windows": "python -m msdev lsp",
                   "mac": 'bash -lc "python3 -m msdev lsp"', "unix": 'bash -lc "python3 -m msdev lsp"'}
        note = GENERIC_NOTE
    else:
        cmd = f"{_quoted(python)} -m msdev lsp"
        program = {"default": cmd, "windows": cmd, "mac": cmd, "unix": cmd}
        note = PINNED_NOTE.format(python=python)
    template = {
        "id": "msdev",
        "name": "msdev (PyTorch → MindSpore)",
        "url": "https://github.com/msdev/msdev",
        "programArgs": program,
        "languageMappings": [{"language": "Python", "languageId": "python"}],
        "fileTypeMappings": [{"fileType": {"name": "Python", "patterns": ["*.py", "*.pyi"]}, "languageId": "python"}],
    }

    def dump(obj) -> str:
        return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"

    return {
        "template.json": dump(template),
        "settings.json": dump({"msdev": default_settings()}),
        "initializationOptions.json": dump(default_settings()),
        "clientSettings.json": dump({"caseSensitive": True, "lineCommentPrefix": "#"}),
        "README.md": README.format(command_note=note),
    }


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "pycharm-template", help="write the LSP4IJ template that runs msdev in PyCharm",
        description="Write the LSP4IJ custom template folder for PyCharm. Import it in PyCharm: Settings → "
                    "Languages & Frameworks → Language Servers → + → Template: Import template… → pick the folder.")
    p.add_argument("-o", "--output", metavar="DIR", default="msdev-pycharm-template",
                   help="folder to write (created; existing template files are replaced, nothing else is touched)")
    p.add_argument("--python", metavar="PATH", help="interpreter that runs msdev (default: the current one)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    python = args.python or sys.executable
    if args.python and not (os.path.isfile(python) and os.access(python, os.X_OK)):
        raise UserError(f"--python {python}: not an executable file")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} exists and is not a folder")
    foreign = [p.name for p in out.iterdir() if p.name not in TEMPLATE_FILES] if out.is_dir() else []
    if foreign:
        raise UserError(f"{out} holds other files ({', '.join(sorted(foreign)[:3])}); choose an empty or new folder")
    files = template_files(os.path.abspath(python))
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote the LSP4IJ template to {out} (server: {files and json.loads(files['template.json'])['programArgs']['default']})")
    print("PyCharm: Settings → Languages & Frameworks → Language Servers → + → Template: Import template… → " + str(out))
    return 0


def write_generic(out: Path) -> None:
    """Regenerate the repository's pycharm-client/msdev/ (the PATH-based command)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in template_files(None).items():
        (out / name).write_text(text, encoding="utf-8")

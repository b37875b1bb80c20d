#!/usr/bin/env bash
# Builds msdev's wheel from this repository into vscode-client/bundled/, which msdev.vsix carries:
# the extension's "Install msdev" action installs exactly this wheel into the chosen interpreter,
# so the server always matches the extension and no package index decides what "msdev" is.
#   MSDEV_BUNDLE_PYTHON  the Python that builds the wheel (default: python3)
set -euo pipefail
cd "$(dirname "$0")/.."
python="${MSDEV_BUNDLE_PYTHON:-python3}"
rm -rf bundled
mkdir -p bundled
"$python" -m pip wheel --quiet --no-deps --wheel-dir bundled ..
wheels=(bundled/msdev_migrate-*-py3-none-any.whl)
[ -f "${wheels[0]}" ] || { echo "bundle-server: no msdev_migrate wheel was built" >&2; exit 1; }
echo "bundled ${wheels[0]}"

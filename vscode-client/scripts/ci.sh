#!/usr/bin/env bash
# CI step for vscode-client/: install the pinned npm dependencies, run the unit tests, package
# msdev.vsix (with the msdev wheel built from this repository in bundled/) and run the end-to-end
# test in code-server + headless Chromium.
#   MSDEV_E2E_PYTHON  Python with msdev installed (default: the first of python, python3 on PATH
#                     that can import msdev)
#   MSDEV_E2E_CACHE   code-server cache outside the repository (default: ~/.cache/msdev-e2e)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${MSDEV_E2E_PYTHON:-}" ]; then
  for candidate in python python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c "import msdev" 2>/dev/null; then
      MSDEV_E2E_PYTHON="$(command -v "$candidate")"
      break
    fi
  done
fi
export MSDEV_E2E_PYTHON="${MSDEV_E2E_PYTHON:-python3}"
export MSDEV_BUNDLE_PYTHON="${MSDEV_BUNDLE_PYTHON:-$MSDEV_E2E_PYTHON}"  # builds bundled/msdev_migrate-*.whl
echo "vscode-client: npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "vscode-client: unit tests"
npm test
echo "vscode-client: end-to-end test (python: $MSDEV_E2E_PYTHON; packages msdev.vsix with the msdev wheel first)"
npm run test:e2e
echo "vscode-client: the server msdev.vsix carries"
"$MSDEV_E2E_PYTHON" -m zipfile -l msdev.vsix | grep -E 'extension/bundled/msdev_migrate-[0-9.]+-py3-none-any[.]whl'

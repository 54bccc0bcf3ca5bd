#!/usr/bin/env bash
# Create (or reuse) the Python venv with the reference readers, in the cache outside the repo.
# Idempotent: it reinstalls only when scripts/python-requirements.txt changes.
# Prints the venv's python path on stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"

venv="$AQUIFER_CACHE/venv"
requirements="$here/python-requirements.txt"
stamp="$venv/.aquifer-requirements"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"

if [ ! -x "$venv/bin/python" ]; then
  log "creating venv at $venv"
  python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  log "installing reference readers into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  echo "$want" > "$stamp"
else
  log "reusing $venv"
fi
echo "$venv/bin/python"

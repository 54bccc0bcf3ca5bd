#!/usr/bin/env bash
# DuckDB's extensions for offline machines, in the cache outside the repo.
#
# DuckDB's own `INSTALL httpfs` downloads from extensions.duckdb.org, which CI cannot reach; the
# same signed binaries ship on PyPI as wheels (`duckdb-extension-<name>==<duckdb version>`). This
# fetches them with pip, unzips them and lays them out the way DuckDB's extension_directory
# expects: <cache>/duckdb-extensions/v<version>/<platform>/<name>.duckdb_extension.
# Idempotent: an extension already in place is not fetched again.
#
#   bash scripts/duckdb-extensions.sh     install (or reuse); the last line printed is the
#                                         extension directory (for AQUIFER_DUCKDB_EXTENSIONS)
#
# The version must match the DuckDB inside @duckdb/node-api (package.json pins it): DuckDB
# refuses an extension built for another version.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"

DUCKDB_VERSION=1.5.5
EXTENSIONS=(httpfs delta aws azure)

case "$(uname -m)" in
  x86_64 | amd64) platform=linux_amd64 wheel_platform=manylinux2014_x86_64 ;;
  aarch64 | arm64) platform=linux_arm64 wheel_platform=manylinux2014_aarch64 ;;
  *)
    log "no DuckDB extension wheels for $(uname -m)"
    exit 1
    ;;
esac

extension_dir="$AQUIFER_CACHE/duckdb-extensions"
target="$extension_dir/v$DUCKDB_VERSION/$platform"
mkdir -p "$target"

python="${AQUIFER_PYTHON:-python3}"
for name in "${EXTENSIONS[@]}"; do
  file="$target/$name.duckdb_extension"
  if [ -s "$file" ]; then
    log "reusing $file"
    continue
  fi
  log "fetching duckdb-extension-$name==$DUCKDB_VERSION from PyPI"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform "$wheel_platform" --dest "$work" "duckdb-extension-$name==$DUCKDB_VERSION" >&2
  wheel="$(ls "$work"/*.whl)"
  member="duckdb_extension_$name/extensions/v$DUCKDB_VERSION/$name.duckdb_extension"
  # Through a temporary name, so an interrupted run never leaves a truncated file that looks installed.
  unzip -p "$wheel" "$member" > "$file.partial.$$"
  [ -s "$file.partial.$$" ] || { log "$wheel holds no $member"; exit 1; }
  mv "$file.partial.$$" "$file"
  rm -rf "$work"
  trap - EXIT
done
echo "$extension_dir"

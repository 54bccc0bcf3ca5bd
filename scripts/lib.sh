# Shared helpers for the scripts: the cache outside the repository, and logging.
AQUIFER_CACHE="${AQUIFER_CACHE:-$HOME/.cache/aquifer}"
export AQUIFER_CACHE
mkdir -p "$AQUIFER_CACHE"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }

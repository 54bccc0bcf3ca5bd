# Shared helpers for the scripts: the cache outside the repository, and logging.
AQUIFER_CACHE="${AQUIFER_CACHE:-$HOME/.cache/aquifer}"
export AQUIFER_CACHE
mkdir -p "$AQUIFER_CACHE"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }

# Install Debian packages (with sudo unless root), quietly; the caller checks first whether they are needed.
apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
}

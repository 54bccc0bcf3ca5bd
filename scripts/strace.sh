#!/usr/bin/env bash
# strace (Debian's package), which the storage durability test uses to see the fsync calls a
# write makes on a real file system.
#
#   strace.sh install         install strace from Debian's packages when it is missing
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"

cmd_install() {
  if command -v strace >/dev/null 2>&1; then
    log "strace is installed ($(strace -V | head -1))"
    return 0
  fi
  log "installing strace from Debian's packages"
  apt_install strace
}

case "${1:-}" in
  install) cmd_install ;;
  *) echo "usage: strace.sh install" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# The crash harness as a soak: many more SIGKILLs than the suite's 100 per table kind.
#   bash scripts/crash-soak.sh [KILLS]   (default 1000 per table kind)
set -euo pipefail
cd "$(dirname "$0")/.."
AQUIFER_CRASH_KILLS="${1:-1000}" npx vitest run test/table/crash

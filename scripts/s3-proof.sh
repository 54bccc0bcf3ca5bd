#!/usr/bin/env bash
# The S3 concurrency proof on its own (docs/storage.md, "Proof"): 16 writer processes append
# COMMITS numbered batches to one table on a throwaway MinIO. The suite runs the same test
# with 2,000 (about 3 minutes on 2 cores); this script sets another count, for a soak or a
# busy machine (AQUIFER_S3_PROOF_COMMITS).
#
#   bash scripts/s3-proof.sh [COMMITS]     (default 2000)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
export AQUIFER_S3_PROOF_COMMITS="${1:-2000}"
export AQUIFER_DUCKDB_EXTENSIONS="${AQUIFER_DUCKDB_EXTENSIONS:-$(bash scripts/duckdb-extensions.sh)}"
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
exec npx vitest run test/table/s3/concurrent-writers-s3.test.ts

#!/usr/bin/env bash
# The full S3 concurrency proof (docs/storage.md, "Proof"): 16 writer processes append
# 2,000 numbered batches to one table on a throwaway MinIO. CI runs the same test with
# fewer commits (AQUIFER_S3_PROOF_COMMITS, default 320) to stay within its time.
#
#   bash scripts/s3-proof.sh [COMMITS]     (default 2000)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
export AQUIFER_S3_PROOF_COMMITS="${1:-2000}"
export AQUIFER_DUCKDB_EXTENSIONS="${AQUIFER_DUCKDB_EXTENSIONS:-$(bash scripts/duckdb-extensions.sh)}"
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
exec npx vitest run test/table/s3/concurrent-writers-s3.test.ts

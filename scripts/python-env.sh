#!/usr/bin/env bash
# Create (or reuse) a Python venv in the cache outside the repo, and print its python path on stdout.
#   bash scripts/python-env.sh          the reference readers and peers (python-requirements.txt)
#   bash scripts/python-env.sh models   MLflow and the ONNX stack (python-requirements-models.txt):
#                                        a venv of its own, because mlflow 3.17 needs pyarrow<26.
#   bash scripts/python-env.sh airflow  apache-airflow 3.3 (python-requirements-airflow.txt), for the
#                                        `airflow dags test` proof of `aquifer export airflow`.
#   bash scripts/python-env.sh airflow2 apache-airflow 2.10 (python-requirements-airflow2.txt), the
#                                        same proof on Airflow 2 by hand (SQLAlchemy<2, Flask 2).
#   bash scripts/python-env.sh dagster  Dagster 1.13 with DuckDB and delta-rs (python-requirements-dagster.txt),
#                                        the peer of `npm run bench:orchestrate`.
# Idempotent: it reinstalls only when its requirements file changes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"

case "${1:-}" in
  "") venv="$AQUIFER_CACHE/venv"; requirements="$here/python-requirements.txt" ;;
  models) venv="$AQUIFER_CACHE/venv-models"; requirements="$here/python-requirements-models.txt" ;;
  airflow) venv="$AQUIFER_CACHE/venv-airflow"; requirements="$here/python-requirements-airflow.txt" ;;
  airflow2) venv="$AQUIFER_CACHE/venv-airflow2"; requirements="$here/python-requirements-airflow2.txt" ;;
  dagster) venv="$AQUIFER_CACHE/venv-dagster"; requirements="$here/python-requirements-dagster.txt" ;;
  *) log "unknown venv '$1' (give nothing, 'models', 'airflow', 'airflow2' or 'dagster')"; exit 2 ;;
esac
stamp="$venv/.aquifer-requirements"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"

if [ ! -x "$venv/bin/python" ]; then
  log "creating venv at $venv"
  python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  log "installing $(basename "$requirements") into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  echo "$want" > "$stamp"
else
  log "reusing $venv"
fi
echo "$venv/bin/python"

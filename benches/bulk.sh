#!/usr/bin/env bash
# Benchmark of `titlematch normalize` (bulk normalization); prints a table. Not a test.
#
#   benches/bulk.sh                  # 1M-row export, 200k distinct titles, 5 GB stream, baselines
#   BIG_GB=0 benches/bulk.sh         # skip the 5 GB stdin stream (about 2 minutes)
#   benches/bulk.sh --rows 200000    # other sizes: see benches/bulk_bench.py --help
#
# It builds the release binary, installs the Python baselines (tantivy, rapidfuzz) into a venv
# under $BENCH_DIR (default /tmp/titlematch-bulk-bench), makes seeded synthetic exports there,
# and times every run with /usr/bin/time -v (wall time and peak resident memory).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${BENCH_DIR:-/tmp/titlematch-bulk-bench}"
mkdir -p "$WORK"

echo "[bench] cargo build --release" >&2
(cd "$REPO" && cargo build --release --quiet --bin titlematch)

if [ ! -x /usr/bin/time ]; then
    echo "[bench] installing GNU time" >&2
    apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
fi

VENV="$WORK/venv"
if [ ! -x "$VENV/bin/python" ]; then
    echo "[bench] creating $VENV" >&2
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import tantivy, rapidfuzz" 2>/dev/null; then
    echo "[bench] pip install tantivy rapidfuzz" >&2
    "$VENV/bin/pip" install --quiet --disable-pip-version-check tantivy rapidfuzz
fi

exec "$VENV/bin/python" "$REPO/benches/bulk_bench.py" \
    --bin "$REPO/target/release/titlematch" --repo "$REPO" --work "$WORK" "$@"

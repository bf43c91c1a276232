#!/usr/bin/env bash
# Build time, open time and peak memory of titlematch with O*NET loaded, from the release
# binary as a user runs it. Usage: bash benches/onet.sh [ONET_DIR] [SOC_DIR]
# (defaults: ../shared/data/onet/29.3 and ../shared/data/soc2018).
#
# 1. `titlematch build` (role index only), for reference;
# 2. first `onet suggest`: builds the O*NET index under index/onet (the binary prints how long);
# 3. second `onet suggest`: opens both built indexes and answers one title; its wall time is an
#    upper bound of "engine open" with O*NET loaded;
# 4. `onet info`: reads and checks every O*NET file, without the index.
# Peak resident memory (max RSS) of each run comes from /usr/bin/time -v.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
onet="$(realpath "${1:-$root/../shared/data/onet/29.3}")"
soc="$(realpath "${2:-$root/../shared/data/soc2018}")"
cargo build --release --quiet --bin titlematch --manifest-path "$root/Cargo.toml"
bin="$root/target/release/titlematch"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

run() { # label, then the command
  local label="$1"; shift
  /usr/bin/time -v "$@" >"$work/out" 2>"$work/err" || { cat "$work/err"; exit 1; }
  local wall rss
  wall=$(grep "Elapsed (wall clock)" "$work/err" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$work/err" | awk '{print $NF}')
  printf '%-44s wall %8s   max RSS %6.1f MB\n' "$label" "$wall" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
  grep "^titlematch:" "$work/err" | sed 's/^/    /' || true
}

echo "O*NET: $onet"
run "build role index (titlematch build)" "$bin" build --data "$root/data"
run "first onet suggest (builds O*NET index)" "$bin" onet suggest --data "$root/data" --onet "$onet" --soc "$soc" "IT Director"
run "second onet suggest (opens both indexes)" "$bin" onet suggest --data "$root/data" --onet "$onet" --soc "$soc" "IT Director"
run "onet info (reads every file)" "$bin" onet info "$onet"
du -sh index/onet | awk '{print "O*NET index on disk: " $1}'

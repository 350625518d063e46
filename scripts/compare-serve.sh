#!/bin/bash
# hio serve DIR against `serve` (npx serve; install it in a scratch folder and pass its bin as SERVE_BIN)
# on the same directory (default: ../shared/bench/data, which holds 1m.bin and 100m.bin): time to first
# byte of 1m.bin (median of 30 curl runs) and throughput of 100m.bin (mean of 3 curl downloads), two rounds;
# each server pinned to cpu 1, curl to cpu 0. Run after `npm run build`, from the repository root:
#   SERVE_BIN=/tmp/servebench/node_modules/.bin/serve bash scripts/compare-serve.sh [DIR]
set -u
DIR=${1:-../shared/bench/data}
SERVE_BIN=${SERVE_BIN:?set SERVE_BIN to the serve package bin}
run() { # label port
  local ttfb speeds
  ttfb=$(for _ in $(seq 30); do taskset -c 0 curl -s -o /dev/null -w '%{time_starttransfer}\n' "http://127.0.0.1:$2/1m.bin"; done | sort -n | sed -n '15p')
  speeds=$(for _ in 1 2 3; do taskset -c 0 curl -s -o /dev/null -w '%{speed_download}\n' "http://127.0.0.1:$2/100m.bin"; done | awk '{s+=$1} END {printf "%.0f", s/NR/1e6}')
  echo "$1: 1m.bin time to first byte median $(awk -v t="$ttfb" 'BEGIN{printf "%.2f", t*1000}') ms; 100m.bin $speeds MB/s (mean of 3)"
}
taskset -c 1 node dist/cli.js serve "$DIR" --port 18790 > /dev/null 2>&1 &
HIO=$!
taskset -c 1 "$SERVE_BIN" -L -l tcp://127.0.0.1:18791 "$DIR" > /dev/null 2>&1 &
SERVE=$!
trap 'kill $HIO $SERVE 2>/dev/null' EXIT
sleep 2
for round in 1 2; do
  run "hio serve (round $round)" 18790
  run "npx serve (round $round)" 18791
done

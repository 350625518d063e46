#!/bin/bash
# One slow reader of a large file on real sockets: hio serve DIR (default ../shared/bench/data), warmed by
# one download of 1m.bin, then curl reads 100m.bin at 1 MiB/s for 15 s while the server's RSS is sampled
# every 0.2 s; prints the growth. Run after `npm run build`, from the repository root:
#   bash scripts/slow-file-reader.sh [DIR]
set -u
DIR=${1:-../shared/bench/data}
node dist/cli.js serve "$DIR" --port 18793 > /dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
sleep 1.5
curl -s -o /dev/null http://127.0.0.1:18793/1m.bin
sleep 0.5
BEFORE=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")
MAX=$BEFORE
timeout 15 curl -s --limit-rate 1M -o /dev/null http://127.0.0.1:18793/100m.bin &
CURL=$!
while kill -0 $CURL 2>/dev/null; do
  RSS=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")
  [ "$RSS" -gt "$MAX" ] && MAX=$RSS
  sleep 0.2
done
echo "slow reader (curl --limit-rate 1M for 15 s of 100m.bin): server RSS before $((BEFORE / 1024)) MiB, max $((MAX / 1024)) MiB, growth $(((MAX - BEFORE) / 1024)) MiB"

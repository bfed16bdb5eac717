#!/usr/bin/env bash
# Installs what reins needs, builds it, and shows its main job: a real command run under limits, with the
# report of what it used and why it ended.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
cmake --preset release >/dev/null
cmake --build --preset release -j2 >/dev/null
reins=build/release/cli/reins

echo "\$ reins run --rlimit nofile=256 --timeout 60s --report - -- sh -c 'gzip -9 < $(command -v cmake) | wc -c'"
"$reins" run --rlimit nofile=256 --timeout 60s --report - -- sh -c "gzip -9 < $(command -v cmake) | wc -c"
echo
echo "\$ reins run --timeout 1s --json - -- sleep 30    # ended by the timeout: exit status 124, verdict timeout"
"$reins" run --timeout 1s --json - -- sleep 30 || echo "(exit status $?)"

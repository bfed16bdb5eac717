#!/usr/bin/env bash
# Builds every libFuzzer target with clang (ASan+UBSan) and runs each on its seed corpus plus a bounded number
# of generated inputs. A crash, leak or sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${FUZZ_RUNS:-20000}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j2 >/dev/null
for bin in build/fuzz/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  corpus=tests/fuzz/corpus/${name#fuzz_}
  args=(-runs="$runs" -max_len=4096 -rss_limit_mb=1024)
  if [ -d "$corpus" ]; then
    work=$(mktemp -d)
    "$bin" "${args[@]}" "$work" "$corpus" >/dev/null 2>"$work.log" || { cat "$work.log"; rm -rf "$work" "$work.log"; exit 1; }
    rm -rf "$work" "$work.log"
  else
    log=$(mktemp)
    "$bin" "${args[@]}" >/dev/null 2>"$log" || { cat "$log"; rm -f "$log"; exit 1; }
    rm -f "$log"
  fi
  echo "fuzz: $name ok ($runs runs)"
done

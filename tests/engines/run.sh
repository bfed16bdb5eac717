#!/usr/bin/env bash
# The engine lanes, one after the other: Docker, Podman, Slurm (each starts its engine itself with private
# state and removes everything it made; see each script's header). Installs the engines first
# (scripts/setup-debian.sh --engines). Each lane ends with "engine-NAME: N passed, N failed, N skipped (T s)";
# scripts/test.sh adds those to its totals. Exit status 0 only if every lane passed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
bash scripts/setup-debian.sh --engines >/dev/null ||
  { echo "engine-setup: 0 passed, 1 failed, 0 skipped (scripts/setup-debian.sh --engines failed)"; exit 1; }
status=0
for lane in docker podman slurm; do
  echo "== engine lane: $lane"
  bash "tests/engines/$lane.sh" || status=1
done
exit $status

#!/usr/bin/env bash
# Builds the consumer with nothing but pkg-config and the compiler. Usage: build.sh OUTPUT
set -euo pipefail
here=$(dirname "$0")
# shellcheck disable=SC2046
g++ -o "$1" "$here/../main.cpp" $(pkg-config --cflags --libs reins)

#!/usr/bin/env bash
# Builds esan in Release into ./build (the build contract).
# Usage: build.sh [TARGET...]
#   no TARGET: everything (binaries, unit and integration tests, tools);
#   TARGETs: only those and what they need (e.g. `build.sh esand esanctl`).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
if (($#)); then
  cmake --build build --target "$@"
else
  cmake --build build
fi

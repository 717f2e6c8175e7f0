#!/usr/bin/env bash
# Builds esan in Release into ./build (the build contract).
# Usage: build.sh [TARGET...]
#   no TARGET: everything (binaries, unit and integration tests, tools);
#   TARGETs: only those and what they need (e.g. `build.sh esand esanctl`).
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits from any clone's path (scripts/test.sh says why).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
if (($#)); then
  cmake --build build --target "$@"
else
  cmake --build build
fi

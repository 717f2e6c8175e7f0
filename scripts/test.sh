#!/usr/bin/env bash
# The test command (README; .ci/run on a clean clone). Stages, in order:
#   deps         scripts/install-deps.sh --fuzz (clang 19 for the fuzzers)
#   build        Release build in build/ (scripts/build.sh)
#   tests        unit + integration tests (ctest) on build/
#   conformance  libiscsi conformance (tests/conformance/run)
#   asan-build   ASan + UBSan build (-DESAN_SANITIZE=ON, -O1, without the
#                esan-bench tool and its tests) in build-asan/
#   asan-tests   unit + integration tests on build-asan/; any sanitizer
#                report fails (see asan_env below). Tests labelled `guest`
#                (a qemu Linux initiator driving the HA pair: minutes of TCG
#                per run, and what they check is the cluster's behaviour, not
#                memory safety) and `image` (the appliance booted in qemu)
#                run in the tests stage only, as does rbd.conformance (libiscsi
#                against an RBD LU: minutes, and the rbd test covers the
#                backend under ASan).
#   fuzz         each libFuzzer target for ESAN_FUZZ_SECONDS (default 60)
# Each stage's duration is printed as it ends and in a summary at exit.
# ESAN_TEST_STAGES (comma-separated) runs a subset, e.g. "asan-build,asan-tests".
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache (CMakeLists.txt): the same sources compile to cache hits from any
# clone's path (paths under the tree hashed relative to it, and the ASan
# build's -g not tied to its build directory), so a CI run on a fresh clone
# reuses the objects of the last one on this machine.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
jobs=${ESAN_TEST_JOBS:-2}
stages=${ESAN_TEST_STAGES:-deps,build,tests,conformance,asan-build,asan-tests,fuzz}
summary=()
t_all=$(date +%s)

report() {
  local rc=$?
  echo "== stage durations (total $(($(date +%s) - t_all)) s) =="
  for s in "${summary[@]}"; do echo "  $s"; done
  ((rc == 0)) || echo "== FAILED (exit $rc) =="
}
trap report EXIT

# stage NAME COMMAND...: runs COMMAND if NAME is selected, timing it.
stage() {
  local name=$1
  shift
  [[ ",$stages," == *",$name,"* ]] || return 0
  echo "== $name: $* =="
  local t0=$(date +%s) rc=0
  "$@" || rc=$?
  local dt=$(($(date +%s) - t0))
  summary+=("$(printf '%-12s %5d s%s' "$name" "$dt" "$( ((rc == 0)) || echo "  FAILED ($rc)")")")
  echo "== $name: ${dt} s$( ((rc == 0)) || echo ", FAILED ($rc)") =="
  return $rc
}

# Sanitizer runtime options for everything the ASan tests start (test
# binaries, esand, esan-bench): stop at the first report, check leaks at
# exit, and exit 86 -- a status no test expects. esand's stderr goes to its
# log, which the integration harness scans for reports
# (tests/integration/esand_process.cc), so a report from a killed or
# still-running esand fails its test too.
asan_env() {
  env ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:exitcode=86:abort_on_error=0:check_initialization_order=1:quarantine_size_mb=64" \
      UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86" \
      LSAN_OPTIONS="exitcode=86" \
      "$@"
}

asan_build() {
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DESAN_SANITIZE=ON -DESAN_BENCH_TOOLS=OFF >/dev/null
  cmake --build build-asan -j "$jobs"
}

stage deps scripts/install-deps.sh --fuzz
stage build scripts/build.sh
stage tests ctest --test-dir build --output-on-failure -j "$jobs" --timeout 600
stage conformance tests/conformance/run
stage asan-build asan_build
stage asan-tests asan_env ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 900 -LE 'guest|image' \
  -E '^rbd[.]conformance$'
stage fuzz tests/fuzz/run "${ESAN_FUZZ_SECONDS:-60}"

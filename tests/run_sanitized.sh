#!/usr/bin/env bash
# The sanitized check, CI's second stage: builds everything with AddressSanitizer + UndefinedBehavior-
# Sanitizer (HASHSCOPE_SANITIZE, no CUDA) in build-asan and runs the whole unit suite there (GUI tests
# under Xvfb). With clang the same build also builds the libFuzzer harnesses (HASHSCOPE_FUZZ: coverage
# on the parsers they reach), so one instrumented build serves the suite and the harnesses; each
# harness (one per folder of tests/fuzz/corpus) then runs for FUZZ_SECONDS of wall time over a copy of
# its seed corpus, five at a time (the nine harnesses in two rounds: the whole CI stays under 30
# minutes on two cores). The benchmarks are not built here: they are timed in the release build, and
# they are no part of the suite. Any sanitizer report, failed test or fuzzer crash fails the script.
# Usage: tests/run_sanitized.sh [--no-fuzz]   (JOBS=2 FUZZ_SECONDS=60 FUZZ_PARALLEL=5 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
seconds=${FUZZ_SECONDS:-60}
parallel=${FUZZ_PARALLEL:-5}
fuzz=1
[[ "${1:-}" == "--no-fuzz" ]] && fuzz=0
if ! command -v clang++ >/dev/null; then
  echo "run_sanitized: clang++ not found, building with the default compiler and skipping the fuzzers"
  fuzz=0
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
# -O2 with line tables (-g1 keeps inlined frames in reports): at -O1 Eigen's small functions were not
# inlined and the Eigen-heavy tests ran 10-15x slower than in the release build.
flags=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1"
       "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1" -DHASHSCOPE_CUDA=OFF -DHASHSCOPE_SANITIZE=ON
       -DHASHSCOPE_BUILD_BENCHMARKS=OFF "${launcher[@]}")
if (( fuzz )); then
  export CC=clang CXX=clang++
  flags+=(-DHASHSCOPE_FUZZ=ON)
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0

cmake -S . -B build-asan "${flags[@]}"
cmake --build build-asan -j"$jobs"
xvfb-run -a -s "-screen 0 1920x1080x24" ctest --test-dir build-asan --output-on-failure -j"$jobs"
(( fuzz )) || exit 0

# One harness: FUZZ_SECONDS over a scratch copy of its corpus; a crash leaves build-asan/<parser>-crash-*.
fuzz_one() {
  local parser=$1 work=build-asan/corpus/$1 log=build-asan/fuzz_$1.log
  mkdir -p "$work"
  cp tests/fuzz/corpus/"$parser"/* "$work"/
  # -malloc_limit_mb: a parser that allocates what a crafted header asks for is a finding too.
  if ! build-asan/tests/fuzz/fuzz_"$parser" -max_total_time="$seconds" -malloc_limit_mb=1024 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix=build-asan/"$parser"- "$work" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "run_sanitized: fuzz_$parser found a crash (build-asan/$parser-*)"
    return 1
  fi
  echo "run_sanitized: fuzz_$parser, ${seconds}s: $(grep -E 'stat::number_of_executed_units' "$log" | awk '{print $2}') runs," \
       "peak $(grep -E 'stat::peak_rss_mb' "$log" | awk '{print $2}') MB"
}

parsers=()
for dir in tests/fuzz/corpus/*/; do parsers+=("$(basename "$dir")"); done
failed=0
for ((i = 0; i < ${#parsers[@]}; i += parallel)); do
  pids=()
  for parser in "${parsers[@]:i:parallel}"; do
    fuzz_one "$parser" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
done
exit "$failed"

#!/usr/bin/env bash
# The sanitized check: builds everything with AddressSanitizer + UndefinedBehaviorSanitizer
# (HASHSCOPE_SANITIZE, no CUDA) in build-asan and runs the whole unit suite there (GUI tests under
# Xvfb; LSan suppressions for Mesa only, tests/lsan.supp). Then, when clang is installed, builds the
# libFuzzer harnesses (HASHSCOPE_FUZZ) in build-fuzz and runs each for FUZZ_SECONDS (default 60) over
# a copy of its seed corpus in tests/fuzz/corpus. Any sanitizer report, failed test or fuzzer crash
# fails the script. Usage: tests/run_sanitized.sh [--no-fuzz]   (JOBS=2 FUZZ_SECONDS=60 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
seconds=${FUZZ_SECONDS:-60}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
# -O1: sanitizer reports keep readable stacks while the suite stays fast enough for CI.
flags=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1"
       "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1" -DHASHSCOPE_CUDA=OFF "${launcher[@]}")

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0

cmake -S . -B build-asan "${flags[@]}" -DHASHSCOPE_SANITIZE=ON
cmake --build build-asan -j"$jobs"
xvfb-run -a -s "-screen 0 1920x1080x24" ctest --test-dir build-asan --output-on-failure -j"$jobs"

if [[ "${1:-}" == "--no-fuzz" ]]; then exit 0; fi
if ! command -v clang++ >/dev/null; then
  echo "run_sanitized: clang++ not found, fuzzers skipped"
  exit 0
fi
CC=clang CXX=clang++ cmake -S . -B build-fuzz "${flags[@]}" -DHASHSCOPE_FUZZ=ON
parsers=(npy gguf safetensors llama2c tokenizer_bin tokenizer_json learned_hash)
cmake --build build-fuzz -j"$jobs" --target "${parsers[@]/#/fuzz_}"
for parser in "${parsers[@]}"; do
  work=build-fuzz/corpus/$parser
  mkdir -p "$work"
  cp tests/fuzz/corpus/"$parser"/* "$work"/
  echo "run_sanitized: fuzzing $parser for ${seconds}s"
  # -malloc_limit_mb: a parser that allocates what a crafted header asks for is a finding too.
  log=build-fuzz/fuzz_$parser.log
  if ! build-fuzz/tests/fuzz/fuzz_"$parser" -max_total_time="$seconds" -malloc_limit_mb=1024 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix=build-fuzz/"$parser"- "$work" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "run_sanitized: fuzz_$parser found a crash (build-fuzz/$parser-*)"
    exit 1
  fi
  grep -E "^#[0-9]+.*DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" "$log"
done

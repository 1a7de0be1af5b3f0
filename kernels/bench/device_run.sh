#!/bin/bash
# One complete device run over a tree staged by stage_device_run.sh: environment, the GPU tests,
# the benchmark with its PyTorch peers, then compute-sanitizer. Logs go to $OUT (at most 8 files).
# Usage (from the tree's root, after tar xJf .devgpu/dist.tar.xz): kernels/bench/device_run.sh [quick]
#   kernels/bench/device_run.sh profile [decode|decode-1m|select-sass|reformer]: ncu (full set) on
#   the Hamming decode kernels (per head and shared, n = 131072), the shared selection's first two
#   calls at n = 1048576 (select, attention, merge), that selection's SASS line by line
#   (sass_lines.py: instructions and stall samples per instruction), or the Reformer's hash, chunk
#   attention and round combination (n = 65536).
set -uo pipefail
export LD_LIBRARY_PATH=$PWD/dist/lib PYTHONUNBUFFERED=1
mode=${1:-full}
if [ "$mode" = profile ]; then
  # At n = 1M the bench makes 9 decode launches per head first (select, attention and merge of the
  # spot check and of the timed call, then the stages alone): --launch-skip 9 reaches the shared ones.
  skip=0
  case ${2:-decode} in
    decode) kernels='regex:select_kernel|sparse_decode_kernel|merge_kernel' launches=18 sizes='--reformer-n 4096 --decode-n 131072' ;;
    decode-1m) kernels='regex:select_kernel|sparse_decode_kernel|merge_kernel' skip=9 launches=6 sizes='--reformer-n 4096 --decode-n 1048576' ;;
    select-sass)
      timeout 300 ncu --clock-control none --set full --import-source no -o "$OUT/select" -k regex:select_kernel \
        --launch-skip 3 --launch-count 1 dist/hashscope bench --gpu --repeats 1 --warmup 0 --reformer-n 4096 \
        --decode-n 1048576 --prefill-n 4096 >"$OUT/ncu_select.log" 2>&1
      ncu -i "$OUT/select.ncu-rep" --page source --print-source sass --csv | python3 kernels/bench/sass_lines.py \
        >"$OUT/select_sass.txt"
      rm -f "$OUT/select.ncu-rep"
      head -1 "$OUT/select_sass.txt"
      exit 0 ;;
    # Anchored: unanchored, hash_tensor_kernel also matches simhash_tensor_kernel, launched first.
    reformer) kernels='regex:^(hash_tensor_kernel|chunk_attention_mma_kernel|combine_rounds_kernel)' launches=3 sizes='--reformer-n 65536 --decode-n 4096' ;;
  esac
  timeout 500 ncu --clock-control none -k "$kernels" --launch-skip $skip --launch-count $launches --set full \
    dist/hashscope bench --gpu --repeats 1 --warmup 0 $sizes --prefill-n 4096 >"$OUT/ncu_${2:-decode}.log" 2>&1
  grep -E '^  [a-z_]+.*\(|Duration|DRAM Throughput|Memory Throughput|Compute \(SM\) Throughput|Achieved Occupancy|Registers Per|Block Limit|Warp Cycles Per Issued|Stall|L1/TEX Hit|L2 Hit|Bank' \
    "$OUT/ncu_${2:-decode}.log" | head -150
  exit 0
fi
{
  date -u; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv
  which nvcc cmake ninja compute-sanitizer ncu; nvcc --version | tail -1
  python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda, torch.backends.cudnn.version())'
  ls /usr/include/eigen3 /usr/include/openssl/sha.h /usr/include/gtest 2>&1 | head -3
} >"$OUT/env.log" 2>&1
cat "$OUT/env.log"
{
  timeout 300 dist/test_gpu
  # --gpu on the CLI against its CPU runs (tests/test_cli_gpu.cpp), with the staged executable.
  HASHSCOPE_EXE=$PWD/dist/hashscope timeout 120 dist/test_cli --gtest_filter='CliGpu.*'
  # The app's GPU twins (compute=gpu): the scene's Reformer and the Learned view's top-k.
  timeout 120 dist/test_app_logic --gtest_filter='ComputeScene.Gpu*:LearnedLab.Gpu*'
} 2>&1 | tee "$OUT/tests.log" | grep -E '^\[  (FAILED|PASSED|SKIPPED) |Failure|error|Expected|Which is|actual' | head -60
if [ "$mode" = quick ]; then
  timeout 120 dist/hashscope bench --gpu --quick 2>&1 | tee "$OUT/bench.log"
  timeout 300 python3 kernels/bench/peers.py --hashscope dist/hashscope --out "$OUT" --quick 2>&1 | tail -30
else
  timeout 420 python3 kernels/bench/peers.py --hashscope dist/hashscope --out "$OUT" 2>&1 | tee "$OUT/bench.log" | tail -40
fi
{
  # One suite of dist/test_gpu at a time (gtest filter), so a report names its kernel.
  for suite in GpuSimHash GpuDenseAttention GpuSha256 GpuBlake3 GpuReformer GpuHammingDecode GpuHammingPrefill; do
    timeout 120 compute-sanitizer --tool memcheck --leak-check full dist/test_gpu --gtest_filter="$suite.*" 2>&1 | tail -3
  done
  for suite in GpuReformer GpuDenseAttention GpuSimHash GpuHammingDecode; do
    timeout 120 compute-sanitizer --tool racecheck dist/test_gpu --gtest_filter="$suite.*" 2>&1 | tail -3
  done
} >"$OUT/sanitizer.log" 2>&1
cat "$OUT/sanitizer.log"

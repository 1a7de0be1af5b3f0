#!/bin/sh
# Stages a device run: the worktree's sources plus the executables built here (x86-64, no
# -march=native) and the shared libraries they need beyond glibc and libstdc++, under dist/.
# Usage: kernels/bench/stage_device_run.sh WORKTREE BUILD DEST
set -eu
src=$1 build=$2 dest=$3
rm -rf "$dest" && mkdir -p "$dest"
(cd "$src" && git ls-files -co --exclude-standard -z | xargs -0 tar cf -) | tar xf - -C "$dest"
mkdir -p "$dest/dist/lib"
cp "$build"/app/hashscope "$build"/tests/test_gpu_* "$dest/dist/" 2>/dev/null || true
rm -f "$dest"/dist/*.cmake
for exe in "$dest"/dist/hashscope "$dest"/dist/test_gpu_*; do
  ldd "$exe" | awk '/=> \// {print $3}'
done | sort -u | grep -v -E '/(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so' | while read -r lib; do cp -L "$lib" "$dest/dist/lib/"; done
du -sh "$dest"

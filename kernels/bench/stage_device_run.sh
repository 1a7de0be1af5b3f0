#!/bin/sh
# Stages a device run: the executables built here (x86-64, no -march=native) and the shared libraries
# they need beyond glibc and libstdc++, stripped and packed as DEST/dist.tar.xz (~6 MB). The working
# tree travels anyway, so only dist/ is staged: the sources twice would pass the 64 MiB a call carries.
# Usage: kernels/bench/stage_device_run.sh BUILD DEST   (then carry DEST; on the device, from the
# tree's root: tar xJf DEST/dist.tar.xz && bash kernels/bench/device_run.sh full)
set -eu
build=$1 dest=$2
rm -rf "$dest" && mkdir -p "$dest/dist/lib"
cp "$build"/app/hashscope "$build"/tests/test_gpu "$build"/tests/test_cli "$dest/dist/" 2>/dev/null || true
for exe in "$dest"/dist/hashscope "$dest"/dist/test_gpu "$dest"/dist/test_cli; do
  ldd "$exe" | awk '/=> \// {print $3}'
done | sort -u | grep -v -E '/(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so' | while read -r lib; do cp -L "$lib" "$dest/dist/lib/"; done
strip "$dest"/dist/hashscope "$dest"/dist/test_gpu "$dest"/dist/test_cli
(cd "$dest" && tar cJf dist.tar.xz dist && rm -rf dist)
du -sh "$dest"

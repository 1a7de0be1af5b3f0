#!/bin/sh
# Stages a device run: the executables built here (x86-64, no -march=native) and the shared libraries
# they need beyond glibc and libstdc++, stripped and packed as DEST/dist.tar.xz (~6 MB). The working
# tree travels anyway, so only dist/ is staged: the sources twice would pass the 64 MiB a call carries.
# Usage: kernels/bench/stage_device_run.sh BUILD DEST   (then carry DEST; on the device, from the
# tree's root: tar xJf DEST/dist.tar.xz && bash kernels/bench/device_run.sh full)
set -eu
build=$1 dest=$2
rm -rf "$dest" && mkdir -p "$dest/dist/lib"
tests="test_gpu test_cli test_app_logic"  # the kernels; --gpu on the CLI; the app's GPU twins
cp "$build"/app/hashscope "$dest/dist/"
for t in $tests; do cp "$build/tests/$t" "$dest/dist/"; done
for exe in hashscope $tests; do
  ldd "$dest/dist/$exe" | awk '/=> \// {print $3}'
done | sort -u | grep -v -E '/(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so' | while read -r lib; do cp -L "$lib" "$dest/dist/lib/"; done
for exe in hashscope $tests; do strip "$dest/dist/$exe"; done
(cd "$dest" && tar cJf dist.tar.xz dist && rm -rf dist)
du -sh "$dest"

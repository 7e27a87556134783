#!/usr/bin/env bash
# Packs support-bundle-2026-11-20T14_03_12/ into fastapi-k8s-bundle.tar.gz the way
# troubleshoot archives a bundle: one top directory, regular files and relative
# symlinks only, no directory entries. The output is byte-for-byte reproducible:
# fixed order, mtime, owner, mode, and no name or timestamp in the gzip header.
#
# Usage: testdata/demo/make-archive.sh   (from any directory)
# Needs GNU tar (on macOS: brew install gnu-tar, then run with TAR=gtar).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bundle="support-bundle-2026-11-20T14_03_12"
out="fastapi-k8s-bundle.tar.gz"
tar_bin="${TAR:-tar}"

if ! "$tar_bin" --version 2>/dev/null | head -n1 | grep -q 'GNU tar'; then
  echo "make-archive.sh: GNU tar is required (set TAR=gtar on macOS)" >&2
  exit 1
fi

cd "$here"
[ -f "$bundle/version.yaml" ] || { echo "make-archive.sh: $here/$bundle not found" >&2; exit 1; }

tmp="$(mktemp "$here/.$out.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

# Files and symlinks only, in C-locale byte order; --no-recursion so that tar
# adds exactly the listed entries (no directory entries).
find "$bundle" ! -type d -print \
  | LC_ALL=C sort \
  | "$tar_bin" --create --file=- \
      --format=gnu \
      --no-recursion --verbatim-files-from --files-from=- \
      --sort=name \
      --mtime='2026-11-20 14:03:12Z' \
      --owner=0 --group=0 --numeric-owner \
      --mode='u+rw,go+r,go-w' \
  | gzip -n -9 > "$tmp"

chmod 0644 "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
echo "$here/$out"

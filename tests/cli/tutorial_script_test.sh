#!/usr/bin/env bash
# scripts/tutorial without network: the data lookup order, the checksum check
# against a manifest, extracting a local archive, and the no-network message.
# Usage: tutorial_script_test.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

PETAL_TUTORIAL_SOURCE_ONLY=1 source "$src/scripts/tutorial"
set +e  # each check tests return codes itself
unset PETAL_DATA PETAL_SKIP_VERIFY

# A fake dataset of three "images" and its mini-manifest.
make_dataset() {
  mkdir -p "$1/jpg"
  for n in 0001 0002 0081; do head -c 300 /dev/urandom > "$1/jpg/image_$n.jpg"; done
}
make_dataset "$work/ref"
(cd "$work/ref" && sha256sum jpg/image_*.jpg) > "$work/mini.sha256"
export PETAL_FLOWERS17_MANIFEST="$work/mini.sha256"

# --- checksum verification
verify_flowers17 "$work/ref" >/dev/null || fail "a matching copy should verify"
cp -r "$work/ref" "$work/bad"
printf 'x' >> "$work/bad/jpg/image_0002.jpg"
out=$(verify_flowers17 "$work/bad" 2>&1) && fail "a changed image should not verify"
echo "$out" | grep -q "jpg/image_0002.jpg: FAILED" || fail "the message should name the changed image: $out"
echo "$out" | grep -q "1 of 3 files differ or are missing" || fail "the message should count: $out"
rm "$work/bad/jpg/image_0081.jpg"
out=$(verify_flowers17 "$work/bad" 2>&1) && fail "a missing image should not verify"
echo "$out" | grep -q "2 of 3 files differ" || fail "missing files count too: $out"
PETAL_SKIP_VERIFY=1 verify_flowers17 "$work/bad" >/dev/null || fail "PETAL_SKIP_VERIFY=1 skips the check"
# The committed manifest lists the 1360 images of the archive.
[ "$(grep -c . "$src/scripts/flowers17.sha256")" = 1360 ] || fail "scripts/flowers17.sha256 should list 1360 images"
grep -q "  jpg/image_1360.jpg$" "$src/scripts/flowers17.sha256" || fail "the manifest should end at image_1360"

# --- lookup order: $PETAL_DATA, ./data/flowers17, ../shared/data/flowers17
mkdir -p "$work/repo" "$work/shared/data"
cd "$work/repo"
find_flowers17 >/dev/null && fail "nothing should be found yet"
make_dataset "$work/shared/data/flowers17"
[ "$(find_flowers17)" = "../shared/data/flowers17" ] || fail "../shared/data/flowers17 should be found"
make_dataset "$work/repo/data/flowers17"
[ "$(find_flowers17)" = "./data/flowers17" ] || fail "./data/flowers17 comes before ../shared"
PETAL_DATA="$work/ref" find_flowers17 | grep -qx "$work/ref" || fail "PETAL_DATA comes first"
mkdir -p "$work/parent" && cp -r "$work/ref" "$work/parent/flowers17"
PETAL_DATA="$work/parent" find_flowers17 | grep -qx "$work/parent/flowers17" || fail "PETAL_DATA/flowers17 is looked at"
PETAL_DATA="$work/nothing" find_flowers17 | grep -qx "./data/flowers17" || fail "a PETAL_DATA without images falls through"

# --- a local archive is extracted and checked; no network is needed
rm -rf "$work/repo/data/flowers17" "$work/shared/data/flowers17"
tar -czf "$work/repo/data/17flowers.tgz" -C "$work/ref" jpg
got=$(fetch_flowers17 2>/dev/null) || fail "the local archive should be extracted"
[ "$got" = "./data/flowers17" ] && [ -f data/flowers17/jpg/image_0081.jpg ] || fail "extracted into ./data/flowers17"
# An archive whose images do not match is refused and not left behind.
rm -rf data/flowers17
tar -czf data/17flowers.tgz -C "$work/bad" jpg
out=$(fetch_flowers17 2>&1) && fail "a bad archive should be refused"
echo "$out" | grep -q "fail the checksum check" || fail "the refusal should say why: $out"
[ ! -e data/flowers17 ] || fail "a refused archive should not leave data/flowers17"

# --- no network: a clear message saying what to do
rm -f data/17flowers.tgz
out=$(PETAL_FLOWERS17_URL="file://$work/no/such/17flowers.tgz" fetch_flowers17 2>&1) && fail "the download should fail"
echo "$out" | grep -q "could not download Flowers-17" || fail "no-network message missing: $out"
echo "$out" | grep -q "./data/17flowers.tgz" || fail "the message should say where to put the archive: $out"
echo "$out" | grep -q "PETAL_DATA=" || fail "the message should mention PETAL_DATA: $out"
[ ! -e data/17flowers.tgz.part ] || fail "a failed download should leave no partial file"

# --- run directories are never overwritten
mkdir -p runs/tutorial runs/tutorial-2
[ "$(next_run_dir)" = "runs/tutorial-3" ] || fail "next_run_dir should skip taken names"
echo "tutorial script checks passed"

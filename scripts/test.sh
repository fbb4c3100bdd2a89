#!/usr/bin/env bash
# Every test suite of KeystoneDB, in order, stopping at the first failure:
#
#   cli-wasi  the kstone CLI built for wasm32-wasip1, run under wasmtime
#             (first: the CLI's integration tests in `rust` run this build)
#   rust      cargo test --workspace (native)
#   wasi      the engine's tests built for wasm32-wasip1, run under wasmtime
#   serve     `kstone serve` driven by the AWS SDK for JavaScript v3
#   build     the wasm package (npm run build)
#   node      the Node tests of the package (node --test; builds the native CLI)
#   browser   the headless-Chromium tests (node --test, playwright-core)
#
# `scripts/test.sh node browser` runs only the named suites (the ones that
# need the wasm package build it first). Run scripts/setup.sh before (npm test does).
set -euo pipefail
# shellcheck source=tools.sh
source "$(dirname "$0")/tools.sh"
cd "$KSTONE_ROOT"
WASMTIME="$(kstone_wasmtime)"
export WASMTIME

all=(cli-wasi rust wasi serve build node browser)
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=("${all[@]}")
for name in "${wanted[@]}"; do
    [[ " ${all[*]} " == *" $name "* ]] || { echo "test.sh: unknown suite '$name' (have: ${all[*]})" >&2; exit 2; }
done
# The JS suites run against the built package.
if [[ " ${wanted[*]} " =~ " "(node|browser)" " ]] && [[ " ${wanted[*]} " != *" build "* ]]; then
    wanted=(build "${wanted[@]}")
fi

suite_rust()    { cargo test --workspace; }
suite_wasi()    { cargo test -p kstone-engine --target wasm32-wasip1; }
suite_cli_wasi() {
    cargo build -p kstone-cli --target wasm32-wasip1
    local wasm="$KSTONE_TARGET_DIR/wasm32-wasip1/debug/kstone.wasm"
    local out
    out="$(scripts/wasi-run.sh "$wasm" --version)"
    echo "$out"
    [[ "$out" == kstone\ * ]] || { echo "unexpected output from kstone --version under wasmtime" >&2; return 1; }
}
suite_serve()   { cargo build -p kstone-cli && KSTONE_BIN="$KSTONE_TARGET_DIR/debug/kstone" node --test --test-reporter=spec tests/serve/*.test.mjs; }
suite_build()   { bash scripts/build-wasm.sh; }
# The Node tests include files exchanged with the native CLI.
suite_node()    { cargo build -p kstone-cli && KSTONE_BIN="$KSTONE_TARGET_DIR/debug/kstone" node --test --test-reporter=spec wasm/test/node/*.test.mjs; }
# One browser at a time: each test starts its own Chromium, and two cores are
# better spent on one.
# The OPFS export test opens the browser's export in the native CLI.
suite_browser() {
    cargo build -p kstone-cli
    KSTONE_BIN="$KSTONE_TARGET_DIR/debug/kstone" node --test --test-reporter=spec --test-concurrency=1 wasm/test/browser/*.test.mjs
}

passed=0
timings=()
started_all=$SECONDS
for name in "${wanted[@]}"; do
    echo
    echo "================================================================"
    echo "== suite $((passed + 1))/${#wanted[@]}: $name"
    echo "================================================================"
    started=$SECONDS
    if ! "suite_${name//-/_}"; then
        echo
        echo "FAILED: suite '$name' (after $((SECONDS - started)) s)"
        echo "suites: $passed passed, 1 failed"
        exit 1
    fi
    passed=$((passed + 1))
    timings+=("$name $((SECONDS - started))s")
done
echo
echo "npm test finished in $((SECONDS - started_all)) s (${timings[*]})"
echo "suites: $passed passed, 0 failed"

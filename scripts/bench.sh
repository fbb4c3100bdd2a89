#!/usr/bin/env bash
# The benchmark suite: KeystoneDB against fjall, redb, SQLite and Dynoxide,
# measured in the same run (see bench/src/main.rs and the README section
# "Benchmarks").
#
#   scripts/bench.sh [--quick] [kstone-bench arguments]        native, every store
#   scripts/bench.sh wasi [--quick] [kstone-bench arguments]   KeystoneDB under wasmtime vs native
#   scripts/bench.sh startup                                   `kstone get` startup, native and under wasmtime
#
# --quick shrinks every size that is not set in the environment, for a run of
# about a minute. Sizes: KSTONE_BENCH_N, _BATCH, _SINGLE_N, _SYNC_N, _WRITERS,
# _GETS, _BIG_GB, _ITEMS; KSTONE_BENCH_DIR puts the databases somewhere other
# than the system temp directory.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

mode=native
if [ "${1:-}" = "wasi" ]; then mode=wasi; shift; fi
if [ "${1:-}" = "startup" ]; then mode=startup; shift; fi
if [ "${1:-}" = "--quick" ]; then
    shift
    : "${KSTONE_BENCH_N:=100000}" "${KSTONE_BENCH_SYNC_N:=300}" "${KSTONE_BENCH_BIG_GB:=0.1}" "${KSTONE_BENCH_ITEMS:=10000}"
    export KSTONE_BENCH_N KSTONE_BENCH_SYNC_N KSTONE_BENCH_BIG_GB KSTONE_BENCH_ITEMS
fi

find_wasmtime() {
    if [ -n "${WASMTIME:-}" ]; then echo "$WASMTIME"; return; fi
    if [ -f "$root/scripts/tools.sh" ]; then
        # shellcheck source=/dev/null
        (source "$root/scripts/tools.sh" && kstone_wasmtime) && return
    fi
    if command -v wasmtime >/dev/null; then command -v wasmtime; return; fi
    local cached
    cached="$(ls -d "${XDG_CACHE_HOME:-$HOME/.cache}"/keystonedb/tools/wasmtime-*/wasmtime_cli/wasmtime 2>/dev/null | tail -1 || true)"
    echo "${cached:-wasmtime}"
}

# Startup of the CLI (wasi-cli/benches/startup.rs): release builds, native and
# wasm32-wasip1, timed against spawn baselines measured in the same run.
if [ "$mode" = startup ]; then
    cli_target="${CARGO_TARGET_DIR:-$root/target}"
    cargo build --release --locked -p kstone-cli --target wasm32-wasip1 --manifest-path "$root/Cargo.toml"
    KSTONE_WASM="$cli_target/wasm32-wasip1/release/kstone.wasm" WASMTIME="$(find_wasmtime)" \
        exec cargo bench --locked -p kstone-cli --bench startup --manifest-path "$root/Cargo.toml"
fi

# The bench is a workspace of its own (so the main workspace never builds
# the peers); its build goes to CARGO_TARGET_DIR if set, else under the
# main target directory.
target_dir="${CARGO_TARGET_DIR:-$root/target/bench}"
cargo build --release --locked --manifest-path "$root/bench/Cargo.toml" --target-dir "$target_dir"
native="$target_dir/release/kstone-bench"

if [ "$mode" = native ]; then
    exec "$native" "$@"
fi

wasmtime="$(find_wasmtime)"
[ -x "$wasmtime" ] || command -v "$wasmtime" >/dev/null || {
    echo "bench: wasmtime not found (scripts/setup.sh installs it, or set WASMTIME)" >&2
    exit 127
}
cargo build --release --locked --manifest-path "$root/bench/Cargo.toml" --target-dir "$target_dir" \
    --target wasm32-wasip1 --no-default-features
wasm="$target_dir/wasm32-wasip1/release/kstone-bench.wasm"
exec "$native" --stores kstone --groups seq,main,single,durable,big,items --wasi "$wasm" --wasmtime "$wasmtime" "$@"

#!/usr/bin/env bash
# Cargo's runner for wasm32-wasip1 (see .cargo/config.toml): runs a WASI
# binary under wasmtime, so `cargo test --target wasm32-wasip1` and
# `cargo run --target wasm32-wasip1` work like their native forms.
#
# WASI programs see only the directories they are given. Each run gets a fresh
# host directory mounted as /tmp (and TMPDIR=/tmp), so `std::env::temp_dir()`
# works in tests and parallel runs never share files; it is removed afterwards.
# KSTONE_WASI_DIR=<host dir> mounts one more directory as the guest's current
# directory, for running the CLI on real files.
set -euo pipefail
# shellcheck source=tools.sh
source "$(dirname "$0")/tools.sh"

wasm="$1"; shift
wasmtime="$(kstone_wasmtime)"
[ -x "$wasmtime" ] || { echo "wasi-run: wasmtime not found; run scripts/setup.sh" >&2; exit 127; }

guest_tmp="$(mktemp -d "${TMPDIR:-/tmp}/kstone-wasi.XXXXXX")"
trap 'rm -rf "$guest_tmp"' EXIT

args=(run --dir "$guest_tmp::/tmp" --env TMPDIR=/tmp)
if [ -n "${KSTONE_WASI_DIR:-}" ]; then args+=(--dir "$KSTONE_WASI_DIR::."); fi
for name in RUST_BACKTRACE RUST_TEST_THREADS PROPTEST_CASES PROPTEST_MAX_SHRINK_ITERS; do
    if [ -n "${!name:-}" ]; then args+=(--env "$name=${!name}"); fi
done
"$wasmtime" "${args[@]}" -- "$wasm" "$@"

#!/usr/bin/env bash
# Builds the fuzz targets of fuzz/ (cargo-fuzz, libFuzzer) and runs each for a bounded time
# (FUZZ_SECONDS, 60 by default; 0 skips fuzzing), starting from the seeds in fuzz/corpus/<target>/. Fails when
# a target panics, breaks one of its properties or hangs; what made it fail is kept in
# fuzz/artifacts/<target>/, and `cargo fuzz run <target> <file>` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
if [ "$seconds" = 0 ]; then
  echo "FUZZ_SECONDS=0: no fuzzing"
  exit 0
fi
# cargo-fuzz asks rustc for unstable flags; the stable toolchain grants them with this, and no
# nightly is needed (nor can one be fetched where CI runs).
export RUSTC_BOOTSTRAP=1
# Instrumented builds never share artifacts with the normal ones: a target folder of their own,
# beside the normal one when it is set (so a kept build cache serves both).
target_dir="${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}/fuzz}"
# No sanitizer: our crates deny unsafe code, so what is looked for is panics and broken
# properties, and without ASan the build is shorter and each second tries more inputs.
# The dev profile (see fuzz/Cargo.toml): debug assertions on, so an overflow is a crash too.
flags=(--dev --sanitizer none --target-dir "$target_dir")

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "installing cargo-fuzz from crates.io"
  cargo install cargo-fuzz --version 0.13.2 --locked --quiet
fi

started=$(date +%s)
cargo fuzz build "${flags[@]}"
echo "fuzz targets built in $(( $(date +%s) - started )) s"

failed=()
for target in $(cargo fuzz list); do
  # New inputs the fuzzer finds go beside the build, not into the committed seeds.
  found="$target_dir/corpus/$target"
  mkdir -p "$found"
  echo "fuzzing $target for $seconds s"
  if ! cargo fuzz run "${flags[@]}" "$target" "$found" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1; then
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzzed ${seconds} s each, no crash; $(( $(date +%s) - started )) s in all"

#!/usr/bin/env bash
# Runs every check graphwalk has, in order, and prints a summary of what ran and how many tests passed.
# Exits non-zero if anything failed. Run through `make test`, which installs what is missing first.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_OFFLINE=true
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-120}

logs=target/test-logs
mkdir -p "$logs"
results=()
failed=0

# Counts passed tests in a log: cargo's "test result: ok. N passed" lines, or node's "# pass N".
count_tests() {
  local log=$1
  if grep -q '^test result:' "$log"; then
    grep '^test result:' "$log" | sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/' |
      awk '{p+=$1; f+=$2} END {printf "%d passed, %d failed", p, f}'
  elif grep -q '^# pass' "$log"; then
    printf '%s passed, %s failed' "$(awk '/^# pass/ {print $3}' "$log")" "$(awk '/^# fail/ {print $3}' "$log")"
  fi
}

run() {
  local name=$1
  shift
  local log="$logs/$(echo "$name" | tr ' /' '__').log"
  printf '\n\033[1m==> %s\033[0m\n    $ %s\n' "$name" "$*"
  local start=$SECONDS
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local took=$((SECONDS - start))
  local counts
  counts=$(count_tests "$log")
  if [ "$status" -eq 0 ]; then
    results+=("PASS  $name (${took}s)${counts:+: $counts}")
  else
    results+=("FAIL  $name (${took}s)${counts:+: $counts}; log: $log")
    failed=1
  fi
}

# The pure crates and the app; the native server crate cannot build for wasm32.
wasm_packages=(--workspace --exclude sandbox-server)
[ -d crates/sandbox-server ] || wasm_packages=(--workspace)

run "format" cargo fmt --all --check
run "clippy (native)" cargo clippy --workspace --all-targets -- -D warnings
run "clippy (wasm32)" cargo clippy "${wasm_packages[@]}" --all-targets --target wasm32-unknown-unknown -- -D warnings
# The app as the site builds it: without the linked tenant, which it loads as a module of its own instead.
run "clippy (wasm32, site build)" cargo clippy -p graphwalk --no-default-features --target wasm32-unknown-unknown -- -D warnings
# --nocapture lets the figures the fuzz and export tests count (cases run, payloads tried) reach the log.
run "native tests" cargo test --workspace -- --nocapture
# --nocapture lets the reliability tests' figures (bad input, injection) reach the log.
run "browser tests (Chromium)" env -u GECKODRIVER CHROMEDRIVER="$(command -v chromedriver)" \
  cargo test -p graphwalk --target wasm32-unknown-unknown -- --nocapture
run "browser tests (Firefox)" env -u CHROMEDRIVER GECKODRIVER="$(command -v geckodriver)" \
  cargo test -p graphwalk --target wasm32-unknown-unknown -- --nocapture
run "release build" trunk build --release
# The live-mode end-to-end tests start this server and run the tutorials against it over HTTP.
run "sandbox server build" cargo build -p sandbox-server
run "end-to-end tests (Playwright, Chromium)" node --test --test-concurrency=1 e2e/*.test.mjs

# What the reliability and security tests measured, gathered from the logs above.
printf '\n\033[1mFigures\033[0m\n'
# The fuzz and bash-export figures are what those tests counted as they ran (printed before any failure).
grep -hoE '(sandbox fuzz|injection) \((random requests|random sequences|bash export)\): .*' \
  "$logs/native_tests.log" 2>/dev/null | sed 's/^/  /'
for log in "$logs"/browser_tests_*.log; do
  [ -f "$log" ] || continue
  browser=$(basename "$log" .log | sed -E 's/.*\((.*)\)/\1/; s/browser_tests_//; s/[()]//g')
  grep -hoE '(bad input|injection) \([^)]*\): .*' "$log" | sed "s/^/  [$browser] /"
done
grep -hoE '(chaos|interruption) access-package[^:]*: .*|embed: .*|csp: .*|sign-in: .*|accessibility \([^)]*\): .*' "$logs"/end-to-end*.log 2>/dev/null | sed 's/^/  /'

printf '\n\033[1mSummary\033[0m\n'
printf '  %s\n' "${results[@]}"
exit $failed

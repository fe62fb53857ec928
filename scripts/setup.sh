#!/usr/bin/env bash
# Installs what graphwalk needs to build and test, skipping whatever is already there at the right version.
# Everything comes from the package registries (crates.io, npm, Debian); nothing downloads a prebuilt binary.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

TRUNK_VERSION=0.21.14
GECKODRIVER_VERSION=0.37.1

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
ok() { printf '    %s\n' "$*"; }
fail() {
  printf '\033[31msetup failed: %s\033[0m\n' "$1" >&2
  printf 'What to do: %s\n' "$2" >&2
  exit 1
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else return 1
  fi
}

# The wasm-bindgen version is whatever Cargo.lock pins; the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

step "Rust target wasm32-unknown-unknown"
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  ok "already installed"
else
  rustup target add wasm32-unknown-unknown ||
    fail "rustup could not add the wasm32-unknown-unknown target" "check that rustup works and can reach its dist server"
fi

step "Browsers and tools: Chromium, ChromeDriver, Firefox, curl, jq (Debian packages)"
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v firefox >/dev/null || command -v firefox-esr >/dev/null || missing+=(firefox-esr)
# The curl export's tests run the exported script, which calls curl and jq.
command -v curl >/dev/null || missing+=(curl)
command -v jq >/dev/null || missing+=(jq)
if [ ${#missing[@]} -eq 0 ]; then
  ok "already installed: $(chromium --version 2>/dev/null | head -1), $(curl --version | head -1 | cut -d' ' -f1-2), $(jq --version)"
else
  ok "installing ${missing[*]}"
  { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"; } ||
    fail "apt-get could not install ${missing[*]}" "run: sudo apt-get install -y ${missing[*]}"
fi

step "Node.js and npm"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm; } ||
    fail "Node.js is missing and apt-get could not install it" "install Node.js 18 or newer"
fi
ok "node $(node --version), npm $(npm --version)"

step "npm packages (MSAL.js, playwright-core, binaryen) from package-lock.json"
stamp=node_modules/.graphwalk-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  ok "up to date"
else
  npm ci --no-audit --no-fund || fail "npm ci failed" "check that the npm registry is reachable, then run: npm ci"
  echo "$want" >"$stamp"
fi

step "Trunk $TRUNK_VERSION"
if [ "$(trunk --version 2>/dev/null)" = "trunk $TRUNK_VERSION" ]; then
  ok "already installed"
else
  # 0.22 needs a newer rustc than this toolchain; 0.21.14 is the last that builds here.
  ok "building from crates.io (takes several minutes, once)"
  cargo install "trunk@$TRUNK_VERSION" --locked ||
    fail "cargo install trunk@$TRUNK_VERSION failed" "read the compiler output above; a C compiler (gcc) must be installed"
fi

WBG=$(wasm_bindgen_version)
[ -n "$WBG" ] || fail "no wasm-bindgen in Cargo.lock" "run: cargo generate-lockfile"
step "wasm-bindgen-cli $WBG (must equal Cargo.lock's wasm-bindgen)"
if [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $WBG" ] &&
  command -v wasm-bindgen-test-runner >/dev/null; then
  ok "already installed"
else
  ok "building from crates.io (takes several minutes, once)"
  # A --locked install can fail when the registry lacks one of its pinned dependencies; fall back.
  cargo install "wasm-bindgen-cli@$WBG" --locked ||
    cargo install "wasm-bindgen-cli@$WBG" ||
    fail "cargo install wasm-bindgen-cli@$WBG failed" "read the compiler output above"
fi

step "geckodriver (for the Firefox test run)"
gecko=$(geckodriver --version 2>/dev/null || true)
if [[ "$gecko" == geckodriver\ * ]]; then
  ok "already installed: ${gecko%%$'\n'*}"
else
  cargo install "geckodriver@$GECKODRIVER_VERSION" --locked ||
    cargo install "geckodriver@$GECKODRIVER_VERSION" ||
    fail "cargo install geckodriver failed" "read the compiler output above"
fi

step "Rust dependencies (cargo fetch, so builds can run offline)"
cargo fetch --quiet || fail "cargo fetch failed" "check that crates.io is reachable"
ok "done"

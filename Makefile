# graphwalk: `make serve` to run the app, `make test` to check everything.
# Both install what is missing first (see scripts/setup.sh); a second run installs nothing.

SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export TRUNK_OFFLINE := true

# Where the site will live when hosted under a sub-path, e.g. `make build PUBLIC_URL=/graphwalk/`.
PUBLIC_URL ?= /

.PHONY: setup serve build test soak bench clean-dist

setup:
	@scripts/setup.sh

serve: setup
	# No live-reload script: the page's Content-Security-Policy allows only the inline loader it was built with.
	trunk serve --no-autoreload

build: setup
	trunk build --release --public-url "$(PUBLIC_URL)"

test: setup
	@scripts/test.sh

# The fault and interruption runs at full size: 50 runs of each built-in tutorial against a faulty sandbox.
soak: setup
	trunk build --release
	GRAPHWALK_SOAK_RUNS=$${GRAPHWALK_SOAK_RUNS:-50} node --test --test-concurrency=1 e2e/chaos.test.mjs e2e/interruption.test.mjs

clean-dist:
	rm -rf dist

# Builds the release site and prints size, load, run, memory and engine figures (also in bench/results.md).
bench: setup
	trunk build --release
	node bench/browser.mjs

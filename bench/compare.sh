#!/usr/bin/env bash
# Measures two builds side by side: the site as it was at REV, and as it is in the working tree. The two are
# measured in turns (old, new, old, new, ...) so that the machine's drift over the hour hits both alike.
#
#   bench/compare.sh REV [ROUNDS]      (ROUNDS defaults to 2; BENCH_LOADS / BENCH_RUNS apply as for make bench)
#
# Prints, for each round, the lines of the two reports that differ; the reports stay in the folder it names.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/compare.sh REV [ROUNDS]" >&2; exit 2; }
rev=$1
rounds=${2:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_OFFLINE=true
work=$(mktemp -d /tmp/graphwalk-compare.XXXXXX)

git -C "$root" worktree add --quiet --detach "$work/old" "$rev"
trap 'git -C "$root" worktree remove --force "$work/old"' EXIT
ln -s "$root/node_modules" "$work/old/node_modules"
echo "building $rev"
(cd "$work/old" && CARGO_TARGET_DIR="$root/target/compare" trunk build --release --dist "$work/dist-old" >"$work/build-old.log" 2>&1)
echo "building the working tree"
(cd "$root" && trunk build --release --dist "$work/dist-new" >"$work/build-new.log" 2>&1)

for round in $(seq "$rounds"); do
  for side in old new; do
    echo "round $round: $side"
    GRAPHWALK_DIST="$work/dist-$side" BENCH_RESULTS="$work/$side-$round.md" node "$root/bench/browser.mjs" >/dev/null
  done
  echo "--- round $round: $rev (left) and the working tree (right), lines that differ"
  diff --side-by-side --suppress-common-lines --width=220 "$work/old-$round.md" "$work/new-$round.md" || true
done
echo "reports: $work"

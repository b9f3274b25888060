#!/usr/bin/env bash
# Install size and first `scripts/setup` time of a commit, in a throwaway copy (not a timed test).
#   benchmarks/bench_install.sh [COMMIT]     (default HEAD; the copy goes under /tmp and is removed)
# pip reads the wheels from the local mirrors configured on this machine, so this measures a warm
# cache: unpacking and installing, not downloading.
set -euo pipefail
cd "$(dirname "$0")/.."
commit=${1:-HEAD}
work=$(mktemp -d /tmp/bench-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
git archive "$commit" | tar -x -C "$work"
start=$(date +%s.%N)
"$work/scripts/setup" >/dev/null
end=$(date +%s.%N)
size=$(du -sm "$work/.venv" | cut -f1)
torch=$("$work/.venv/bin/python" -c 'import importlib.util as u; print("yes" if u.find_spec("torch") else "no")')
printf 'install %s: first scripts/setup %.0f s, .venv %s MB, torch installed: %s\n' \
  "$(git rev-parse --short "$commit")" "$(echo "$end - $start" | bc)" "$size" "$torch"

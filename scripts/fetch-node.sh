#!/usr/bin/env bash
# Usage: scripts/fetch-node.sh <arch> <major>    e.g. scripts/fetch-node.sh x64 18
#
# Prints the prefix of an official Node build (bin/node, include/node) for
# linux-<arch>, major version <major>, taken from the npm registry's
# node-linux-<arch> package (the official tarball repackaged), so that only
# the npm registry is needed. Cached in .cache/node/linux-<arch>-<major>
# (AIOLOOP_NODE_CACHE overrides .cache/node): a second run fetches nothing.
# Messages go to stderr; stdout is only the prefix.
set -euo pipefail
arch=${1:?usage: fetch-node.sh <x64|arm64> <major>}
major=${2:?usage: fetch-node.sh <x64|arm64> <major>}
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${AIOLOOP_NODE_CACHE:-$root/.cache/node}
dir=$cache/linux-$arch-$major

if [ -f "$dir/.complete" ] && [ -x "$dir/bin/node" ]; then
  echo "fetch-node: node-linux-$arch@$major $(cat "$dir/.complete") from the cache ($dir)" >&2
  echo "$dir"
  exit 0
fi

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.fetch-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "fetch-node: npm pack node-linux-$arch@$major" >&2
# Run outside the repo so that its .npmrc / package.json cannot change what npm does.
(cd "$tmp" && npm pack "node-linux-$arch@$major" --silent --no-audit --no-fund >/dev/null)
tarball=$(ls "$tmp"/*.tgz)
mkdir "$tmp/x"
tar -xzf "$tarball" -C "$tmp/x" --strip-components=1
[ -f "$tmp/x/bin/node" ] || { echo "fetch-node: $tarball holds no bin/node" >&2; exit 1; }
chmod +x "$tmp/x/bin/node"
version=$(node -p "require(process.argv[1]).version.replace(/^v/, \"\")" "$tmp/x/package.json")
echo "$version" > "$tmp/x/.complete"
rm -rf "$dir"
mv "$tmp/x" "$dir"
echo "fetch-node: node-linux-$arch@$version -> $dir" >&2
echo "$dir"

#!/usr/bin/env bash
# The README's first command as a newcomer runs it: a copy of this working tree without
# node_modules or builds, an empty HOME (no user npm config, no ~/.node24, an empty npm cache)
# and the system's PATH (Debian's Node, if any, first). Passes when `./tandem start` installs
# everything, serves the web app and /healthz, and prints where Tandem is running.
#
#   bash scripts/fresh-start-check.sh        (CI runs it from ./tandem test; takes 1-3 minutes)
#
# Only the npm registry and Debian's packages are reached: no compiler and no Node header
# download may be needed (see .npmrc).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
limit=${FRESH_START_TIMEOUT:-900}

work=$(mktemp -d "${TMPDIR:-/tmp}/tandem-fresh-XXXXXX")
home=$(mktemp -d "${TMPDIR:-/tmp}/tandem-home-XXXXXX")
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work" "$home"
}
trap cleanup EXIT

# Tracked and new (not ignored) files: what a clone of this tree would hold.
mkdir -p "$work/tandem"
git -C "$repo" ls-files -z --cached --others --exclude-standard \
  | (cd "$repo" && tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null) \
  | tar -C "$work/tandem" -xf -

# A free port on the loopback interface.
port=
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 40000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "fresh-start: no free port" >&2; exit 1; }

log="$work/start.log"
started=$(date +%s)
(
  cd "$work/tandem"
  # The machine's environment stays (its CA bundle settings reach the registry through a proxy
  # here); what a test run or an earlier install put there goes.
  for name in $(env | sed -n 's/^\(npm_config_[A-Za-z_]*\|TANDEM_[A-Z_]*\|DATABASE_URL\|REDIS_URL\|UPLOAD_DIR\|WEB_DIR\|NODE_OPTIONS\)=.*/\1/p'); do
    unset "$name"
  done
  exec env HOME="$home" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PORT="$port" HOST=127.0.0.1 ./tandem start
) >"$log" 2>&1 &
server=$!

healthy=
while [ $(($(date +%s) - started)) -lt "$limit" ]; do
  if ! kill -0 "$server" 2>/dev/null; then break; fi
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then healthy=yes; break; fi
  sleep 2
done
elapsed=$(($(date +%s) - started))

fail() {
  echo "fresh-start: $*" >&2
  echo "---- ./tandem start output (last 60 lines) ----" >&2
  tail -n 60 "$log" >&2
  exit 1
}
[ -n "$healthy" ] || fail "/healthz did not answer within ${elapsed}s with HOME empty"
curl -fsS "http://127.0.0.1:$port/" | grep -q '<div id="root">' || fail "/ does not serve the web app"
for _ in $(seq 1 10); do grep -q "Tandem is running at http://localhost:$port" "$log" && break; sleep 0.5; done
grep -q "Tandem is running at http://localhost:$port (API docs: /docs)" "$log" \
  || fail "the 'Tandem is running at …' line is missing"
if grep -q 'node-gyp' "$log"; then fail "the install ran node-gyp"; fi
echo "fresh-start: ./tandem start with an empty HOME served /healthz and the web app in ${elapsed}s (Node $("$home/.node24/bin/node" --version 2>/dev/null || echo '?') installed into the empty HOME)"

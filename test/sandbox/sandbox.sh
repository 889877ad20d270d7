#!/usr/bin/env bash
# The local sandbox of real parts on loopback: a whole Kubernetes control plane (etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler, built from the Go module proxy), one
# simulated node run by kwok (its pods become Running, Job pods complete), moto_server, and Gitea
# (a real Git host with an admin user and token, for the pull-request workflow).
# Usage: sandbox.sh up [--no-gitea] | down | status [--no-gitea]
# --no-gitea: without the Git host (the demo needs none; it saves Gitea's C build and start).
# State lives in .sandbox/ at the repository root (git-ignored); .sandbox/env.json tells clients
# where everything is. `up` is idempotent; `down` stops only the processes whose pids it recorded.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state=${CAIRN_SANDBOX_DIR:-$root/.sandbox}
source "$here/versions.env"
cache=${CAIRN_CACHE_DIR:-$HOME/.cache/cairn}
etcd_bin="$cache/bin/etcd-$ETCD_VERSION"
apiserver_bin="$cache/bin/kube-apiserver-$KUBERNETES_VERSION"
kcm_bin="$cache/bin/kube-controller-manager-$KUBERNETES_VERSION"
scheduler_bin="$cache/bin/kube-scheduler-$KUBERNETES_VERSION"
kwok_bin="$cache/bin/kwok-$KWOK_VERSION"
kwok_stages="$cache/kwok-stages-$KWOK_VERSION"
gitea_bin="$cache/bin/gitea-$GITEA_VERSION"
# Gitea built without bindata reads options/, templates/ and public/ from here (build-binaries.sh copies them).
gitea_static="$cache/gitea-$GITEA_VERSION-static"
GITEA_ADMIN=cairn-admin
# The one simulated node. kwok manages only nodes carrying this annotation, so it never touches a
# node it did not mean to.
NODE_NAME=kwok-node-0
# Every process of the sandbox (Gitea unless --no-gitea).
with_gitea=1
[ "${2:-}" = --no-gitea ] && with_gitea=0
PARTS=(moto etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
[ $with_gitea = 1 ] && PARTS+=(gitea)
AWS_REGION_FIXED=us-east-1

say() { echo "sandbox: $*" >&2; }
die() { say "$*"; exit 1; }

alive() { [ -f "$state/$1.pid" ] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

# free_ports N: N distinct free loopback ports, from one python start (each start costs ~0.4 s on a busy machine).
free_ports() {
  python3 -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

show_log_tail() { say "last lines of $state/$1.log:"; tail -n 25 "$state/$1.log" >&2 || true; }

# start NAME CMD...: runs CMD in the background with its own log and pid file.
start() {
  local name=$1; shift
  if [ -f "$state/$name.pid" ] && ! alive "$name"; then
    say "removing stale pid file for $name (pid $(cat "$state/$name.pid") is not running)"
    rm -f "$state/$name.pid"
  fi
  # 9>&-: the daemons must not inherit the lock descriptor, or they would hold the lock forever.
  setsid "$@" >"$state/$name.log" 2>&1 < /dev/null 9>&- &
  echo $! >"$state/$name.pid"
}

# wait_for NAME SECONDS CHECK...: polls CHECK until it succeeds, the process dies, or time runs out.
wait_for() {
  local name=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ! alive "$name"; then show_log_tail "$name"; die "$name exited during start-up"; fi
    if [ $SECONDS -ge $deadline ]; then show_log_tail "$name"; die "$name did not become ready within ${secs}s"; fi
    sleep 0.3
  done
}

ensure_moto() {
  # find_spec looks the modules up without importing them (importing moto takes seconds).
  if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c 'import importlib.util as u, sys
sys.exit(0 if all(u.find_spec(m) for m in ("moto", "flask", "flask_cors")) else 1)' 2>/dev/null; then
    say "installing moto[server] from PyPI"
    python3 -m pip install --quiet 'moto[server]==5.2.1' || die "could not install moto[server] with pip"
  fi
  # Patches moto (change sets record outputs and exports; DynamoDB transactions no longer copy whole tables): see moto-patch/.
  moto_patch=$(bash "$here/moto-patch/apply.sh") || die "could not patch moto (see the message above)"
}

# A moto_server started before the patch (or before a newer patch) runs the old code: restart it.
moto_current() { [ "$(cat "$state/moto.patch" 2>/dev/null)" = "$moto_patch" ]; }

# client_cert NAME SUBJECT: a client certificate signed by the sandbox CA, made once.
client_cert() {
  local d="$state/pki"
  [ -f "$d/$1.crt" ] && return 0
  openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$d/$1.key" -out "$d/$1.csr" 2>/dev/null
  openssl x509 -req -in "$d/$1.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
    -extfile "$d/client.ext" -out "$d/$1.crt" 2>/dev/null
}

make_certs() {
  local d="$state/pki"
  mkdir -p "$d"
  if [ ! -f "$d/ca.crt" ]; then
    say "generating certificates in $d"
    (
      cd "$d"
      openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=cairn-sandbox-ca" -keyout ca.key -out ca.crt 2>/dev/null
      cat >apiserver.ext <<EXT
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth
EXT
      openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout apiserver.key -out apiserver.csr 2>/dev/null
      openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile apiserver.ext -out apiserver.crt 2>/dev/null
      openssl genrsa -out sa.key 2048 2>/dev/null
      openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    )
  fi
  echo "extendedKeyUsage=clientAuth" >"$d/client.ext"
  client_cert admin "/O=system:masters/CN=cairn-admin"
  # The users the apiserver's bootstrap RBAC already grants what these components need.
  client_cert kube-controller-manager "/CN=system:kube-controller-manager"
  client_cert kube-scheduler "/CN=system:kube-scheduler"
  # kwok plays the kubelet of every fake node: it patches node and pod status, leases and events
  # cluster-wide. No bootstrap role grants that (system:node is per node and needs the Node
  # authorizer), so it gets its own name in system:masters, as kwokctl's clusters give it admin.
  client_cert kwok "/O=system:masters/CN=kwok-controller"
}

# write_kubeconfig FILE USER PORT: a kubeconfig for one client certificate of pki/.
write_kubeconfig() {
  cat >"$1" <<KC
apiVersion: v1
kind: Config
clusters:
  - name: sandbox
    cluster:
      server: https://127.0.0.1:$3
      certificate-authority: $state/pki/ca.crt
users:
  - name: $2
    user:
      client-certificate: $state/pki/$2.crt
      client-key: $state/pki/$2.key
contexts:
  - name: sandbox
    context: { cluster: sandbox, user: $2, namespace: default }
current-context: sandbox
KC
}

# api METHOD PATH [BODY]: one request to the apiserver as the admin.
api() {
  local body=()
  [ $# -ge 3 ] && body=(-H 'Content-Type: application/json' --data-binary "$3")
  curl -sf --cacert "$state/pki/ca.crt" --cert "$state/pki/admin.crt" --key "$state/pki/admin.key" \
    -X "$1" "${body[@]}" "https://127.0.0.1:$(cat "$state/apiserver.port")$2"
}
apiserver_ready() { api GET /readyz >/dev/null; }
etcd_ready() { curl -sf "http://127.0.0.1:$(cat "$state/etcd.port")/health" | grep -q '"health":"true"'; }
moto_ready() { curl -sf -o /dev/null "http://127.0.0.1:$(cat "$state/moto.port")/moto-api/"; }
# /healthz is open to anonymous requests on both (their default --authorization-always-allow-paths).
kcm_healthz() { curl -sfk "https://127.0.0.1:$(cat "$state/controller-manager.port")/healthz" | grep -qx ok; }
scheduler_ready() { curl -sfk "https://127.0.0.1:$(cat "$state/scheduler.port")/healthz" | grep -qx ok; }
# The controllers are running once the service-account controller has made the default namespace's account.
kcm_ready() { kcm_healthz && api GET /api/v1/namespaces/default/serviceaccounts/default >/dev/null; }
# kwok is working once the node it manages reports Ready (kwok writes its status and heartbeats).
kwok_ready() {
  api GET "/api/v1/nodes/$NODE_NAME" | python3 -c '
import json, sys
conditions = json.load(sys.stdin).get("status", {}).get("conditions", [])
sys.exit(0 if any(c["type"] == "Ready" and c["status"] == "True" for c in conditions) else 1)'
}

gitea_ready() { curl -sf "http://127.0.0.1:$(cat "$state/gitea.port")/api/healthz" | grep -q '"status": *"pass"'; }

# ready NAME: whether one part answers.
ready() {
  case $1 in
    etcd) etcd_ready ;;
    kube-apiserver) apiserver_ready ;;
    kube-controller-manager) kcm_ready ;;
    kube-scheduler) scheduler_ready ;;
    kwok) kwok_ready ;;
    moto) moto_ready ;;
    gitea) gitea_ready ;;
  esac
}

healthy() {
  local n
  for n in "${PARTS[@]}"; do alive "$n" && ready "$n" || return 1; done
}

# secret BYTES: random URL-safe base64 (what Gitea's own `gitea generate secret` gives).
secret() { openssl rand -base64 "$1" | tr -d '\n=' | tr '+/' '-_'; }

# gitea_cli ARGS...: one Gitea command against the sandbox's app.ini. The sandbox runs as root in
# CI containers, which Gitea refuses unless told it is meant.
gitea_cli() {
  GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT=true GITEA_WORK_DIR="$state/gitea" \
    "$gitea_bin" --config "$state/gitea/app.ini" --work-path "$state/gitea" "$@"
}

# gitea_config PORT: a fresh app.ini (sqlite, install locked, new secrets, no mail, SSH, Actions or
# outside network; webhooks may reach loopback, where cairn listens in the tests).
gitea_config() {
  local g="$state/gitea"
  cat >"$g/app.ini" <<INI
APP_NAME = cairn sandbox
RUN_MODE = prod
WORK_PATH = $g

[database]
DB_TYPE = sqlite3
PATH = $g/data/gitea.db
SQLITE_JOURNAL_MODE = WAL

[repository]
ROOT = $g/repositories
DEFAULT_BRANCH = main

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = $1
DOMAIN = 127.0.0.1
ROOT_URL = http://127.0.0.1:$1/
STATIC_ROOT_PATH = $gitea_static
APP_DATA_PATH = $g/data
OFFLINE_MODE = true
DISABLE_SSH = true
START_SSH_SERVER = false
LFS_START_SERVER = false

[security]
INSTALL_LOCK = true
SECRET_KEY = $(secret 48)
INTERNAL_TOKEN = $(secret 96)

[oauth2]
JWT_SECRET = $(secret 32)

[service]
DISABLE_REGISTRATION = true
ENABLE_NOTIFY_MAIL = false

[mailer]
ENABLED = false

[webhook]
ALLOWED_HOST_LIST = loopback
DELIVER_TIMEOUT = 10

[actions]
ENABLED = false

[packages]
ENABLED = false

[indexer]
ISSUE_INDEXER_TYPE = db

; In-memory queues: a push's webhook leaves about 0.2 s after git push returns, where the default
; on-disk (level) queues took about 0.65 s here. Nothing queued needs to survive a sandbox restart.
[queue]
TYPE = channel

[session]
PROVIDER = memory

[cron.update_checker]
ENABLED = false

[log]
MODE = console
LEVEL = Warn
INI
}

# gitea_up PORT: a fresh Gitea with one admin user, then an API token for it. Runs in the background
# of `up` (migrate and user creation take seconds) while the cluster starts.
gitea_up() {
  local port=$1 g="$state/gitea"
  rm -rf "$g" && mkdir -p "$g/data"
  gitea_config "$port"
  gitea_cli migrate >"$state/gitea-setup.log" 2>&1 || { cat "$state/gitea-setup.log" >&2; die "gitea migrate failed"; }
  local password
  password=$(secret 24)
  gitea_cli admin user create --admin --username "$GITEA_ADMIN" --password "$password" \
    --email "$GITEA_ADMIN@sandbox.invalid" --must-change-password=false >>"$state/gitea-setup.log" 2>&1 \
    || { cat "$state/gitea-setup.log" >&2; die "gitea admin user create failed"; }
  say "starting gitea $GITEA_VERSION on 127.0.0.1:$port"
  GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT=true GITEA_WORK_DIR="$g" \
    start gitea "$gitea_bin" web --config "$g/app.ini" --work-path "$g"
  wait_for gitea 60 gitea_ready
  # A token with every write scope the tests and cairn's Git host client use (repositories, hooks,
  # statuses, pull requests, issue comments, users and organizations).
  local body token
  body='{"name":"cairn-sandbox","scopes":["write:repository","write:issue","write:user","write:organization","write:admin","write:misc","write:notification"]}'
  token=$(curl -sf -u "$GITEA_ADMIN:$password" -H 'Content-Type: application/json' --data-binary "$body" \
    "http://127.0.0.1:$port/api/v1/users/$GITEA_ADMIN/tokens" | python3 -c 'import json, sys; print(json.load(sys.stdin)["sha1"])') \
    || die "could not create a Gitea API token for $GITEA_ADMIN"
  (umask 077 && printf '%s\n%s\n' "$password" "$token" >"$state/gitea.credentials")
}

# The fake node kwok manages: no taint, so ordinary workloads schedule on it as on a real node. It
# takes 1,000 pods (a real node: 110): every demo run leaves its dozen pods behind, and one suite runs
# the demo more than a dozen times in the same sandbox.
create_node() {
  local body
  body=$(cat <<JSON
{"apiVersion":"v1","kind":"Node","metadata":{"name":"$NODE_NAME",
 "annotations":{"kwok.x-k8s.io/node":"fake","node.alpha.kubernetes.io/ttl":"0"},
 "labels":{"kubernetes.io/hostname":"$NODE_NAME","kubernetes.io/os":"linux","kubernetes.io/arch":"amd64","type":"kwok"}},
 "status":{"capacity":{"cpu":"32","memory":"256Gi","pods":"1000"},"allocatable":{"cpu":"32","memory":"256Gi","pods":"1000"}}}
JSON
)
  api GET "/api/v1/nodes/$NODE_NAME" >/dev/null 2>&1 && return 0
  api POST /api/v1/nodes "$body" >/dev/null || die "could not create node $NODE_NAME"
}

up() {
  mkdir -p "$state"
  exec 9>"$state/lock"
  flock 9
  ensure_moto
  if healthy 2>/dev/null && moto_current; then say "already up ($state/env.json)"; return 0; fi
  if healthy 2>/dev/null; then
    say "restarting moto_server on its port: it predates the moto patch"
    stop_group moto
    start moto moto_server -H 127.0.0.1 -p "$(cat "$state/moto.port")"
    wait_for moto 60 moto_ready
    echo "$moto_patch" >"$state/moto.patch"
    return 0
  fi
  # A half-started sandbox from a crash: stop what is left, then start clean.
  stop_all quiet
  # Ctrl-C or TERM while starting: stop whatever has started (every daemon has its own session, so
  # the signal reaches none of them), then exit; nothing is left running.
  trap 'trap - INT TERM; say "interrupted: stopping what was started"; kill $(jobs -p) 2>/dev/null; stop_all quiet; exit 130' INT TERM
  # Only what this start needs is built (build-binaries.sh skips what the cache already has).
  local need=demo
  [ $with_gitea = 1 ] && need=sandbox
  bash "$here/build-binaries.sh" "$need" || die "the sandbox's binaries could not be built (see above)"
  make_certs

  local etcd_port peer_port api_port moto_port kcm_port scheduler_port gitea_port
  read -r etcd_port peer_port api_port moto_port kcm_port scheduler_port gitea_port <<<"$(free_ports 7)"
  etcd_port=${CAIRN_ETCD_PORT:-$etcd_port}; api_port=${CAIRN_APISERVER_PORT:-$api_port}
  moto_port=${CAIRN_MOTO_PORT:-$moto_port}; gitea_port=${CAIRN_GITEA_PORT:-$gitea_port}
  for p in "$etcd_port" "$api_port" "$moto_port" "$gitea_port"; do
    port_in_use "$p" && die "port $p is in use by another process; free it or unset the CAIRN_*_PORT override"
  done
  echo "$etcd_port" >"$state/etcd.port"; echo "$api_port" >"$state/apiserver.port"; echo "$moto_port" >"$state/moto.port"
  echo "$kcm_port" >"$state/controller-manager.port"; echo "$scheduler_port" >"$state/scheduler.port"
  echo "$gitea_port" >"$state/gitea.port"

  # moto takes seconds to import; it starts first and is waited for last.
  say "starting moto_server on 127.0.0.1:$moto_port"
  start moto moto_server -H 127.0.0.1 -p "$moto_port"
  # Gitea sets itself up (migrate, admin user, token) alongside the cluster; waited for at the end.
  rm -f "$state/gitea.credentials"
  local gitea_setup=
  if [ $with_gitea = 1 ]; then
    gitea_up "$gitea_port" 9>&- &
    gitea_setup=$!
  fi

  say "starting etcd $ETCD_VERSION on 127.0.0.1:$etcd_port"
  rm -rf "$state/etcd-data"
  start etcd "$etcd_bin" --name sandbox --data-dir "$state/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "sandbox=http://127.0.0.1:$peer_port" --unsafe-no-fsync --log-level warn
  wait_for etcd 30 etcd_ready

  # --endpoint-reconciler-type none: since v1.37 the apiserver refuses to publish a loopback
  # address as the `kubernetes` Service's endpoint; nothing in the sandbox dials that Service.
  # The ServiceAccount admission plugin is on, as in any real cluster: pods get their account's
  # token volume, and a pod naming an account that does not exist is refused. The controller-manager
  # makes each namespace's `default` account (a ReplicaSet retries until it exists).
  say "starting kube-apiserver $KUBERNETES_VERSION on 127.0.0.1:$api_port"
  start kube-apiserver "$apiserver_bin" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --cert-dir "$state/pki" --tls-cert-file "$state/pki/apiserver.crt" --tls-private-key-file "$state/pki/apiserver.key" \
    --client-ca-file "$state/pki/ca.crt" \
    --service-account-key-file "$state/pki/sa.pub" --service-account-signing-key-file "$state/pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc \
    --service-cluster-ip-range 10.0.0.0/24 --authorization-mode RBAC \
    --enable-priority-and-fairness=false \
    --endpoint-reconciler-type none \
    --event-ttl 10m --v 1
  write_kubeconfig "$state/kubeconfig" admin "$api_port"
  write_kubeconfig "$state/kube-controller-manager.kubeconfig" kube-controller-manager "$api_port"
  write_kubeconfig "$state/kube-scheduler.kubeconfig" kube-scheduler "$api_port"
  write_kubeconfig "$state/kwok.kubeconfig" kwok "$api_port"
  wait_for kube-apiserver 90 apiserver_ready

  say "starting kube-controller-manager and kube-scheduler $KUBERNETES_VERSION, kwok $KWOK_VERSION with node $NODE_NAME"
  local kc="$state/kube-controller-manager.kubeconfig" sc="$state/kube-scheduler.kubeconfig"
  mkdir -p "$state/pki/kube-controller-manager" "$state/pki/kube-scheduler"
  # --use-service-account-credentials: each controller acts as its own service account with its
  # bootstrap role, as kubeadm runs it, so RBAC gaps show up here as they would in a real cluster.
  # --kube-api-qps: at the default 20 requests/s, the namespace controller took over 5 minutes to
  # empty the 1,500 namespaces of one scale-bench run (about a hundred requests each), and the next
  # run shared the apiserver with that deletion.
  start kube-controller-manager "$kcm_bin" --kubeconfig "$kc" \
    --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --bind-address 127.0.0.1 --secure-port "$kcm_port" --cert-dir "$state/pki/kube-controller-manager" \
    --root-ca-file "$state/pki/ca.crt" --service-account-private-key-file "$state/pki/sa.key" \
    --use-service-account-credentials --controllers '*' --leader-elect=false \
    --kube-api-qps 200 --kube-api-burst 400 --concurrent-namespace-syncs 20 \
    --service-cluster-ip-range 10.0.0.0/24 --v 1
  start kube-scheduler "$scheduler_bin" --kubeconfig "$sc" \
    --authentication-kubeconfig "$sc" --authorization-kubeconfig "$sc" \
    --bind-address 127.0.0.1 --secure-port "$scheduler_port" --cert-dir "$state/pki/kube-scheduler" \
    --leader-elect=false --v 1
  create_node
  local stage_args=() f
  for f in "$kwok_stages"/*.yaml; do stage_args+=(-c "$f"); done
  start kwok "$kwok_bin" --kubeconfig "$state/kwok.kubeconfig" "${stage_args[@]}" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --cidr 10.244.0.1/16 --node-ip 127.0.0.1
  wait_for kube-scheduler 60 scheduler_ready
  wait_for kwok 60 kwok_ready
  wait_for kube-controller-manager 90 kcm_ready
  wait_for moto 60 moto_ready
  echo "$moto_patch" >"$state/moto.patch"
  local gitea_json=
  if [ $with_gitea = 1 ]; then
    wait "$gitea_setup" || die "gitea did not start (see $state/gitea.log and $state/gitea-setup.log)"
    local gitea_password gitea_token
    { read -r gitea_password; read -r gitea_token; } <"$state/gitea.credentials"
    gitea_json=$(cat <<JSON
,
  "gitea": {
    "url": "http://127.0.0.1:$gitea_port",
    "version": "$GITEA_VERSION",
    "adminUser": "$GITEA_ADMIN",
    "adminPassword": "$gitea_password",
    "adminToken": "$gitea_token"
  }
JSON
)
  fi

  cat >"$state/env.json" <<JSON
{
  "aws": {
    "endpoint": "http://localhost:$moto_port",
    "region": "$AWS_REGION_FIXED",
    "account": "123456789012",
    "accessKeyId": "testing",
    "secretAccessKey": "testing"
  },
  "kubernetes": {
    "kubeconfig": "$state/kubeconfig",
    "context": "sandbox",
    "server": "https://127.0.0.1:$api_port",
    "version": "$KUBERNETES_VERSION",
    "nodes": ["$NODE_NAME"]
  },
  "etcd": { "endpoint": "http://127.0.0.1:$etcd_port", "version": "$ETCD_VERSION" },
  "kwok": { "version": "$KWOK_VERSION" }$gitea_json
}
JSON
  trap - INT TERM
  say "up: $state/env.json"
}

# stop_group NAME...: stops these recorded processes at once (TERM to each process group, KILL
# after 10 s).
stop_group() {
  local n pid pids=()
  for n in "$@"; do
    [ -f "$state/$n.pid" ] || continue
    pid=$(cat "$state/$n.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  local left
  for _ in $(seq 1 100); do
    left=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && left=1; done
    [ $left = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; done
  for n in "$@"; do rm -f "$state/$n.pid"; done
}

# stop_all [quiet]: everything but etcd at once, then etcd: the apiserver hangs in its shutdown
# when etcd goes first, and one at a time took 2-3 s each.
stop_all() {
  stop_group kwok kube-scheduler kube-controller-manager moto gitea kube-apiserver
  stop_group etcd
  rm -f "$state/env.json" "$state"/*.port "$state"/*kubeconfig "$state/gitea.credentials"
  [ "${1:-}" = quiet ] || say "down"
}

# down: no process and no cluster state left; the certificates and the last logs stay for the next up.
down() {
  [ -d "$state" ] || { say "down (nothing was running)"; return 0; }
  exec 9>"$state/lock"
  flock 9
  stop_all
  rm -rf "$state/etcd-data" "$state/gitea"
}

status() {
  local rc=0 n
  for n in "${PARTS[@]}"; do
    if alive "$n"; then
      local ok=down
      ready "$n" 2>/dev/null && ok=ready
      printf '%-24s pid %-8s port %-6s %s\n' "$n" "$(cat "$state/$n.pid")" "$(cat "$state/${n#kube-}.port" 2>/dev/null || echo -)" "$ok"
      [ "$ok" = ready ] || rc=1
    else
      printf '%-24s %s\n' "$n" "not running"; rc=1
    fi
  done
  [ -f "$state/env.json" ] && echo "env: $state/env.json"
  return $rc
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: sandbox.sh up|down|status" >&2; exit 2 ;;
esac

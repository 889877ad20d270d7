#!/usr/bin/env bash
# The local sandbox of real parts on loopback: etcd + kube-apiserver (built from the Go module
# proxy) and moto_server. Usage: sandbox.sh up | down | status
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
AWS_REGION_FIXED=us-east-1

say() { echo "sandbox: $*" >&2; }
die() { say "$*"; exit 1; }

alive() { [ -f "$state/$1.pid" ] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

port_in_use() { python3 -c "import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(('127.0.0.1',$1))==0 else 1)"; }

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
  if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c 'import moto, flask, flask_cors' 2>/dev/null; then
    say "installing moto[server] from PyPI"
    python3 -m pip install --quiet 'moto[server]>=5,<6' || die "could not install moto[server] with pip"
  fi
}

make_certs() {
  local d="$state/pki"
  [ -f "$d/admin.crt" ] && return 0
  mkdir -p "$d"
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
    echo "extendedKeyUsage=clientAuth" >client.ext
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=cairn-admin" -keyout admin.key -out admin.csr 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile client.ext -out admin.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
}

write_kubeconfig() {
  cat >"$state/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
  - name: sandbox
    cluster:
      server: https://127.0.0.1:$1
      certificate-authority: $state/pki/ca.crt
users:
  - name: cairn-admin
    user:
      client-certificate: $state/pki/admin.crt
      client-key: $state/pki/admin.key
contexts:
  - name: sandbox
    context: { cluster: sandbox, user: cairn-admin, namespace: default }
current-context: sandbox
KC
}

apiserver_ready() {
  curl -sf --cacert "$state/pki/ca.crt" --cert "$state/pki/admin.crt" --key "$state/pki/admin.key" \
    "https://127.0.0.1:$(cat "$state/apiserver.port")/readyz" >/dev/null
}
etcd_ready() { curl -sf "http://127.0.0.1:$(cat "$state/etcd.port")/health" | grep -q '"health":"true"'; }
moto_ready() { curl -sf -o /dev/null "http://127.0.0.1:$(cat "$state/moto.port")/moto-api/"; }

healthy() { alive etcd && alive kube-apiserver && alive moto && etcd_ready && apiserver_ready && moto_ready; }

up() {
  mkdir -p "$state"
  exec 9>"$state/lock"
  flock 9
  if healthy 2>/dev/null; then say "already up ($state/env.json)"; return 0; fi
  # A half-started sandbox from a crash: stop what is left, then start clean.
  stop_all quiet
  [ -x "$etcd_bin" ] && [ -x "$apiserver_bin" ] || bash "$here/build-binaries.sh"
  ensure_moto
  make_certs

  local etcd_port peer_port api_port moto_port
  etcd_port=${CAIRN_ETCD_PORT:-$(free_port)}; peer_port=$(free_port)
  api_port=${CAIRN_APISERVER_PORT:-$(free_port)}; moto_port=${CAIRN_MOTO_PORT:-$(free_port)}
  for p in "$etcd_port" "$api_port" "$moto_port"; do
    port_in_use "$p" && die "port $p is in use by another process; free it or unset the CAIRN_*_PORT override"
  done
  echo "$etcd_port" >"$state/etcd.port"; echo "$api_port" >"$state/apiserver.port"; echo "$moto_port" >"$state/moto.port"

  say "starting etcd $ETCD_VERSION on 127.0.0.1:$etcd_port"
  rm -rf "$state/etcd-data"
  start etcd "$etcd_bin" --name sandbox --data-dir "$state/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "sandbox=http://127.0.0.1:$peer_port" --unsafe-no-fsync --log-level warn
  wait_for etcd 30 etcd_ready

  say "starting kube-apiserver $KUBERNETES_VERSION on 127.0.0.1:$api_port"
  start kube-apiserver "$apiserver_bin" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --cert-dir "$state/pki" --tls-cert-file "$state/pki/apiserver.crt" --tls-private-key-file "$state/pki/apiserver.key" \
    --client-ca-file "$state/pki/ca.crt" \
    --service-account-key-file "$state/pki/sa.pub" --service-account-signing-key-file "$state/pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc \
    --service-cluster-ip-range 10.0.0.0/24 --authorization-mode RBAC \
    --enable-priority-and-fairness=false --disable-admission-plugins ServiceAccount \
    --event-ttl 10m --v 1
  wait_for kube-apiserver 90 apiserver_ready
  write_kubeconfig "$api_port"

  say "starting moto_server on 127.0.0.1:$moto_port"
  start moto moto_server -H 127.0.0.1 -p "$moto_port"
  wait_for moto 60 moto_ready

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
    "version": "$KUBERNETES_VERSION"
  },
  "etcd": { "endpoint": "http://127.0.0.1:$etcd_port", "version": "$ETCD_VERSION" }
}
JSON
  say "up: $state/env.json"
}

stop_one() {
  local name=$1
  [ -f "$state/$name.pid" ] || return 0
  local pid; pid=$(cat "$state/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$state/$name.pid"
}

stop_all() {
  for n in moto kube-apiserver etcd; do stop_one "$n"; done
  rm -f "$state/env.json"
  [ "${1:-}" = quiet ] || say "down"
}

down() {
  [ -d "$state" ] || { say "down (nothing was running)"; return 0; }
  exec 9>"$state/lock"
  flock 9
  stop_all
  rm -rf "$state/etcd-data"
}

status() {
  local rc=0
  for n in etcd kube-apiserver moto; do
    if alive "$n"; then
      local ok=down
      case $n in
        etcd) etcd_ready && ok=ready ;;
        kube-apiserver) apiserver_ready && ok=ready ;;
        moto) moto_ready && ok=ready ;;
      esac
      printf '%-15s pid %-8s port %-6s %s\n' "$n" "$(cat "$state/$n.pid")" "$(cat "$state/${n#kube-}.port" 2>/dev/null)" "$ok"
      [ "$ok" = ready ] || rc=1
    else
      printf '%-15s %s\n' "$n" "not running"; rc=1
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

#!/usr/bin/env bash
# Several Chunfeng Live nodes on this machine, as a cluster: one Redis, N nodes, nginx in front.
#
#   bash scripts/cluster.sh [N]     (N nodes, 3 by default; Ctrl+C stops them all)
#
# Redis runs with its own data dir, append-only and fsync before every reply; every node gets the
# same REDIS_URL and AUTH_SECRET (generated once into the cluster dir unless set), its own NODE_ID
# (node-1 …), port (CLUSTER_NODE_PORT, 3001, 3002 …), DATA_DIR and WebRTC ports (RTC_PORT + 100 per
# node), and TRUST_PROXY=loopback; they all write and serve HLS in one HLS_DIR (CLUSTER_DIR/hls
# unless set; on several machines, a mount they all share). nginx runs deploy/nginx/cluster.conf
# filled in for them on CLUSTER_PORT (8080). The first node seeds the demo fair (DEMO_DATA, true by default) before the
# others start; the bureau admin's password, when this start created the account, is printed with the
# URL. Logs: CLUSTER_DIR (data/cluster)/*.log. CLUSTER_SKIP_SETUP=1 skips setup and the
# client build (the tests use it). Any other variable (MEDIA_WORKERS, 1 per node here, …) is passed on.
# On several machines each node also needs RTC_ANNOUNCED_ADDRESS (its public address) and, for the
# stage relayed between nodes, PIPE_LISTEN_IP / PIPE_ANNOUNCED_ADDRESS (an IP on the nodes' network)
# with UDP 10000–59999 open between the nodes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CHUNFENG_ROOT"

nodes="${1:-3}"
[[ "$nodes" =~ ^[1-9][0-9]?$ ]] || die "usage: bash scripts/cluster.sh [number of nodes, 1-99]"
port="${CLUSTER_PORT:-8080}"
node_port="${CLUSTER_NODE_PORT:-3001}"
rtc_port="${RTC_PORT:-40000}"
dir="$(mkdir -p "${CLUSTER_DIR:-data/cluster}" && cd "${CLUSTER_DIR:-data/cluster}" && pwd)"
redis_port="${CLUSTER_REDIS_PORT:-6390}"
hls_dir="${HLS_DIR:-$dir/hls}"
mkdir -p "$hls_dir"

if [ "${CLUSTER_SKIP_SETUP:-0}" != 1 ]; then
  bash scripts/setup.sh
  say "building the client"
  npm run build --silent >&2
fi
command -v redis-server >/dev/null || die "redis-server is missing: run npm run setup"
command -v nginx >/dev/null || die "nginx is missing: run npm run setup"

pids=()
stop_all() {
  trap - INT TERM EXIT
  say "stopping the cluster"
  # nginx first (no new connections), then the nodes (each closes cleanly), then Redis.
  [ -n "${nginx_pid:-}" ] && kill -QUIT "$nginx_pid" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${nginx_pid:-}" "${pids[@]}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  [ -n "${redis_pid:-}" ] && kill -TERM "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null || true
  say "stopped"
}
trap stop_all INT TERM EXIT

# Waits until something answers on the port, or gives up naming the log to read.
wait_port() {
  local p="$1" what="$2" log="$3" i
  for i in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && return 0
    sleep 0.1
  done
  die "$what did not start on port $p within 30 s; see $log"
}

mkdir -p "$dir/redis"
# A Redis with no data yet: the first node creates the bureau admin account on this start.
fresh=1
[ -e "$dir/redis/appendonlydir" ] || [ -e "$dir/redis/appendonly.aof" ] && fresh=0
say "Redis on 127.0.0.1:$redis_port (append-only, fsync always, data in $dir/redis)"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --appendonly yes --appendfsync always \
  --save '' --daemonize no >"$dir/redis.log" 2>&1 &
redis_pid=$!
wait_port "$redis_port" Redis "$dir/redis.log"

if [ -z "${AUTH_SECRET:-}" ]; then
  [ -s "$dir/auth-secret" ] || (umask 077 && node -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))' >"$dir/auth-secret")
  AUTH_SECRET="$(cat "$dir/auth-secret")"
fi

start_node() {
  local i="$1" seed="$2" p=$((node_port + $1 - 1))
  mkdir -p "$dir/node-$i"
  HOST=127.0.0.1 PORT="$p" NODE_ID="node-$i" DATA_DIR="$dir/node-$i" HLS_DIR="$hls_dir" REDIS_URL="redis://127.0.0.1:$redis_port" \
    AUTH_SECRET="$AUTH_SECRET" TRUST_PROXY=loopback RTC_PORT=$((rtc_port == 0 ? 0 : rtc_port + (i - 1) * 100)) \
    MEDIA_WORKERS="${MEDIA_WORKERS:-1}" DEMO_DATA="$seed" LOG_PRETTY=false \
    node --import tsx server/src/main.ts >"$dir/node-$i.log" 2>&1 &
  pids+=($!)
}
say "node-1 on 127.0.0.1:$node_port (seeds the demo data when the store is empty)"
start_node 1 "${DEMO_DATA:-true}"
wait_port "$node_port" node-1 "$dir/node-1.log"
for i in $(seq 2 "$nodes"); do
  say "node-$i on 127.0.0.1:$((node_port + i - 1))"
  start_node "$i" false
done
for i in $(seq 2 "$nodes"); do wait_port $((node_port + i - 1)) "node-$i" "$dir/node-$i.log"; done

mkdir -p "$dir/nginx"
# nginx's workers run unprivileged: they must pass through the cluster dir to their cache.
chmod a+x "$dir"
chmod 755 "$dir/nginx"
# The node lists, and per node: its NODE_ID's route and its own upstream (the others as backups).
servers="" named="" per_node=""
for i in $(seq 1 "$nodes"); do
  servers+="    server 127.0.0.1:$((node_port + i - 1)) max_fails=1 fail_timeout=5s;\n"
  named+="    node-$i chunfeng_node_$i;\n"
  per_node+="upstream chunfeng_node_$i {\n    server 127.0.0.1:$((node_port + i - 1)) max_fails=1 fail_timeout=5s;\n"
  for j in $(seq 1 "$nodes"); do [ "$j" = "$i" ] || per_node+="    server 127.0.0.1:$((node_port + j - 1)) backup;\n"; done
  per_node+="}\n"
done
awk -v servers="$servers" -v named="$named" -v per_node="$per_node" '
  /# nodes:begin/ { print; printf "%s", servers; skip = 1; next }
  /# named:begin/ { print; printf "%s", named; skip = 1; next }
  /# node-upstreams:begin/ { print; printf "%s", per_node; skip = 1; next }
  /# (nodes|named|node-upstreams):end/ { skip = 0 }
  !skip { print }' \
  deploy/nginx/cluster.conf \
  | sed -e "s#proxy_cache_path /var/cache/nginx/chunfeng #proxy_cache_path $dir/nginx/cache #" \
        -e "s#listen 80;#listen $port;#" \
        -e "s#access_log /var/log/nginx/chunfeng.access.log #access_log $dir/nginx/access.log #" >"$dir/nginx/site.conf"
cat >"$dir/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log warn;
events { worker_connections 8192; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  client_body_temp_path $dir/nginx/client_body;
  proxy_temp_path $dir/nginx/proxy;
  fastcgi_temp_path $dir/nginx/fastcgi;
  uwsgi_temp_path $dir/nginx/uwsgi;
  scgi_temp_path $dir/nginx/scgi;
  include $dir/nginx/site.conf;
}
EOF
say "nginx on port $port in front of $nodes nodes"
nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" &
nginx_pid=$!
wait_port "$port" nginx "$dir/nginx/error.log"

url="http://localhost:$port"
# The bureau admin's password, printed by the node that created the account (shown only this once):
# the nodes log to files, so it is repeated here. A fresh store waits a moment for the line.
if [ "$fresh" = 1 ] && [ -z "${BUREAU_ADMIN_PASSWORD:-}" ]; then
  for _ in $(seq 1 50); do grep -q 'Bureau admin account created' "$dir"/node-*.log && break; sleep 0.1; done
fi
grep -h -A1 'Bureau admin account created' "$dir"/node-*.log >&2 || true
say "Chunfeng Live cluster: $url ($nodes nodes; logs in $dir; Ctrl+C stops it)"
echo "$url"
# The demo host link node-1 printed, through nginx.
node -e '
  const [log, url] = process.argv.slice(1);
  for (const line of require("fs").readFileSync(log, "utf8").split("\n")) {
    try { const e = JSON.parse(line); if (e.host) console.error(`host studio: ${url}${new URL(e.host).pathname}${new URL(e.host).search}\nviewer: ${url}/watch/demo`); } catch {}
  }' "$dir/node-1.log" "$url" || true
wait "${pids[@]}"

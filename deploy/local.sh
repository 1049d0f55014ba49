#!/usr/bin/env bash
# RNN Lab on one machine: N Streamlit replicas of app.py on free loopback ports, nginx in front on
# 127.0.0.1:PORT with sticky sessions. Runs in the foreground; Ctrl-C or SIGTERM stops every process it started.
#
#   deploy/local.sh [N=2] [PORT=8080]
#
# Environment: PYTHON (default python3), NGINX (default: nginx on PATH, else /usr/sbin/nginx),
# RNNLAB_HEALTH_TIMEOUT (seconds to wait for the replicas, default 90), RNNLAB_KEEP_WORKDIR=1 (keep logs).
set -euo pipefail

N=${1:-2}
PORT=${2:-8080}
if ! [[ $N =~ ^[1-9][0-9]?$ && $PORT =~ ^[1-9][0-9]{0,4}$ ]] || ((PORT > 65535)); then
  echo "usage: $0 [N replicas, 1-99] [PORT]" >&2
  exit 2
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
PYTHON=${PYTHON:-python3}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
TIMEOUT=${RNNLAB_HEALTH_TIMEOUT:-90}
if [[ ! -x $NGINX ]]; then
  echo "nginx not found (apt-get install nginx, or set NGINX=/path/to/nginx)" >&2
  exit 3
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rnnlab-deploy.XXXXXX")
PIDS=()      # every process this script started (replicas, then nginx)
NAMES=()

log() { echo "[local.sh] $*" >&2; }
log "work dir: $WORK"

stopped=0
cleanup() {
  ((stopped)) && return
  stopped=1
  trap '' INT TERM  # a second Ctrl-C must not cut the clean-up short and leave orphans
  local pid i
  # nginx first (TERM = fast shutdown, so open websockets do not hold it), then the replicas (TERM = Streamlit's
  # graceful stop); anything still alive after 15 s gets KILL. Each is our child, so `wait` reaps it.
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${PIDS[i]}" 2>/dev/null || true
  done
  for i in "${!PIDS[@]}"; do
    pid=${PIDS[i]}
    for _ in $(seq 150); do
      kill -0 "$pid" 2>/dev/null || break
      [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; then
      log "${NAMES[i]} (pid $pid) ignored SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  if [[ ${RNNLAB_KEEP_WORKDIR:-} == 1 ]]; then
    log "logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  log "stopped"
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap 'cleanup' EXIT

die() {
  log "$*"
  for f in "$WORK"/*.log; do
    [[ -s $f ]] && { log "--- tail of $(basename "$f")"; tail -n 20 "$f" >&2; }
  done
  exit 1
}

# N free loopback ports (the kernel's choice; a port can be taken between this and the bind: then that
# replica fails its health check and the script exits non-zero).
mapfile -t PORTS < <("$PYTHON" - "$N" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print("\n".join(str(s.getsockname()[1]) for s in socks))
EOF
)

# One secret for all replicas: cookies Streamlit signs (st.login) stay valid if a client moves to another
# replica after a failure. Passed in the environment, not on the command line (visible in ps).
STREAMLIT_SERVER_COOKIE_SECRET=$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')
export STREAMLIT_SERVER_COOKIE_SECRET

cd "$ROOT"  # .streamlit/config.toml is read from the working directory
for ((i = 0; i < N; i++)); do
  RNN_LAB_REPLICA=$i "$PYTHON" -m streamlit run app.py \
    --server.address 127.0.0.1 --server.port "${PORTS[i]}" \
    --server.headless true --browser.gatherUsageStats false --server.fileWatcherType none \
    >"$WORK/replica-$i.log" 2>&1 &
  PIDS+=("$!")
  NAMES+=("replica $i")
  log "replica $i: pid $! on 127.0.0.1:${PORTS[i]}"
done

# Wait until every replica answers /_stcore/health with "ok"; give up if one exits or the time runs out.
fetch() {  # url -> body on stdout
  if command -v curl >/dev/null; then
    curl -fsS --max-time 5 "$1"
  else
    "$PYTHON" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$1"
  fi
}
wait_ok() {  # url pid name
  local deadline=$((SECONDS + TIMEOUT))
  until [[ $(fetch "$1" 2>/dev/null) == ok ]]; do
    if ! kill -0 "$2" 2>/dev/null || [[ $(awk '{print $3}' "/proc/$2/stat" 2>/dev/null) == Z ]]; then
      die "$3 exited before it was healthy"
    fi
    ((SECONDS < deadline)) || die "$3 not healthy after ${TIMEOUT}s"
    sleep 0.2
  done
}
for ((i = 0; i < N; i++)); do
  wait_ok "http://127.0.0.1:${PORTS[i]}/_stcore/health" "${PIDS[i]}" "replica $i"
done
log "all $N replicas healthy"

# nginx's config, from the template.
NG=$WORK/nginx
mkdir -p "$NG/tmp"
servers=""
for p in "${PORTS[@]}"; do
  servers+="        server 127.0.0.1:$p max_fails=2 fail_timeout=10s;"$'\n'
done
user_line="# (not root: workers run as the invoking user)"
if ((EUID == 0)); then
  # As root the workers would drop to nobody, who can read neither this 0700 temp dir nor a package under
  # /root. This runner is for one machine; on a server use a dedicated user (see deploy/README.md).
  user_line="user root;"
fi
mime=/etc/nginx/mime.types  # Debian's; else the one next to this nginx's default config
[[ -r $mime ]] || mime=$(dirname "$("$NGINX" -V 2>&1 | sed -n 's/.*--conf-path=\([^ ]*\).*/\1/p')")/mime.types
[[ -r $mime ]] || die "no mime.types for nginx (looked in /etc/nginx and nginx -V's conf path)"
STATIC_DIR=$("$PYTHON" -c 'import streamlit.file_util as f; print(f.get_static_dir())')
conf=$(<"$HERE/nginx.conf.template")
conf=${conf//@@USER_LINE@@/$user_line}
conf=${conf//@@DIR@@/$NG}
conf=${conf//@@MIME_TYPES@@/$mime}
conf=${conf//@@SERVERS@@/${servers%$'\n'}}
conf=${conf//@@LISTEN@@/127.0.0.1:$PORT}
conf=${conf//@@STATIC_DIR@@/$STATIC_DIR}
printf '%s\n' "$conf" >"$NG/nginx.conf"

nginx_args=(-p "$NG/" -c "$NG/nginx.conf" -e "$NG/error.log")
"$NGINX" "${nginx_args[@]}" -t -q || die "nginx rejected $NG/nginx.conf"
"$NGINX" "${nginx_args[@]}" -g 'daemon off;' &
PIDS+=("$!")
NAMES+=("nginx")
log "nginx: pid $! on 127.0.0.1:$PORT"
wait_ok "http://127.0.0.1:$PORT/_stcore/health" "$!" "nginx"

echo "RNN Lab: http://127.0.0.1:$PORT/  ($N replicas; Ctrl-C stops all)"

# Stay in the foreground. If any process dies on its own, stop the rest and fail.
set +e
wait -n "${PIDS[@]}"
code=$?
set -e
for i in "${!PIDS[@]}"; do
  if ! kill -0 "${PIDS[i]}" 2>/dev/null; then
    die "${NAMES[i]} (pid ${PIDS[i]}) exited with status $code"
  fi
done
die "a process exited with status $code"

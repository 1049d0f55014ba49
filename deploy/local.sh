#!/usr/bin/env bash
# RNN Lab on one machine: N Streamlit replicas of app.py on free loopback ports and nginx in front on
# 127.0.0.1:PORT with sticky sessions, all run by supervisord (pip install -r requirements-deploy.txt). A replica
# or nginx that dies is restarted at once while the others keep serving; nginx sends a dead replica's clients to a
# live one. Runs in the foreground; Ctrl-C or SIGTERM stops every process it started.
#
#   deploy/local.sh [N=2] [PORT=8080]
#
# Environment: PYTHON (default python3; must have streamlit and supervisor), NGINX (default: nginx on PATH, else
# /usr/sbin/nginx), RNNLAB_HEALTH_TIMEOUT (seconds to wait for the replicas, default 90), RNNLAB_KEEP_WORKDIR=1
# (keep logs). While it runs, `PYTHON -m supervisor.supervisorctl -c WORKDIR/supervisord.conf status` shows the
# processes (the work dir is printed first).
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
if ! "$PYTHON" -c 'import supervisor, streamlit' 2>/dev/null; then
  echo "$PYTHON lacks supervisor or streamlit (pip install -r requirements.txt -r requirements-deploy.txt)" >&2
  exit 3
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rnnlab-deploy.XXXXXX")
CONF=$WORK/supervisord.conf
SUPERVISORD_PID=""

log() { echo "[local.sh] $*" >&2; }
log "work dir: $WORK"

ctl() { "$PYTHON" -m supervisor.supervisorctl -c "$CONF" "$@"; }
alive() { kill -0 "$1" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }

stopped=0
cleanup() {
  ((stopped)) && return
  stopped=1
  trap '' HUP INT TERM  # a second Ctrl-C must not cut the clean-up short and leave orphans
  # supervisord stops its programs by priority: nginx first (TERM = fast shutdown, so open websockets do not
  # hold it), then all replicas at once (TERM = Streamlit's graceful stop; KILL to the process group after
  # stopwaitsecs), and exits when all are gone. It is our child, so `wait` reaps it.
  if [[ -n $SUPERVISORD_PID ]]; then
    kill -TERM "$SUPERVISORD_PID" 2>/dev/null || true
    local _
    for _ in $(seq 450); do
      alive "$SUPERVISORD_PID" || break
      sleep 0.1
    done
    if alive "$SUPERVISORD_PID"; then
      log "supervisord (pid $SUPERVISORD_PID) still running after 45 s; killing it"
      kill -KILL "$SUPERVISORD_PID" 2>/dev/null || true
    fi
    wait "$SUPERVISORD_PID" 2>/dev/null || true
  fi
  if [[ ${RNNLAB_KEEP_WORKDIR:-} == 1 ]]; then
    log "logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  log "stopped"
}
trap 'cleanup; exit 129' HUP
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

# N free loopback ports (the kernel's choice; a port can be taken between this and the bind: then that replica
# fails to start, supervisord gives up on it after its retries and the script exits non-zero).
mapfile -t PORTS < <("$PYTHON" - "$N" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print("\n".join(str(s.getsockname()[1]) for s in socks))
PY
)

# One secret for all replicas: cookies Streamlit signs (st.login) stay valid if a client moves to another
# replica after a failure. In the environment (supervisord and its programs inherit it), neither on a command
# line (visible in ps) nor in the config file.
STREAMLIT_SERVER_COOKIE_SECRET=$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')
export STREAMLIT_SERVER_COOKIE_SECRET

# nginx's config, from the template. On a refused connection or a connect timeout nginx retries the request on
# another replica (proxy_next_upstream), so a dead replica's clients see no error; after 2 failures within 5 s it
# skips that replica for 5 s (one failure could be a race on a kept-alive connection; 5 s later nginx tries it
# again, so a restarted replica gets its clients back that soon).
NG=$WORK/nginx
mkdir -p "$NG/tmp"
servers=""
for p in "${PORTS[@]}"; do
  servers+="        server 127.0.0.1:$p max_fails=2 fail_timeout=5s;"$'\n'
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

# supervisord's config. supervisord reads '%(name)s' as its own expansions, so a literal '%' is doubled.
pct() { printf '%s' "${1//%/%%}"; }
{
  cat <<INI
; Written by deploy/local.sh for this run; deleted with the work dir.
[supervisord]
nodaemon=true
logfile=$(pct "$WORK")/supervisord.log
loglevel=info
pidfile=$(pct "$WORK")/supervisord.pid
childlogdir=$(pct "$WORK")
directory=$(pct "$ROOT")
$( ((EUID == 0)) && echo "user=root  ; said, so supervisord does not warn that it kept root's rights")

; supervisorctl talks to supervisord over a socket in the 0700 work dir only.
[unix_http_server]
file=$(pct "$WORK")/supervisor.sock
chmod=0700

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$(pct "$WORK")/supervisor.sock

; All replicas in one group: supervisord stops a group's processes together, and groups one after another in
; priority order, highest first (nginx, then the replicas).
[group:replicas]
programs=$(for ((i = 0; i < N; i++)); do printf 'replica-%d%s' "$i" "$( ((i < N - 1)) && echo ,)"; done)
priority=100
INI
  for ((i = 0; i < N; i++)); do
    # .streamlit/config.toml is read from the working directory (the repository). autorestart: a replica that
    # exits for any reason is started again at once. startsecs: it must stay up 10 s to count as started; a
    # replica that cannot start (its port taken) is given up after 5 quick failures, and the script exits.
    # MALLOC_MMAP_THRESHOLD_: large freed buffers (an oversized message, a big upload) go back to the system
    # instead of staying in a thread's malloc arena (measured in tests/test_hostile_inputs.py).
    cat <<INI

[program:replica-$i]
command=$(pct "$PYTHON") $(pct "$HERE")/die_with_parent.py --signal KILL -- $(pct "$PYTHON") -m streamlit run app.py --server.address 127.0.0.1 --server.port ${PORTS[i]} --server.headless true --browser.gatherUsageStats false --server.fileWatcherType none
directory=$(pct "$ROOT")
environment=RNN_LAB_REPLICA="$i",MALLOC_MMAP_THRESHOLD_="131072"
autostart=true
autorestart=true
startsecs=10
startretries=5
stopsignal=TERM
stopwaitsecs=15
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile=$(pct "$WORK")/replica-$i.log
stdout_logfile_maxbytes=10MB
stdout_logfile_backups=1
INI
  done
  # nginx starts once every replica is healthy (the script starts it), and is restarted if it dies. Its workers
  # outlive a master killed with SIGKILL and keep the port, so a new master could never bind it: before starting,
  # the wrapper kills the nginx processes left in the old master's process group (its pid is in nginx.pid, which
  # a clean stop removes).
  cat <<INI

[program:nginx]
command=$(pct "$PYTHON") $(pct "$HERE")/die_with_parent.py -- bash -c 'old=\$(cat $(pct "$NG")/nginx.pid 2>/dev/null) && pkill -KILL -g "\$old" -x nginx; exec $(pct "$NGINX") -p $(pct "$NG")/ -c $(pct "$NG")/nginx.conf -e $(pct "$NG")/error.log -g "daemon off;"'
autostart=false
autorestart=true
startsecs=1
stopsignal=TERM
stopwaitsecs=10
stopasgroup=true
killasgroup=true
priority=900
redirect_stderr=true
stdout_logfile=$(pct "$WORK")/nginx.log
stdout_logfile_maxbytes=1MB
stdout_logfile_backups=0
INI
} >"$CONF"

# supervisord in the foreground as our child; its log (starts, exits, restarts) goes to our output too. In a
# process group of its own, so a terminal's Ctrl-C or hang-up reaches only this script, which stops it (a SIGHUP
# would make supervisord restart everything). And with Linux's parent-death signal (deploy/die_with_parent.py,
# also used for supervisord's programs): if this script is killed without its clean-up (SIGKILL), the kernel
# sends supervisord SIGTERM, its clean stop, so nothing is orphaned; if supervisord is killed, nginx gets SIGTERM
# and the replicas SIGKILL (with supervisord gone, Streamlit's graceful stop hangs writing to its closed pipe).
"$PYTHON" "$HERE/die_with_parent.py" --own-group --parent $$ -- "$PYTHON" -m supervisor.supervisord -n -c "$CONF" &
SUPERVISORD_PID=$!
log "supervisord: pid $SUPERVISORD_PID (status: $PYTHON -m supervisor.supervisorctl -c $CONF status)"

# Wait until every replica answers /_stcore/health with "ok"; give up if supervisord gave up on one, exited,
# or the time runs out.
fetch() {  # url -> body on stdout
  if command -v curl >/dev/null; then
    curl -fsS --max-time 5 "$1"
  else
    "$PYTHON" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$1"
  fi
}
wait_ok() {  # url name
  local deadline=$((SECONDS + TIMEOUT))
  until [[ $(fetch "$1" 2>/dev/null) == ok ]]; do
    alive "$SUPERVISORD_PID" || die "supervisord exited while waiting for $2"
    ! grep -q "gave up: .*${2}" "$WORK/supervisord.log" 2>/dev/null || die "$2 could not start"
    ((SECONDS < deadline)) || die "$2 not healthy after ${TIMEOUT}s"
    sleep 0.2
  done
}
for ((i = 0; i < N; i++)); do
  wait_ok "http://127.0.0.1:${PORTS[i]}/_stcore/health" "replica-$i"
done
log "all $N replicas healthy"
ctl start nginx >/dev/null || die "supervisord could not start nginx"
wait_ok "http://127.0.0.1:$PORT/_stcore/health" "nginx"

# Which pid runs what, now (a restart gives a new pid: supervisorctl status shows the current ones).
for ((i = 0; i < N; i++)); do
  log "replica $i: pid $(ctl pid "replicas:replica-$i") on 127.0.0.1:${PORTS[i]}"
done
log "nginx: pid $(ctl pid nginx) on 127.0.0.1:$PORT"

echo "RNN Lab: http://127.0.0.1:$PORT/  ($N replicas under supervisord; Ctrl-C stops all)"

# Stay in the foreground while supervisord runs (a signal interrupts the wait and runs the trap). supervisord
# exits on its own only if something is badly wrong (it restarts what dies).
set +e
wait "$SUPERVISORD_PID"
code=$?
set -e
SUPERVISORD_PID=""
die "supervisord exited with status $code"

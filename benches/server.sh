# Sourced by the benchmark scripts: starts the service they measure against on a free
# 127.0.0.1 port and sets `port`, `server` (its description) and `work` (a scratch
# directory removed on exit). nginx serving a small JSON body when nginx is installed (one
# worker, so the client side gets the other core), else the bundled fixture's GET /health.
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nginx=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null || true)
if [ -n "$nginx" ] && [ -z "${BENCH_FIXTURE:-}" ]; then
  server="nginx (1 worker)"
  mkdir -p "$work/nginx" "$work/www/body"
  # JSON bodies of a given size for the body-size runs: {"n": 1, "pad": "xxx..."}.
  for size in 1000 100000 1000000; do
    python3 -c "import sys; n=int(sys.argv[1]); print('{\"n\": 1, \"pad\": \"' + 'x' * (n - 20) + '\"}', end='')" "$size" > "$work/www/body/$size.json"
  done
  # nginx's worker runs as an unprivileged user when started by root: let it read them.
  chmod 711 "$work" && chmod -R a+rX "$work/www"
  cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$port;
    location = /health { default_type application/json; return 200 '{"status":"ok"}'; }
    location /body/ { root $work/www; default_type application/json; }
  }
}
CONF
  "$nginx" -c "$work/nginx/nginx.conf" -p "$work/nginx" > /dev/null 2>&1 &
else
  server="harden-fixture"
  HARDEN_INSTANCE_DIR=$work RATE_LIMIT=100000000/minute "$bin/harden-fixture" --port "$port" > /dev/null 2>&1 &
fi
server_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.05; done

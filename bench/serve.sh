#!/usr/bin/env bash
# Target 1: requests/s for GET /rss.xml (about 60 KB, 50 entries with full
# content) from dropfeed's memory and from nginx's disk, side by side on
# loopback, with wrk: gzip accepted, identity, and If-None-Match → 304.
# Each case runs ROUNDS times per server, alternating, DURATION each; the
# median counts.
#   bench/serve.sh                     (after `go build`)
#   ROUNDS=5 DURATION=5s CONNS=64 GOMAXPROCS=2 bench/serve.sh
source "$(dirname "$0")/lib.sh"
need wrk:wrk nginx:nginx-light curl:curl

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-3s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1}
OURS=127.0.0.1:$(free_port)
PEER=127.0.0.1:$(free_port)
dir=$WORK/serve

corpus 50 600 "$dir/articles" 2>/dev/null
"$BIN" build -articles "$dir/articles" -out "$dir/out" -base-url "http://$OURS/" 2>/dev/null
gzip -9 -k -f "$dir/out/rss.xml"

mkdir -p "$dir/nginx"
sed -e "s|@ROOT@|$dir/out|; s|@PORT@|${PEER#*:}|; s|@TMP@|$dir/nginx|g" "$REPO/bench/nginx.conf" >"$dir/nginx/nginx.conf"
nginx -c "$dir/nginx/nginx.conf" -p "$dir/nginx" &
PIDS+=($!)
wait_http "http://$PEER/rss.xml" $!
"$BIN" -articles "$dir/articles" -out "$dir/out" -addr "$OURS" 2>"$dir/dropfeed.log" &
PIDS+=($!)
wait_http "http://$OURS/rss.xml" $!

size=$(curl -fsS "http://$OURS/rss.xml" | wc -c)
echo "rss.xml: $size bytes; wrk -t$THREADS -c$CONNS -d$DURATION, median of $ROUNDS; GOMAXPROCS=${GOMAXPROCS:-default}"

etag() { curl -fsS -o /dev/null -D - "http://$1/rss.xml" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}'; }
rps() { # server header...
	local url=http://$1/rss.xml; shift
	local args=() h
	for h in "$@"; do args+=(-H "$h"); done
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "${args[@]}" "$url" | awk '/^Requests\/sec/ {print $2}'
}
run() { # name header-for-ours header-for-peer
	local o=() p=() i
	for i in $(seq "$ROUNDS"); do
		o+=("$(rps "$OURS" ${2:+"$2"})")
		p+=("$(rps "$PEER" ${3:+"$3"})")
	done
	figure "$1" "$(median "${o[@]}")" "$(median "${p[@]}")" req/s
}

run "GET /rss.xml gzip" "Accept-Encoding: gzip" "Accept-Encoding: gzip"
run "GET /rss.xml identity" "" ""
run "GET /rss.xml If-None-Match 304" "If-None-Match: $(etag "$OURS")" "If-None-Match: $(etag "$PEER")"

#!/usr/bin/env bash
# Target 1: requests/s for GET /rss.xml (about 60 KB, 50 entries with full
# content) from dropfeed's memory and from nginx's disk, side by side on
# loopback, with wrk: gzip accepted, identity, and If-None-Match → 304;
# then brotli (not a target), nginx sending the same bytes as dropfeed.
# Each case runs ROUNDS times per server, alternating, DURATION each; the
# median counts.
# With PIN=1 both servers run on CPU 0 and wrk on CPU 1 (taskset): where
# the kernel otherwise places wrk and the server from one run to the next
# changes what a response costs (see bench/RESULTS.md).
#   bench/serve.sh                     (after `go build`)
#   ROUNDS=5 DURATION=5s CONNS=64 GOMAXPROCS=2 bench/serve.sh
#   PIN=1 bench/serve.sh
source "$(dirname "$0")/lib.sh"
BROTLI=/usr/lib/nginx/modules/ngx_http_brotli_static_module.so
need wrk:wrk nginx:nginx-light curl:curl "$BROTLI:libnginx-mod-http-brotli-static" /usr/bin/time:time

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-3s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1}
OURS=127.0.0.1:$(free_port)
PEER=127.0.0.1:$(free_port)
dir=$WORK/serve
server=() client=()
if [ -n "${PIN:-}" ]; then server=(taskset -c 0) client=(taskset -c 1); fi

corpus 50 600 "$dir/articles" 2>/dev/null
"$BIN" build -articles "$dir/articles" -out "$dir/out" -base-url "http://$OURS/" 2>/dev/null
gzip -9 -k -f "$dir/out/rss.xml"

mkdir -p "$dir/nginx"
sed -e "s|@ROOT@|$dir/out|; s|@PORT@|${PEER#*:}|; s|@TMP@|$dir/nginx|g; s|@BROTLI@|$BROTLI|" "$REPO/bench/nginx.conf" >"$dir/nginx/nginx.conf"
"${server[@]}" nginx -c "$dir/nginx/nginx.conf" -p "$dir/nginx" &
peer_pid=$!
PIDS+=($peer_pid)
wait_http "http://$PEER/rss.xml" $peer_pid
"${server[@]}" "$BIN" -articles "$dir/articles" -out "$dir/out" -addr "$OURS" 2>"$dir/dropfeed.log" &
ours_pid=$!
PIDS+=($ours_pid)
wait_http "http://$OURS/rss.xml" $ours_pid

curl -fsS -H 'Accept-Encoding: br' -o "$dir/out/rss.xml.br" "http://$OURS/rss.xml"
size=$(curl -fsS "http://$OURS/rss.xml" | wc -c)
echo "rss.xml: $size bytes; wrk -t$THREADS -c$CONNS -d$DURATION, median of $ROUNDS; GOMAXPROCS=${GOMAXPROCS:-"default (dropfeed: 1 while serving)"}${PIN:+; servers on CPU 0, wrk on CPU 1}"

etag() { curl -fsS -o /dev/null -D - "http://$1/rss.xml" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}'; }
# coding ADDR HEADER is the Content-Encoding of /rss.xml asked for with HEADER.
coding() { curl -fsS -o /dev/null -D - -H "$2" "http://$1/rss.xml" | tr -d '\r' | awk -F': ' 'tolower($1)=="content-encoding" {print $2}'; }
for addr in "$OURS" "$PEER"; do
	[ "$(coding "$addr" 'Accept-Encoding: br')" = br ] || { echo "bench: $addr does not send brotli" >&2; exit 1; }
done
# ticks PID... is the CPU time (user + system, in clock ticks) of the
# processes and their children, nginx's workers included.
ticks() {
	local p t=0
	for p in "$@" $(pgrep -P "$1" || true); do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo "$t"
}
# rps ADDR PID HEADER... prints requests/s, CPU microseconds per request,
# and the share of one CPU that wrk itself used (at 100% or near it, wrk
# is what bounds requests/s, whichever server answers).
rps() {
	local url=http://$1/rss.xml pid=$2 t0 out; shift 2
	local args=() h
	for h in "$@"; do args+=(-H "$h"); done
	t0=$(ticks "$pid")
	out=$(/usr/bin/time -f "client %e %U %S" "${client[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "${args[@]}" "$url" 2>&1)
	awk -v t=$(($(ticks "$pid") - t0)) -v hz="$(getconf CLK_TCK)" '
		/requests in/ {n = $1} /^Requests\/sec/ {r = $2}
		/^client / {c = ($3 + $4) / $2 * 100}
		END {printf "%s %.2f %.0f\n", r, t / hz * 1e6 / n, c}' <<<"$out"
}
run() { # name header-for-ours header-for-peer
	local o=() p=() oc=() pc=() ow=() pw=() i r c w
	for i in $(seq "$ROUNDS"); do
		read -r r c w < <(rps "$OURS" "$ours_pid" ${2:+"$2"}); o+=("$r"); oc+=("$c"); ow+=("$w")
		read -r r c w < <(rps "$PEER" "$peer_pid" ${3:+"$3"}); p+=("$r"); pc+=("$c"); pw+=("$w")
	done
	figure "$1" "$(median "${o[@]}")" "$(median "${p[@]}")" req/s
	figure "  CPU per request" "$(median "${oc[@]}")" "$(median "${pc[@]}")" us lower
	printf '%-34s ours %10.0f %-6s peer %10.0f %%\n' "  wrk's CPU (of one core)" "$(median "${ow[@]}")" % "$(median "${pw[@]}")"
	if awk -v o="$(median "${ow[@]}")" -v p="$(median "${pw[@]}")" -v t="$THREADS" 'BEGIN {exit !(t == 1 && o >= 97 && p >= 97)}'; then
		echo "  (wrk was at its limit with both servers: this ratio is the client's, not the servers')"
	fi
}

run "GET /rss.xml gzip" "Accept-Encoding: gzip" "Accept-Encoding: gzip"
run "GET /rss.xml identity" "" ""
run "GET /rss.xml If-None-Match 304" "If-None-Match: $(etag "$OURS")" "If-None-Match: $(etag "$PEER")"
run "GET /rss.xml brotli" "Accept-Encoding: br" "Accept-Encoding: br"

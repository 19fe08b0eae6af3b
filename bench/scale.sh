#!/usr/bin/env bash
# Targets 3 and 5 at scale: N (100,000) articles of about 3 KB.
#  - cold start: time until the server answers, and its peak resident memory
#    (VmHWM) in the first build; then the peak while serving alone (the
#    mark reset once the build is done): every feed, the index and some
#    pages, and the edits below;
#  - incremental rebuild: one article edited SAMPLES times (an old one, then
#    one in the feeds), each time polling its page until the edit shows;
#    and how many files in out/ were rewritten;
#  - a restart over that out/: time until the server answers, and its peak
#    resident memory.
# The peer column is the target.
#   bench/scale.sh            (after `go build`)
#   STYLE=plain bench/scale.sh (articles in the plain style, not front matter)
source "$(dirname "$0")/lib.sh"
need curl:curl

N=${N:-100000}
SAMPLES=${SAMPLES:-20}
ADDR=127.0.0.1:$(free_port)
dir=$WORK/scale

corpus "$N" 3000 "$dir/articles" 2>/dev/null
(cd "$REPO" && go build -o "$WORK/bin/latency" ./bench/latency)
# start LOG: starts the server on the corpus (pid), logging into LOG, and
# sets took to the seconds until it answered.
start() {
	local t0 t1
	t0=$(date +%s.%N)
	"$BIN" -articles "$dir/articles" -out "$dir/out" -addr "$ADDR" 2>"$1" &
	pid=$!
	PIDS+=($pid)
	wait_http "http://$ADDR/rss.xml" $pid
	t1=$(date +%s.%N)
	took=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
}
start "$dir/dropfeed.log"
hwm() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status"; }
rss() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status"; }
echo "$N articles: serving after $took s; resident then $(rss) MB"
figure "peak RSS, first build of $N (MB)" "$(hwm)" 150 MB lower
# From here the high-water mark is that of serving: requests and edits.
echo 5 >"/proc/$pid/clear_refs"
for p in rss.xml atom.xml feed.json "" articles/article-000000.html articles/article-050000.html; do
	curl -fsS -o /dev/null "http://$ADDR/$p"
	curl -fsS -o /dev/null -H 'Accept-Encoding: gzip' "http://$ADDR/$p"
done

sleep 1 # let the first write settle before taking the times of out/
find "$dir/out" -type f -printf '%T@ %P\n' | sort -k2 >"$dir/before"
for f in article-050000.md article-000010.md; do
	read -r _ ok _ failed _ p50 _ p99 _ max < <(timeout 300 "$WORK/bin/latency" -url "http://$ADDR/" -dir "$dir/articles" -n "$SAMPLES" -edit "$f" -pause 200ms)
	echo "edit $f: $ok samples ($failed not seen in time), p99 $p99 ms, slowest $max ms"
	figure "republish 1 of $N p50 (ms)" "$p50" 100 ms lower
done
figure "peak RSS serving $N, edits too (MB)" "$(hwm)" 150 MB lower
sleep 1
find "$dir/out" -type f -printf '%T@ %P\n' | sort -k2 >"$dir/after"
changed=$(join -1 2 -2 2 "$dir/before" "$dir/after" | awk '$2 != $3 {print $1}')
echo "out/ files rewritten by the edits: $(echo "$changed" | grep -c . || true) of $(wc -l <"$dir/after"):" $changed
grep -o 'duration=[0-9.]*[mµ]*s' "$dir/dropfeed.log" | tail -n +2 | sed 's/duration=//' |
	awk '/µs$/ {sub("µs",""); print $1/1000; next} /ms$/ {sub("ms",""); print $1; next} /s$/ {sub("s",""); print $1*1000}' |
	sort -g | awk '{a[NR]=$1} END {if (NR) printf "rebuild inside dropfeed (incl. writing out/): median %.1f ms over %d rebuilds\n", a[int((NR+1)/2)], NR}'
# A restart over that out/: the first build of a server that finds every
# page, the index and the state file there (compared, not written again).
kill "$pid"
wait "$pid" 2>/dev/null || true
start "$dir/restart.log"
echo "restart over the out/ of $N: serving after $took s"
figure "peak RSS, restart of $N (MB)" "$(hwm)" 150 MB lower

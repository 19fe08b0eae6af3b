#!/usr/bin/env bash
# Target 2: publish latency. With N (10,000) articles in the folder, a new
# article file is written and closed, then /atom.xml is polled over loopback
# until it shows; SAMPLES (200) times. The peer column is the target.
#   bench/latency.sh          (after `go build`)
source "$(dirname "$0")/lib.sh"
need curl:curl

N=${N:-10000}
SAMPLES=${SAMPLES:-200}
ADDR=127.0.0.1:$(free_port)
dir=$WORK/latency

corpus "$N" 3000 "$dir/articles" 2>/dev/null
rm -rf "$dir/out"
(cd "$REPO" && go build -o "$WORK/bin/latency" ./bench/latency)
"$BIN" -articles "$dir/articles" -out "$dir/out" -addr "$ADDR" 2>"$dir/dropfeed.log" &
PIDS+=($!)
wait_http "http://$ADDR/atom.xml" $!

echo "publish latency: $N articles, $SAMPLES new files, polling /atom.xml"
read -r _ ok _ failed _ p50 _ p99 _ max < <(timeout 600 "$WORK/bin/latency" -url "http://$ADDR/" -dir "$dir/articles" -n "$SAMPLES")
echo "samples $ok, not seen in time $failed, slowest $max ms"
figure "publish p50 ($N articles)" "$p50" 50 ms lower
figure "publish p99 ($N articles)" "$p99" 150 ms lower
grep -o 'duration=[0-9.]*[mµ]*s' "$dir/dropfeed.log" | tail -n +2 | sed 's/duration=//' |
	awk '/µs$/ {sub("µs",""); print $1/1000; next} /ms$/ {sub("ms",""); print $1; next} /s$/ {sub("s",""); print $1*1000}' |
	sort -g | awk '{a[NR]=$1} END {if (NR) printf "rebuild inside dropfeed: median %.1f ms over %d rebuilds\n", a[int((NR+1)/2)], NR}'

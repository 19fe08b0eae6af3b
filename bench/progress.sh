#!/usr/bin/env bash
# Target 6: a build longer than a second shows progress (count, rate) on
# stderr when it is a terminal, and nothing extra when it is not. N (40,000)
# articles are built once under `script` (a terminal) and once into a pipe.
# N must make a build of well over a second: 10,000 now take less, and
# rightly show nothing.
#   bench/progress.sh         (after `go build`)
source "$(dirname "$0")/lib.sh"
need script:bsdutils

N=${N:-40000}
dir=$WORK/progress
corpus "$N" 3000 "$dir/articles" 2>/dev/null
t0=$(date +%s.%N)
timeout 300 script -qec "'$BIN' build -articles '$dir/articles' -out '$dir/tty'" /dev/null >"$dir/tty.log" 2>&1
t1=$(date +%s.%N)
timeout 300 "$BIN" build -articles "$dir/articles" -out "$dir/pipe" 2>"$dir/pipe.log"
t2=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$N" 'BEGIN {printf "builds of %d articles: %.2f s on a terminal, %.2f s into a pipe\n", n, b - a, c - b}'
tty=$(tr '\r' '\n' <"$dir/tty.log" | grep -c '^read [0-9]*/[0-9]* articles' || true)
pipe=$(tr '\r' '\n' <"$dir/pipe.log" | grep -c '^read ' || true)
echo "terminal: $tty progress updates, last: $(tr '\r' '\n' <"$dir/tty.log" | grep '^read ' | tail -1)"
echo "pipe: $pipe progress updates, $(wc -l <"$dir/pipe.log") line(s) on stderr"
[ "$tty" -gt 0 ] && [ "$pipe" -eq 0 ] && echo "progress: ok" || { echo "progress: FAILED"; exit 1; }

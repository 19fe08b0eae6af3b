#!/usr/bin/env bash
# Target 6: a build longer than a second shows progress (count, rate) on
# stderr when it is a terminal, and nothing extra when it is not. N (10,000)
# articles are built once under `script` (a terminal) and once into a pipe.
#   bench/progress.sh         (after `go build`)
source "$(dirname "$0")/lib.sh"
need script:bsdutils

N=${N:-10000}
dir=$WORK/progress
corpus "$N" 3000 "$dir/articles" 2>/dev/null
timeout 300 script -qec "'$BIN' build -articles '$dir/articles' -out '$dir/tty'" /dev/null >"$dir/tty.log" 2>&1
timeout 300 "$BIN" build -articles "$dir/articles" -out "$dir/pipe" 2>"$dir/pipe.log"
tty=$(tr '\r' '\n' <"$dir/tty.log" | grep -c '^read [0-9]*/[0-9]* articles' || true)
pipe=$(tr '\r' '\n' <"$dir/pipe.log" | grep -c '^read ' || true)
echo "terminal: $tty progress updates, last: $(tr '\r' '\n' <"$dir/tty.log" | grep '^read ' | tail -1)"
echo "pipe: $pipe progress updates, $(wc -l <"$dir/pipe.log") line(s) on stderr"
[ "$tty" -gt 0 ] && [ "$pipe" -eq 0 ] && echo "progress: ok" || { echo "progress: FAILED"; exit 1; }

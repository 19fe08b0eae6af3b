# Shared by the bench scripts: paths, installs, cleanup and the figure line.
# Source it; it sets -euo pipefail.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${DROPFEED:-$REPO/dropfeed}   # `go build` in the repository makes it
# Each run works in a folder of its own under /tmp, removed at the end
# unless BENCH_DIR names one to keep.
if [ -n "${BENCH_DIR:-}" ]; then WORK=$BENCH_DIR; KEEP=1; else WORK=$(mktemp -d /tmp/dropfeed-bench.XXXXXX); KEEP=; fi
mkdir -p "$WORK"
chmod 755 "$WORK" # nginx's workers run as another user
export GOFLAGS=${GOFLAGS:-}

[ -x "$BIN" ] || { echo "bench: $BIN missing: run 'go build' in $REPO first (or set DROPFEED)" >&2; exit 2; }

# need installs the Debian packages whose commands (or, for an absolute
# path, files) are missing.
# Usage: need command:package ... or need /path/to/file:package ...
need() {
	local want=() pair
	for pair in "$@"; do
		case ${pair%%:*} in
		/*) [ -e "${pair%%:*}" ] || want+=("${pair#*:}") ;;
		*) command -v "${pair%%:*}" >/dev/null 2>&1 || want+=("${pair#*:}") ;;
		esac
	done
	[ ${#want[@]} -eq 0 ] && return
	echo "bench: installing ${want[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${want[@]}" >/dev/null
}

# Every process a script starts is recorded here and ended on exit.
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	[ -n "$KEEP" ] || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# corpus N SIZE DIR writes N generated articles of about SIZE bytes, with
# YAML front matter, or in the plain style with STYLE=plain.
corpus() {
	[ -x "$WORK/bin/corpus" ] || (cd "$REPO" && go build -o "$WORK/bin/corpus" ./bench/corpus)
	rm -rf "$3"
	"$WORK/bin/corpus" -n "$1" -size "$2" -dir "$3" -style "${STYLE:-front}"
}

# free_port prints a loopback port nobody listens on.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		ss -ltn | awk '{print $4}' | grep -q ":$p\$" || { echo "$p"; return; }
	done
}

# wait_http URL [PID] waits (at most 120 s) until URL answers, failing early
# if process PID (the server that should answer) has exited.
wait_http() {
	local i
	for i in $(seq 1200); do
		if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
			echo "bench: the server for $1 exited" >&2
			return 1
		fi
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench: $1 did not answer" >&2
	return 1
}

# figure NAME OURS PEER UNIT [lower]: one line, ratio ours/peer (peer/ours
# when lower is better, so that above 1.0x is always good for us).
figure() {
	awk -v n="$1" -v o="$2" -v p="$3" -v u="$4" -v low="${5:-}" 'BEGIN {
		r = (low != "") ? p / o : o / p
		printf "%-34s ours %10.1f %-6s peer %10.1f %-6s ratio %.2fx\n", n, o, u, p, u, r
	}'
}

# median of the numbers given as arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

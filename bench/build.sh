#!/usr/bin/env bash
# Target 4: cold build. N (10,000) articles of about 3 KB built from
# nothing by dropfeed and by Hugo (Debian's package) into a site whose only
# outputs are the RSS feed (50 entries) and one page per article, ROUNDS
# times each, alternating; the median counts. Then BIG (100,000) articles by
# dropfeed alone, against the one-minute bound (BIG=0 leaves it out).
#   bench/build.sh            (after `go build`)
source "$(dirname "$0")/lib.sh"
need hugo:hugo

N=${N:-10000}
BIG=${BIG:-100000}
ROUNDS=${ROUNDS:-3}
dir=$WORK/build

corpus "$N" 3000 "$dir/articles" 2>/dev/null
mkdir -p "$dir/hugo/layouts/_default"
cat >"$dir/hugo/config.toml" <<'TOML'
baseURL = "http://127.0.0.1/"
title = "bench"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404", "section"]
[outputs]
home = ["RSS"]
page = ["HTML"]
[services.rss]
limit = 50
TOML
cat >"$dir/hugo/layouts/_default/single.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><h1>{{ .Title }}</h1><time>{{ .Date.Format "2 January 2006" }}</time>{{ .Content }}</body></html>
HTML
ln -sfn "$dir/articles" "$dir/hugo/content"

# seconds COMMAND... runs it once and prints the wall time in seconds.
seconds() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || { echo "bench: $* failed" >&2; exit 1; }
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}'
}
# Each run starts from a settled disk (the removal of the last run's files
# flushed; on a file system mounted with discard that costs seconds), and
# the two take turns at going first.
settle() { rm -rf "$@"; sync; sleep 2; }
ours=() peer=()
for round in $(seq "$ROUNDS"); do
	if [ $((round % 2)) = 1 ]; then
		settle "$dir/out"; ours+=("$(seconds "$BIN" build -articles "$dir/articles" -out "$dir/out")")
		settle "$dir/hugo/public"; peer+=("$(seconds timeout 600 hugo --quiet -s "$dir/hugo" -d "$dir/hugo/public")")
	else
		settle "$dir/hugo/public"; peer+=("$(seconds timeout 600 hugo --quiet -s "$dir/hugo" -d "$dir/hugo/public")")
		settle "$dir/out"; ours+=("$(seconds "$BIN" build -articles "$dir/articles" -out "$dir/out")")
	fi
done
pages=$(find "$dir/out/articles" -name '*.html' | wc -l)
hpages=$(find "$dir/hugo/public" -name '*.html' | wc -l)
echo "cold build of $N articles: dropfeed wrote $pages pages + 3 feeds + index, Hugo $hpages pages + RSS; median of $ROUNDS"
echo "  dropfeed: ${ours[*]} s; Hugo: ${peer[*]} s"
o=$(median "${ours[@]}") p=$(median "${peer[@]}")
figure "cold build $N (s, vs Hugo)" "$o" "$p" s lower
awk -v o="$o" -v n="$N" 'BEGIN {printf "dropfeed: %.0f articles/s\n", n / o}'

[ "$BIG" -gt 0 ] || exit 0 # BIG=0: the comparison alone
rm -rf "$dir/out" "$dir/hugo"
corpus "$BIG" 3000 "$dir/articles" 2>/dev/null
sync
t=$(seconds "$BIN" build -articles "$dir/articles" -out "$dir/out")
figure "cold build $BIG (s, vs 60 s)" "$t" 60 s lower

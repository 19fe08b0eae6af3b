package feed

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLastGoodVersionAcrossRestarts: files that break while dropfeed is
// stopped keep their last good version published by a build, and on every
// start after it, until they are fixed or deleted (SPEC, "Bad input").
// Nothing of the output folder changes, byte for byte.
func TestLastGoodVersionAcrossRestarts(t *testing.T) {
	cfg, logs := testConfig(t, "https://example.com/blog/")
	cfg.Loc = time.FixedZone("CET", 3600)
	dir := cfg.ArticlesDir
	good := map[string]string{
		"seed.txt": seedText(t),
		"full.md": "---\ntitle: Full \"front\" matter & more\ndate: 2021-03-04T05:06:07+02:00\n" +
			"author: Ann <ann@example.com>\ntags: [one, \"two \\\\ three\", \"caf\u00e9\"]\n" +
			"summary: \"A given summary, \\\"quoted\\\"\"\nid: tag:example.com,2021:full\n---\n" +
			"Body with a [relative link](other.html) and `code <b>`.\n",
		"sub/local.md": "Local time\n---\n2022-05-06 07:08\n\nSaid in the zone of -tz; [up](../x.html).\n",
		"clash.md":     "Clash one\n---\n2020-01-01\n\nFirst.\n",
		"clash.txt":    "Clash two\n---\n2020-01-02\n\nSecond, at the clash slug: [here](x.html).\n",
		"undated.md":   "No date\n\nIts date is the file's time.\n",
		"slugged.md":   "---\ntitle: Slugged\ndate: 2020-02-02\nslug: my-slug\n---\nBody.\n",
		"draft.md":     "---\ntitle: Draft\ndate: 2020-03-03\ndraft: true\n---\nNot yet.\n",
		"stays.md":     "Stays good\n---\n2020-04-04\n\nNever breaks.\n",
	}
	for name, text := range good {
		writeArticle(t, dir, name, text)
	}
	build(t, cfg)
	first := readTree(t, cfg.OutDir)
	for _, page := range []string{"articles/seed.html", "articles/my-slug.html", "articles/clash.html",
		"articles/" + clashSlug("clash.txt") + ".html", "articles/sub/local.html"} {
		if first[page] == nil {
			t.Fatalf("no %s in the first build", page)
		}
	}

	broken := map[string]string{
		"seed.txt":     "",
		"full.md":      "---\ntitle: [half typed\n---\n",
		"sub/local.md": "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
		"clash.txt":    "---\ndate: [\n---\n",
		"undated.md":   " \n",
		"slugged.md":   "Slugged\n---\n2020-02-02\n\n" + strings.Repeat("a", MaxArticleSize), // refused before it is read
		"draft.md":     "",
	}
	for name, text := range broken {
		writeArticle(t, dir, name, text)
	}
	for run := 1; run <= 3; run++ { // a build, and starts after it
		b := build(t, cfg)
		if d := diffFiles(readTree(t, cfg.OutDir), first); d != "" {
			t.Fatalf("run %d: the output folder changed: %s", run, d)
		}
		if s := b.Current().Stats; s.Published != 8 || s.Skipped != 7 {
			t.Errorf("run %d: %d published and %d skipped, want 8 and 7", run, s.Published, s.Skipped)
		}
		for name := range broken {
			lines := logs.matching(filepath.Join(dir, filepath.FromSlash(name)), "skipped")
			kept := logs.matching(filepath.Join(dir, filepath.FromSlash(name)), "the last good version stays published")
			want := run
			if name == "draft.md" {
				want = 0 // a draft was never published
			}
			if len(lines) != run || len(kept) != want {
				t.Errorf("run %d: %s: %d lines, %d saying its last good version stays; want %d and %d",
					run, name, len(lines), len(kept), run, want)
			}
		}
	}

	// Fixed, and deleted: the new version, and none.
	writeArticle(t, dir, "full.md", "Fixed at last\n---\n2021-03-04\n\nNew body.\n")
	must(t, os.Remove(filepath.Join(dir, "seed.txt")))
	b := build(t, cfg)
	for name, f := range parseFeeds(t, snapshotBytes(b.Current())) {
		var titles []string
		for _, it := range f.Items {
			titles = append(titles, it.Title)
		}
		if !slices.Contains(titles, "Fixed at last") || slices.Contains(titles, seedTitle) ||
			slices.Contains(titles, `Full "front" matter & more`) || !slices.Contains(titles, "Clash two") {
			t.Errorf("%s: titles %q, want the fixed one and the kept ones, not the deleted one", name, titles)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.OutDir, "articles", "seed.html")); !os.IsNotExist(err) {
		t.Errorf("the page of the deleted file is still there: %v", err)
	}
	// The next start keeps what is broken still.
	build(t, cfg)
	if _, err := os.Stat(filepath.Join(cfg.OutDir, "articles", clashSlug("clash.txt")+".html")); err != nil {
		t.Errorf("the kept version of clash.txt went: %v", err)
	}
}

// TestLastGoodVersionNeedsItsPage: a last good version comes back only with
// its page as this site made it; without it the file is left out, said as
// usual, and nothing else is lost.
func TestLastGoodVersionNeedsItsPage(t *testing.T) {
	cfg, logs := testConfig(t, "https://example.com/")
	dir := cfg.ArticlesDir
	for _, name := range []string{"a", "b", "c"} {
		writeArticle(t, dir, name+".md", strings.ToUpper(name)+"\n---\n2020-01-01\n\nBody of "+name+".\n")
	}
	writeArticle(t, dir, "good.md", "Good\n---\n2020-01-02\n\nFine.\n")
	build(t, cfg)
	for _, name := range []string{"a", "b", "c"} {
		writeArticle(t, dir, name+".md", "")
	}
	// a's page deleted by hand; c's record written before records kept
	// articles.
	must(t, os.Remove(filepath.Join(cfg.OutDir, "articles", "a.html")))
	state := filepath.Join(cfg.OutDir, StateFile)
	data, err := os.ReadFile(state)
	must(t, err)
	var old []string
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, `{"path":"c.md"`) {
			if !strings.Contains(line, `"article":{"slug":"c","title":"C","published":"2020-01-01T00:00:00Z"}`) {
				t.Fatalf("c.md's line keeps no article: %s", line)
			}
			line = line[:strings.Index(line, `,"article"`)] + "}\n"
		}
		old = append(old, line)
	}
	must(t, os.WriteFile(state, []byte(strings.Join(old, "")), 0o644))
	titles := func(b *Builder) []string {
		var ts []string
		for _, it := range parseFeeds(t, snapshotBytes(b.Current()))[AtomFile].Items {
			ts = append(ts, it.Title)
		}
		slices.Sort(ts)
		return ts
	}
	if got := titles(build(t, cfg)); !slices.Equal(got, []string{"B", "Good"}) {
		t.Errorf("titles %q, want B (kept) and Good", got)
	}
	for name, want := range map[string]int{"a.md": 0, "b.md": 1, "c.md": 0} {
		if n := len(logs.matching(filepath.Join(dir, name), "stays published")); n != want {
			t.Errorf("%s: %d lines saying its last good version stays, want %d", name, n, want)
		}
	}
	// Another site title: b's page is not as this site makes it.
	cfg.Site.Title = "Renamed"
	if got := titles(build(t, cfg)); !slices.Equal(got, []string{"Good"}) {
		t.Errorf("titles %q after the site's title changed, want Good alone", got)
	}
	if n := len(logs.matching(filepath.Join(dir, "b.md"), "file is empty")); n != 2 {
		t.Errorf("b.md: said %d times, want 2", n)
	}
}

// TestStateLineReadsBack: the state file's lines, written by hand, read
// back as json.Marshal's do: the same values, invalid UTF-8 turned into
// U+FFFD alike.
func TestStateLineReadsBack(t *testing.T) {
	at := time.Date(2021, 3, 4, 5, 6, 7, 890, time.FixedZone("", 2*3600))
	odd := []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\r\x00\x1f\x7f", "<b>&amp;</b>",
		"caf\u00e9 \u2028 \u2029 \U0001F600", "bad \xff\xfe utf-8 \xe2\x82", "\xed\xa0\x80 surrogate", "\u00e9\xc3"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		odd = append(odd, string(b))
	}
	var lines []stateLine
	for i, s := range odd {
		lines = append(lines,
			stateLine{stateRecord: stateRecord{Path: s, Gone: true}},
			stateLine{stateRecord: stateRecord{Path: s, Hash: "00ff", Updated: at.Add(time.Duration(i) * time.Second)},
				Article: &keptArticle{Slug: s, Natural: s, ID: s, Title: s, Published: at, Undated: i%2 == 0,
					Author: s, Tags: []string{s, "x"}, Summary: s}},
			stateLine{stateRecord: stateRecord{Path: s, Hash: s},
				Article: &keptArticle{Title: s, Published: time.Unix(int64(i), 0).UTC()}})
	}
	for _, l := range lines {
		line := appendLine(nil, &l)
		if !strings.HasSuffix(string(line), "\n") || strings.Count(string(line), "\n") != 1 || !json.Valid(line) {
			t.Fatalf("%q is not one line of JSON", line)
		}
		want, err := json.Marshal(l)
		must(t, err)
		var got, fromJSON stateLine
		must(t, json.Unmarshal(line, &got))
		must(t, json.Unmarshal(want, &fromJSON))
		if !reflect.DeepEqual(got, fromJSON) {
			t.Errorf("%q reads back as\n%+v\nwhere json.Marshal's %s reads as\n%+v", line, got, want, fromJSON)
		}
	}
}

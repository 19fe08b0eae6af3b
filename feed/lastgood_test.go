package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
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
	berlin, err := time.LoadLocation("Europe/Berlin") // summer and winter offsets
	must(t, err)
	cfg.Loc = berlin
	dir := cfg.ArticlesDir
	good := map[string]string{
		"seed.txt": seedText(t),
		"full.md": "---\ntitle: Full \"front\" matter & more\ndate: 2021-03-04T05:06:07+02:00\n" +
			"author: Ann <ann@example.com>\ntags: [one, \"two \\\\ three\", \"caf\u00e9\"]\n" +
			"summary: \"A given summary, \\\"quoted\\\"\"\nid: tag:example.com,2021:full\n---\n" +
			"Body with a [relative link](other.html) and `code <b>`.\n",
		"sub/local.md": "Local time\n---\n2022-05-06 07:08\n\nSaid in the zone of -tz; [up](../x.html).\n",
		"winter.md":    "---\ntitle: Winter, updated in summer\ndate: 2020-01-01\nupdated: 2020-07-01\n---\nOffsets +01:00, then +02:00.\n",
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
		"winter.md":    "---\ntitle: [\n---\n",
	}
	for name, text := range broken {
		writeArticle(t, dir, name, text)
	}
	for run := 1; run <= 3; run++ { // a build, and starts after it
		b := build(t, cfg)
		if d := diffFiles(readTree(t, cfg.OutDir), first); d != "" {
			t.Fatalf("run %d: the output folder changed: %s", run, d)
		}
		if s := b.Current().Stats; s.Published != 9 || s.Skipped != 8 {
			t.Errorf("run %d: %d published and %d skipped, want 9 and 8", run, s.Published, s.Skipped)
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
	// d and e have the same title and date: their pages differ only in
	// their bodies.
	for _, name := range []string{"d", "e"} {
		writeArticle(t, dir, name+".md", "Twin\n---\n2020-01-01\n\nBody of "+name+".\n")
	}
	writeArticle(t, dir, "good.md", "Good\n---\n2020-01-02\n\nFine.\n")
	build(t, cfg)
	for _, name := range []string{"a", "b", "c", "d"} {
		writeArticle(t, dir, name+".md", "")
	}
	// a's page deleted by hand; d's replaced by e's (which frames the
	// same title and date); c's record written before records kept
	// articles.
	must(t, os.Remove(filepath.Join(cfg.OutDir, "articles", "a.html")))
	ePage, err := os.ReadFile(filepath.Join(cfg.OutDir, "articles", "e.html"))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(cfg.OutDir, "articles", "d.html"), ePage, 0o644))
	state := filepath.Join(cfg.OutDir, StateFile)
	data, err := os.ReadFile(state)
	must(t, err)
	var old []string
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, `{"path":"c.md"`) {
			if !strings.Contains(line, `"article":{"slug":"c","page":"`) || !strings.Contains(line, `"title":"C","published":"2020-01-01T00:00:00Z","zone":"tz"}`) {
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
	b := build(t, cfg)
	if got := titles(b); !slices.Equal(got, []string{"B", "Good", "Twin"}) {
		t.Errorf("titles %q, want B (kept), Good and Twin (e)", got)
	}
	if f := b.Current().File(PagePath("d")); f != nil {
		t.Errorf("d's page is published: %s", f.Body())
	}
	for name, want := range map[string]string{
		"a.md": "its page is gone from the output folder",
		"b.md": "the last good version stays published",
		"c.md": "file is empty\"", // the state file keeps nothing of it: nothing to say
		"d.md": "the page at its address is not the one it had",
	} {
		if n := len(logs.matching(filepath.Join(dir, name), want)); n != 1 {
			t.Errorf("%s: %d lines saying %q, want 1:\n%s", name, n, want, logs.matching(name))
		}
	}
	// Another site title: b's page is not as this site makes it.
	cfg.Site.Title = "Renamed"
	if got := titles(build(t, cfg)); !slices.Equal(got, []string{"Good", "Twin"}) {
		t.Errorf("titles %q after the site's title changed, want Good and Twin", got)
	}
	if n := len(logs.matching(filepath.Join(dir, "b.md"), "made for another site")); n != 1 {
		t.Errorf("b.md: %d lines saying its page was made for another site, want 1", n)
	}
}

// TestLastGoodVersionAfterSlugMoved: a file whose address a clash moved
// keeps the version it had there, never the page of the file that took
// its address (the two frame the same title and date), whether that file
// stays or goes.
func TestLastGoodVersionAfterSlugMoved(t *testing.T) {
	for _, keepOther := range []bool{false, true} {
		cfg, _ := testConfig(t, "https://example.com/")
		dir := cfg.ArticlesDir
		text := func(body string) string { return "---\ntitle: Same\ndate: 2024-01-01\nslug: s\n---\n" + body + "\n" }
		writeArticle(t, dir, "b.md", text("Body of B."))
		b := build(t, cfg)
		writeArticle(t, dir, "a.md", text("Body of A, a draft copy."))
		if _, err := b.Rebuild([]string{"a.md"}); err != nil { // serving: a.md comes and takes s
			t.Fatal(err)
		}
		if b.Current().File(PagePath(clashSlug("b.md"))) == nil {
			t.Fatalf("b.md did not move to %s", clashSlug("b.md"))
		}
		if !keepOther {
			must(t, os.Remove(filepath.Join(dir, "a.md")))
		}
		writeArticle(t, dir, "b.md", "")
		b = build(t, cfg) // a restart
		var bodies []string
		for _, it := range parseFeeds(t, snapshotBytes(b.Current()))[JSONFile].Items {
			bodies = append(bodies, it.Content)
		}
		slices.Sort(bodies)
		want := []string{"<p>Body of B.</p>\n"}
		if keepOther {
			want = []string{"<p>Body of A, a draft copy.</p>\n", "<p>Body of B.</p>\n"}
		}
		if !slices.Equal(bodies, want) {
			t.Errorf("a.md kept %v: bodies %q, want %q", keepOther, bodies, want)
		}
	}
}

// TestLastGoodVersionOfTouchedUndated: an undated article takes its date
// from its file's time, so touching the file changes its page though not
// its bytes; the version kept is the one with the new date.
func TestLastGoodVersionOfTouchedUndated(t *testing.T) {
	cfg, _ := testConfig(t, "https://example.com/")
	p := filepath.Join(cfg.ArticlesDir, "u.md")
	writeArticle(t, cfg.ArticlesDir, "u.md", "Undated\n\nIts date is its file's time.\n")
	must(t, os.Chtimes(p, time.Unix(1600000000, 0), time.Unix(1600000000, 0)))
	b := build(t, cfg)
	must(t, os.Chtimes(p, time.Unix(1500000000, 0), time.Unix(1500000000, 0)))
	if _, err := b.Rebuild([]string{"u.md"}); err != nil { // serving: the touch is seen
		t.Fatal(err)
	}
	touched := readTree(t, cfg.OutDir)
	if !strings.Contains(string(touched[PagePath("u")]), "2017-07-14T02:40:00Z") {
		t.Fatalf("the page does not have the new date:\n%s", touched[PagePath("u")])
	}
	writeArticle(t, cfg.ArticlesDir, "u.md", "")
	build(t, cfg) // a restart
	after := readTree(t, cfg.OutDir)
	delete(after, StateFile) // a journal, then written whole
	delete(touched, StateFile)
	if d := diffFiles(after, touched); d != "" {
		t.Errorf("u.md broken: the output folder changed: %s", d)
	}
}

// TestLastGoodVersionLosesItsAddress: a file that breaks while another
// comes to want its address (both have the same front-matter slug) loses
// its last good version, and says so once; the other file has the
// address. Broken on a restart, or while serving in the same rebuild, it
// never says its version stays; broken in a rebuild before, it said so
// then, truly.
func TestLastGoodVersionLosesItsAddress(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stays int // lines that say x.md's version stays
	}{{"restart", 0}, {"same rebuild", 0}, {"rebuild before", 1}} {
		cfg, logs := testConfig(t, "https://example.com/")
		dir := cfg.ArticlesDir
		writeArticle(t, dir, "x.md", "---\ntitle: X\ndate: 2024-01-01\nslug: s\n---\nBody of X.\n")
		b := build(t, cfg)
		rebuild := func(paths ...string) {
			if _, err := b.Rebuild(paths); err != nil {
				t.Fatal(err)
			}
		}
		if tc.name == "rebuild before" {
			writeArticle(t, dir, "x.md", "")
			rebuild("x.md")
		}
		writeArticle(t, dir, "b.md", "---\ntitle: B\ndate: 2024-01-02\nslug: s\n---\nBody of B.\n")
		switch tc.name {
		case "restart":
			writeArticle(t, dir, "x.md", "")
			b = build(t, cfg)
		case "same rebuild":
			writeArticle(t, dir, "x.md", "")
			rebuild("b.md", "x.md")
		default:
			rebuild("b.md")
		}
		var titles []string
		for _, it := range parseFeeds(t, snapshotBytes(b.Current()))[AtomFile].Items {
			titles = append(titles, it.Title)
		}
		if !slices.Equal(titles, []string{"B"}) {
			t.Errorf("%s: titles %q, want B alone", tc.name, titles)
		}
		if n := len(logs.matching(filepath.Join(dir, "x.md"), "stays published")); n != tc.stays {
			t.Errorf("%s: %d lines say x.md's last good version stays, want %d:\n%s", tc.name, n, tc.stays, logs)
		}
		if n := len(logs.matching(filepath.Join(dir, "x.md"), "another file has its address")); n != 1 {
			t.Errorf("%s: %d lines say x.md lost its address, want 1:\n%s", tc.name, n, logs)
		}
	}
}

// TestLastGoodVersionPageDeleted: the page of a last good version is the
// only copy of its HTML (its file fails, and it is not in the feeds).
// Deleted from out/ by hand, it is served from memory meanwhile and
// written again at the next look, as often as it goes; so when the version
// was kept while serving, and when it was brought back on a restart.
func TestLastGoodVersionPageDeleted(t *testing.T) {
	for _, restart := range []bool{false, true} {
		cfg, _ := testConfig(t, "https://example.com/")
		cfg.Site.Limit = 1 // x is not in the feeds
		writeArticle(t, cfg.ArticlesDir, "x.md", "X\n---\n2020-01-01\n\nOnly in its page.\n")
		writeArticle(t, cfg.ArticlesDir, "y.md", "Y\n---\n2021-01-01\n\nNewer.\n")
		b := build(t, cfg)
		pagePath := filepath.Join(cfg.OutDir, "articles", "x.html")
		page, err := os.ReadFile(pagePath)
		must(t, err)
		writeArticle(t, cfg.ArticlesDir, "x.md", "")
		if restart {
			b = build(t, cfg)
		} else if _, err := b.Rebuild([]string{"x.md"}); err != nil {
			t.Fatal(err)
		}
		for round := range 2 {
			must(t, os.Remove(pagePath))
			if got := b.Current().File(PagePath("x")).Body(); !bytes.Equal(got, page) {
				t.Errorf("restart %v, round %d: served %q, want the page as it was", restart, round, got)
			}
			must(t, b.RetryDisk())
			if got, err := os.ReadFile(pagePath); err != nil || !bytes.Equal(got, page) {
				t.Errorf("restart %v, round %d: the page in out/ is %q (%v), want it as it was", restart, round, got, err)
			}
		}
	}
}

// TestLastGoodVersionFromEarlierStateFile: a state file written when a
// page's hash was the start of its SHA-256 (before sumOf) still brings back
// the last good version of a file that broke while dropfeed was stopped.
func TestLastGoodVersionFromEarlierStateFile(t *testing.T) {
	cfg, logs := testConfig(t, "https://example.com/")
	writeArticle(t, cfg.ArticlesDir, "x.md", "X\n---\n2020-01-01\n\nKept.\n")
	writeArticle(t, cfg.ArticlesDir, "y.md", "Y\n---\n2021-01-01\n\nNewer.\n")
	build(t, cfg)
	page, err := os.ReadFile(filepath.Join(cfg.OutDir, "articles", "x.html"))
	must(t, err)
	state := filepath.Join(cfg.OutDir, StateFile)
	data, err := os.ReadFile(state)
	must(t, err)
	now, sha := sumOf(page), sha256.Sum256(page)
	was := fmt.Sprintf(`"page":"%x"`, now)
	if !bytes.Contains(data, []byte(was)) {
		t.Fatalf("the state file has no %s:\n%s", was, data)
	}
	data = bytes.Replace(data, []byte(was), fmt.Appendf(nil, `"page":"%x"`, sha[:16]), 1)
	must(t, os.WriteFile(state, data, 0o644))
	writeArticle(t, cfg.ArticlesDir, "x.md", "")
	b := build(t, cfg)
	if f := b.Current().File(PagePath("x")); f == nil || !bytes.Equal(f.Body(), page) {
		t.Error("x's page is not published as it was")
	}
	if n := len(logs.matching(filepath.Join(cfg.ArticlesDir, "x.md"), "the last good version stays published")); n != 1 {
		t.Errorf("%d lines say x's last good version stays, want 1:\n%s", n, logs.matching("x.md"))
	}
}

// TestLastGoodVersionAfterTZChanged: a kept version whose date was in -tz
// comes back with the offset it was published with when -tz changed since
// (its page shows that date), not in the new zone.
func TestLastGoodVersionAfterTZChanged(t *testing.T) {
	cfg, logs := testConfig(t, "https://example.com/")
	writeArticle(t, cfg.ArticlesDir, "x.md", "X\n---\n2020-01-01 10:00\n\nIn UTC, the default -tz.\n")
	build(t, cfg)
	first := readTree(t, cfg.OutDir)
	writeArticle(t, cfg.ArticlesDir, "x.md", "")
	berlin, err := time.LoadLocation("Europe/Berlin")
	must(t, err)
	cfg.Loc = berlin
	build(t, cfg)
	after := readTree(t, cfg.OutDir)
	delete(after, StateFile) // its date is no longer in -tz, and the line says so
	delete(first, StateFile)
	if d := diffFiles(after, first); d != "" {
		t.Errorf("after -tz changed, the output folder changed: %s\n%s", d, logs)
	}
}

// TestLastGoodVersionPageGoneBeforeHeld: a page deleted from out/ before
// its file broke was never held; the looks of RetryDisk do not read the
// broken file again and again, nor say it again.
func TestLastGoodVersionPageGoneBeforeHeld(t *testing.T) {
	cfg, logs := testConfig(t, "https://example.com/")
	cfg.Site.Limit = 1
	writeArticle(t, cfg.ArticlesDir, "x.md", "X\n---\n2020-01-01\n\nOnly in its page.\n")
	writeArticle(t, cfg.ArticlesDir, "y.md", "Y\n---\n2021-01-01\n\nNewer.\n")
	b := build(t, cfg)
	must(t, os.Remove(filepath.Join(cfg.OutDir, "articles", "x.html")))
	writeArticle(t, cfg.ArticlesDir, "x.md", "")
	if _, err := b.Rebuild([]string{"x.md"}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		must(t, b.RetryDisk())
	}
	if n := len(logs.matching(filepath.Join(cfg.ArticlesDir, "x.md"), "file is empty")); n != 1 {
		t.Errorf("x.md said %d times, want once:\n%s", n, logs)
	}
}

// TestLastGoodVersionWhileBeingWritten: a file that some process holds open
// for writing on the first look of a run keeps its last good version until
// it is read, and that version is kept for the next run too.
func TestLastGoodVersionWhileBeingWritten(t *testing.T) {
	cfg, _ := testConfig(t, "https://example.com/")
	dir := cfg.ArticlesDir
	writeArticle(t, dir, "x.md", "Kept\n---\n2020-01-01\n\nBody.\n")
	writeArticle(t, dir, "y.md", "Other\n---\n2020-01-02\n\nBody.\n")
	build(t, cfg)
	first := readTree(t, cfg.OutDir)
	f, err := os.OpenFile(filepath.Join(dir, "x.md"), os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	b := build(t, cfg)
	f.Close()
	if d := diffFiles(readTree(t, cfg.OutDir), first); d != "" {
		t.Errorf("with x.md open for writing, the output folder changed: %s", d)
	}
	if s := b.Current().Stats; s.Published != 2 || s.Skipped != 1 {
		t.Errorf("%d published, %d skipped; want 2 and 1 (x.md left unread)", s.Published, s.Skipped)
	}
	writeArticle(t, dir, "x.md", "")
	build(t, cfg)
	if d := diffFiles(readTree(t, cfg.OutDir), first); d != "" {
		t.Errorf("x.md broken on the next run: the output folder changed: %s", d)
	}
}

// TestLastGoodVersionInUnreadFolder: a folder that cannot be read on the
// first look of a run keeps its files' last good versions, as it does when
// it becomes unreadable while serving (root reads any folder, so scan's
// answer is made here; TestUnreadableFolderKeepsArticles has the real one).
func TestLastGoodVersionInUnreadFolder(t *testing.T) {
	cfg, _ := testConfig(t, "https://example.com/")
	writeArticle(t, cfg.ArticlesDir, "top.md", "Top\n---\n2020-01-01\n\nOne.\n")
	writeArticle(t, cfg.ArticlesDir, "sub/in.md", "Inside\n---\n2020-01-02\n\nTwo.\n")
	writeArticle(t, cfg.ArticlesDir, "sub/deeper/more.md", "Deeper\n---\n2020-01-03\n\nThree.\n")
	build(t, cfg)
	b, err := NewBuilder(cfg) // a restart
	must(t, err)
	files, _, err := b.lib.scan("")
	must(t, err)
	files = slices.DeleteFunc(files, func(f found) bool { return strings.HasPrefix(f.rel, "sub/") })
	b.lib.update("", files, []string{"sub"}, nil, nil)
	l := b.lib.articles()
	var got []string
	for _, a := range l.list {
		got = append(got, a.Title)
		if b.unshelve(a); !strings.Contains(a.HTML, "<p>") {
			t.Errorf("%s: HTML %q", a.Path, a.HTML)
		}
	}
	if want := []string{"Deeper", "Inside", "Top"}; !slices.Equal(got, want) || l.skipped != 2 {
		t.Errorf("with sub unread: listed %q and %d skipped, want %q and 2", got, l.skipped, want)
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
				Article: &keptArticle{Slug: s, Page: s, Natural: s, ID: s, Title: s, Published: at, Zone: s, Undated: i%2 == 0,
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

package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// testConfig is a configuration over temporary folders, logging into logs.
func testConfig(t *testing.T, base string) (Config, *syncLog) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncLog{}
	return Config{
		Site:        Site{BaseURL: u, Title: "Test feed", Description: "Testing", Author: "Tester", Lang: "en", Limit: 50},
		ArticlesDir: filepath.Join(t.TempDir(), "articles"),
		OutDir:      filepath.Join(t.TempDir(), "out"),
		Loc:         time.UTC,
		Log:         slog.New(slog.NewTextHandler(logs, nil)),
	}, logs
}

func writeArticle(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func seedText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/seed.txt")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkWellFormed fails unless every XML token of doc decodes.
func checkWellFormed(t *testing.T, name string, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", name, err)
		}
	}
}

// parseFeeds parses the three feeds of a snapshot with gofeed.
func parseFeeds(t *testing.T, files map[string][]byte) map[string]*gofeed.Feed {
	t.Helper()
	out := map[string]*gofeed.Feed{}
	for _, name := range []string{RSSFile, AtomFile, JSONFile} {
		if name != JSONFile {
			checkWellFormed(t, name, files[name])
		} else if !json.Valid(files[name]) {
			t.Fatalf("%s is not valid JSON", name)
		}
		f, err := gofeed.NewParser().ParseString(string(files[name]))
		if err != nil {
			t.Fatalf("gofeed cannot parse %s: %v", name, err)
		}
		out[name] = f
	}
	return out
}

func snapshotBytes(s *Snapshot) map[string][]byte {
	m := map[string][]byte{}
	for name, f := range s.Files() {
		m[name] = f.Body()
	}
	return m
}

func build(t *testing.T, cfg Config) *Builder {
	t.Helper()
	b, err := NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Build(); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSeedInEveryFormat(t *testing.T) {
	cfg, _ := testConfig(t, "https://example.com/")
	writeArticle(t, cfg.ArticlesDir, "seed.txt", seedText(t))
	b := build(t, cfg)
	want := time.Date(2017, 5, 11, 0, 0, 0, 0, time.UTC)
	for name, f := range parseFeeds(t, snapshotBytes(b.Current())) {
		if len(f.Items) != 1 {
			t.Fatalf("%s: %d items", name, len(f.Items))
		}
		it := f.Items[0]
		if it.Title != seedTitle {
			t.Errorf("%s: title %q", name, it.Title)
		}
		if it.PublishedParsed == nil || !it.PublishedParsed.Equal(want) {
			t.Errorf("%s: published %v, want %v", name, it.PublishedParsed, want)
		}
		if it.Link != "https://example.com/articles/seed.html" || it.GUID != it.Link {
			t.Errorf("%s: link %q guid %q", name, it.Link, it.GUID)
		}
		if !strings.Contains(it.Content, "<em>") || !strings.Contains(it.Content, `href="https://example.com/articles/seed.html"`) {
			t.Errorf("%s: content lacks the italic quote or the absolute link", name)
		}
	}
	// The files on disk are the snapshot's bytes.
	for name, f := range b.Current().Files() {
		got, err := os.ReadFile(filepath.Join(cfg.OutDir, filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(got, f.Body()) {
			t.Errorf("out/%s differs from the snapshot (%v)", name, err)
		}
	}
}

// readTree is every file below dir, by relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		m[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDeterministic(t *testing.T) {
	articles := map[string]string{
		"seed.txt":        seedText(t),
		"a.md":            "---\ntitle: A & <b>\ndate: 2020-01-02\ntags: [x, y]\n---\nBody [link](b.html).\n",
		"b.md":            "B\n---\n2020-01-02\n\nSame date as A.\n",
		"sub/c.markdown":  "# C\n\n---\n11 May 2017\n\nSame date as the seed.\n",
		"sub/deeper/d.md": "D\n---\n2021-03-04T05:06:07+02:00\n\nText.\n",
	}
	names := []string{"seed.txt", "a.md", "b.md", "sub/c.markdown", "sub/deeper/d.md"}
	trees := make([]map[string][]byte, 2)
	for i := range trees {
		cfg, _ := testConfig(t, "https://example.com/")
		for j := range names {
			name := names[j]
			if i == 1 {
				name = names[len(names)-1-j] // the other order
			}
			writeArticle(t, cfg.ArticlesDir, name, articles[name])
			time.Sleep(2 * time.Millisecond) // different modification times too
		}
		b := build(t, cfg)
		first := readTree(t, cfg.OutDir)
		for range 2 { // rebuilding changes nothing
			if _, err := b.Build(); err != nil {
				t.Fatal(err)
			}
		}
		again := readTree(t, cfg.OutDir)
		if len(again) != len(first) {
			t.Fatalf("rebuild changed the file count: %d then %d", len(first), len(again))
		}
		for name := range first {
			if !bytes.Equal(first[name], again[name]) {
				t.Errorf("rebuild changed %s", name)
			}
		}
		trees[i] = first
	}
	if len(trees[0]) != len(trees[1]) || len(trees[0]) < 9 {
		t.Fatalf("file counts %d and %d", len(trees[0]), len(trees[1]))
	}
	for name, b := range trees[0] {
		if !bytes.Equal(b, trees[1][name]) {
			t.Errorf("%s differs between the two orders:\n%s\n---\n%s", name, b, trees[1][name])
		}
	}
}

func TestBadInputCostsOnlyItself(t *testing.T) {
	cfg, logs := testConfig(t, "https://example.com/")
	dir := cfg.ArticlesDir
	writeArticle(t, dir, "seed.txt", seedText(t))
	writeArticle(t, dir, "good.md", "Good\n---\n2020-01-01\n\nFine.\n")
	writeArticle(t, dir, "empty.md", "")
	writeArticle(t, dir, "binary.md", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00")
	writeArticle(t, dir, "latin1.md", "Caf\xe9 cr\xe8me\n---\n2020-01-02\n\nTr\xe8s bien.\n")
	writeArticle(t, dir, "controls.md", "Form\x0cfeed and N\x00UL\n---\n2020-01-03\n\nBody.\n")
	writeArticle(t, dir, "huge.md", "Huge\n---\n2020-01-04\n\n"+strings.Repeat("a", 11<<20))
	b := build(t, cfg)
	snap := b.Current()
	if snap.Stats.Seen != 7 || snap.Stats.Published != 4 || snap.Stats.Skipped != 3 {
		t.Errorf("stats %+v, want 7 seen, 4 published, 3 skipped", snap.Stats)
	}
	for file, reason := range map[string]string{
		"empty.md":  "file is empty",
		"binary.md": "binary data",
		"huge.md":   "over the 10 MiB limit",
	} {
		lines := logs.matching(filepath.Join(dir, file))
		if len(lines) != 1 || !strings.Contains(lines[0], reason) || !strings.Contains(lines[0], "skipped") {
			t.Errorf("log for %s: %q, want one skip line saying %q", file, lines, reason)
		}
	}
	for file, reason := range map[string]string{
		"latin1.md":   "invalid UTF-8",
		"controls.md": "control characters removed",
	} {
		lines := logs.matching(filepath.Join(dir, file))
		if len(lines) != 1 || !strings.Contains(lines[0], reason) {
			t.Errorf("log for %s: %q, want one line saying %q", file, lines, reason)
		}
	}
	titles := map[string]bool{}
	for name, f := range parseFeeds(t, snapshotBytes(snap)) {
		if len(f.Items) != 4 {
			t.Errorf("%s: %d items, want 4", name, len(f.Items))
		}
		for _, it := range f.Items {
			titles[it.Title] = true
		}
	}
	for _, want := range []string{seedTitle, "Good", "Caf\uFFFD cr\uFFFDme", "Formfeed and NUL"} {
		if !titles[want] {
			t.Errorf("no entry titled %q in %v", want, titles)
		}
	}
}

func TestLimitAndDrafts(t *testing.T) {
	cfg, _ := testConfig(t, "https://example.com/")
	cfg.Limit = 3
	for i := 1; i <= 5; i++ {
		writeArticle(t, cfg.ArticlesDir, fmt.Sprintf("p%d.md", i), fmt.Sprintf("Post %d\n---\n2020-01-0%d\n\nBody.\n", i, i))
	}
	writeArticle(t, cfg.ArticlesDir, "draft.md", "---\ntitle: Draft\ndate: 2030-01-01\ndraft: true\n---\nNot yet.\n")
	b := build(t, cfg)
	snap := b.Current()
	for name, f := range parseFeeds(t, snapshotBytes(snap)) {
		var got []string
		for _, it := range f.Items {
			got = append(got, it.Title)
		}
		if strings.Join(got, ",") != "Post 5,Post 4,Post 3" {
			t.Errorf("%s holds %v, want the newest three", name, got)
		}
	}
	index := string(snap.File(IndexFile).Body())
	for i := 1; i <= 5; i++ {
		if !strings.Contains(index, fmt.Sprintf(">Post %d<", i)) || snap.File(PagePath(fmt.Sprintf("p%d", i))) == nil {
			t.Errorf("index or pages lack Post %d", i)
		}
	}
	if strings.Contains(index, "Draft") || snap.File(PagePath("draft")) != nil {
		t.Error("the draft is published")
	}
	for _, typ := range []string{"application/rss+xml", "application/atom+xml", "application/feed+json"} {
		if !strings.Contains(index, `<link rel="alternate" type="`+typ+`"`) {
			t.Errorf("index lacks autodiscovery for %s", typ)
		}
	}
}

// TestAtomicWrites reads out/rss.xml over and over while 200 rebuilds, each
// with a changed article, replace it: every read must be a whole document.
func TestAtomicWrites(t *testing.T) {
	cfg, _ := testConfig(t, "https://example.com/")
	writeArticle(t, cfg.ArticlesDir, "seed.txt", seedText(t))
	writeArticle(t, cfg.ArticlesDir, "changing.md", "Changing\n---\n2020-01-01\n\nVersion 0.\n")
	b := build(t, cfg)
	rss := filepath.Join(cfg.OutDir, RSSFile)
	stop := make(chan struct{})
	var reads, versions int
	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		seen := map[string]bool{}
		for i := 0; i < 1_000_000; i++ {
			select {
			case <-stop:
				versions = len(seen)
				return
			default:
			}
			doc, err := os.ReadFile(rss)
			if err == nil {
				err = wellFormed(doc)
			}
			if err != nil {
				readErr = fmt.Errorf("read %d: %w", i, err)
				return
			}
			reads++
			seen[string(doc)] = true
		}
	})
	for i := 1; i <= 200; i++ {
		writeArticle(t, cfg.ArticlesDir, "changing.md", fmt.Sprintf("Changing\n---\n2020-01-01\n\nVersion %d. %s\n", i, strings.Repeat("words ", i*20)))
		if _, err := b.Rebuild([]string{"changing.md"}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if readErr != nil {
		t.Fatal(readErr)
	}
	if reads == 0 || versions < 2 {
		t.Fatalf("%d reads saw %d versions: the test did not race the writer", reads, versions)
	}
	t.Logf("%d reads, %d versions, all well-formed", reads, versions)
}

func wellFormed(doc []byte) error {
	d := xml.NewDecoder(bytes.NewReader(doc))
	root := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if root != 1 {
				return fmt.Errorf("%d root elements", root)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rss" {
			root++
		}
	}
}

func TestStalePagesRemoved(t *testing.T) {
	cfg, _ := testConfig(t, "https://example.com/")
	writeArticle(t, cfg.ArticlesDir, "keep.md", "Keep\n---\n2020-01-01\n\nx\n")
	writeArticle(t, cfg.ArticlesDir, "sub/gone.md", "Gone\n---\n2020-01-01\n\nx\n")
	// Leftovers of a crashed run.
	leftovers := []string{tempPrefix + "1", "articles/" + tempPrefix + "2", "articles/deep/" + tempPrefix + "3"}
	for _, name := range append(leftovers, "other/"+tempPrefix+"4") {
		writeArticle(t, cfg.OutDir, name, "half")
	}
	os.WriteFile(filepath.Join(cfg.OutDir, ".gitkeep"), nil, 0o644)
	b := build(t, cfg)
	for _, name := range leftovers {
		if _, err := os.Stat(filepath.Join(cfg.OutDir, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a leftover temporary file survived the start: %s", name)
		}
	}
	// Only where dropfeed writes: not in a folder of the output folder's
	// that it never writes to.
	if _, err := os.Stat(filepath.Join(cfg.OutDir, "other", tempPrefix+"4")); err != nil {
		t.Errorf("a file outside what dropfeed writes was touched: %v", err)
	}
	page := filepath.Join(cfg.OutDir, "articles", "sub", "gone.html")
	if _, err := os.Stat(page); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(cfg.ArticlesDir, "sub", "gone.md"))
	if _, err := b.Rebuild([]string{"sub/gone.md"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(page); !errors.Is(err, fs.ErrNotExist) {
		t.Error("the page of a deleted article is still in out/")
	}
	if _, err := os.Stat(filepath.Dir(page)); !errors.Is(err, fs.ErrNotExist) {
		t.Error("the emptied folder is still in out/")
	}
	if _, err := os.Stat(filepath.Join(cfg.OutDir, ".gitkeep")); err != nil {
		t.Error("out/.gitkeep was removed")
	}
}

func TestRebuildLogLine(t *testing.T) {
	cfg, logs := testConfig(t, "https://example.com/")
	writeArticle(t, cfg.ArticlesDir, "a.md", "A\n---\n2020-01-01\n\nx\n")
	writeArticle(t, cfg.ArticlesDir, "b.md", "")
	build(t, cfg)
	lines := logs.matching("msg=rebuilt")
	if len(lines) != 1 {
		t.Fatalf("rebuild log lines: %q", lines)
	}
	for _, want := range []string{"articles=2", "published=1", "skipped=1", "duration="} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("rebuild log %q lacks %s", lines[0], want)
		}
	}
}

func TestClashingSlugsKeepBoth(t *testing.T) {
	cfg, _ := testConfig(t, "https://example.com/")
	writeArticle(t, cfg.ArticlesDir, "post.md", "From md\n---\n2020-01-01\n\n[self](#top)\n")
	writeArticle(t, cfg.ArticlesDir, "post.txt", "From txt\n---\n2020-01-02\n\n[self](#top)\n")
	writeArticle(t, cfg.ArticlesDir, "Post!.md", "From bang\n---\n2020-01-03\n\n[self](#top)\n")
	b := build(t, cfg)
	snap := b.Current()
	if snap.Stats.Published != 3 {
		t.Fatalf("%d published, want 3", snap.Stats.Published)
	}
	pages := map[string]string{} // title → page
	for name, f := range snap.Files() {
		if strings.HasPrefix(name, "articles/") {
			body := string(f.Body())
			for _, title := range []string{"From md", "From txt", "From bang"} {
				if strings.Contains(body, "<h1>"+title+"</h1>") {
					pages[title] = name
					// Its own # link points at its own page.
					if !strings.Contains(body, `href="https://example.com/`+name+`#top"`) {
						t.Errorf("%s: the # link does not resolve against its own page", name)
					}
				}
			}
		}
	}
	// "Post!.md" sorts before "post.md" and "post.txt", so it keeps the slug.
	if pages["From bang"] != "articles/post.html" || len(pages) != 3 {
		t.Errorf("pages %v: want three, with Post!.md at articles/post.html", pages)
	}
	// Rebuilding gives the same addresses.
	b.Build()
	for title, name := range pages {
		if !strings.Contains(string(b.Current().File(name).Body()), title) {
			t.Errorf("after a rebuild %s no longer holds %q", name, title)
		}
	}
}

func TestStrictRefusesSkipped(t *testing.T) {
	cfg, _ := testConfig(t, "https://example.com/")
	cfg.Strict = true
	writeArticle(t, cfg.ArticlesDir, "ok.md", "OK\n---\n2020-01-01\n\nx\n")
	writeArticle(t, cfg.ArticlesDir, "bad.md", "")
	b, err := NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var se *StrictError
	if _, err := b.First(); !errors.As(err, &se) || se.Skipped != 1 {
		t.Errorf("First with -strict and a skipped file: %v", err)
	}
}

// A file some process still has open for writing is left out of a build,
// and counted as skipped: -strict refuses it.
func TestStrictCountsFileBeingWritten(t *testing.T) {
	cfg, logs := testConfig(t, "https://example.com/")
	cfg.Strict = true
	writeArticle(t, cfg.ArticlesDir, "ok.md", "OK\n---\n2020-01-01\n\nx\n")
	f, err := os.Create(filepath.Join(cfg.ArticlesDir, "copying.md"))
	must(t, err)
	defer f.Close()
	f.WriteString("Copying\n---\n2020-01-02\n\nfirst half")
	b, err := NewBuilder(cfg)
	must(t, err)
	var se *StrictError
	st, err := b.First()
	if !errors.As(err, &se) || se.Skipped != 1 || st.Published != 1 {
		t.Errorf("First with -strict and a file open for writing: %+v, %v", st, err)
	}
	if len(logs.matching("copying.md", "still open for writing")) == 0 {
		t.Errorf("no log line names the file being written:\n%s", logs)
	}
	f.Close()
	if st, err := b.First(); err != nil || st.Skipped != 0 || st.Published != 2 {
		t.Errorf("First once the writer closed the file: %+v, %v", st, err)
	}
}

// The HTML of articles outside the feeds is put away once their page is
// rendered; an article that enters the feeds later (a newer one deleted)
// gets it back byte for byte: the output equals a fresh build's.
func TestShelvedArticleEntersFeeds(t *testing.T) {
	cfg, _ := testConfig(t, "https://example.com/")
	cfg.Limit = 2
	for i, day := range []string{"01", "02", "03", "04"} {
		writeArticle(t, cfg.ArticlesDir, fmt.Sprintf("a%d.md", i), fmt.Sprintf("Title %d\n---\n2024-05-%s\n\nBody *%d* with a [link](other.html).\n", i, day, i))
	}
	b := build(t, cfg)
	for _, gone := range []string{"a3.md", "a2.md"} {
		must(t, os.Remove(filepath.Join(cfg.ArticlesDir, gone)))
		if _, err := b.Rebuild([]string{gone}); err != nil {
			t.Fatal(err)
		}
		fresh := cfg
		fresh.OutDir = t.TempDir()
		want := snapshotBytes(build(t, fresh).Current())
		got := snapshotBytes(b.Current())
		if len(got) != len(want) {
			t.Fatalf("after removing %s: %d files, fresh build %d", gone, len(got), len(want))
		}
		for name, body := range want {
			if !bytes.Equal(got[name], body) {
				t.Errorf("after removing %s: %s differs from a fresh build's:\n%s\nwant\n%s", gone, name, got[name], body)
			}
		}
	}
}

// The output folder may lie inside the articles folder, but its pages may
// not be written into the articles folder: that is refused, naming both.
func TestFoldersOverlap(t *testing.T) {
	root := t.TempDir()
	for _, c := range []struct {
		articles, out string
		ok            bool
	}{
		{"a", "a/out", true},
		{"a", "a/sub/out", true},
		{"s/posts", "s", true}, // beside the pages, not among them
		{"a", "b", true},
		{"a", "a", false},
		{"s/articles", "s", false},
		{"s/articles/posts", "s", false},
	} {
		cfg, _ := testConfig(t, "http://127.0.0.1:8080/")
		cfg.ArticlesDir = filepath.Join(root, c.articles)
		cfg.OutDir = filepath.Join(root, c.out)
		_, err := NewBuilder(cfg)
		if c.ok && err != nil {
			t.Errorf("-articles %s -out %s: %v", c.articles, c.out, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), cfg.OutDir) || !strings.Contains(err.Error(), cfg.ArticlesDir)) {
			t.Errorf("-articles %s -out %s: %v, want an error naming both folders", c.articles, c.out, err)
		}
	}
	// Through a symbolic link too.
	must(t, os.Symlink(filepath.Join(root, "s"), filepath.Join(root, "link")))
	cfg, _ := testConfig(t, "http://127.0.0.1:8080/")
	cfg.ArticlesDir, cfg.OutDir = filepath.Join(root, "s", "articles"), filepath.Join(root, "link")
	if _, err := NewBuilder(cfg); err == nil {
		t.Errorf("-articles s/articles -out link-to-s: no error")
	}
	// The output folder's articles/ a link to the articles folder.
	must(t, os.MkdirAll(filepath.Join(root, "site"), 0o755))
	must(t, os.Symlink(filepath.Join(root, "a"), filepath.Join(root, "site", "articles")))
	cfg.ArticlesDir, cfg.OutDir = filepath.Join(root, "a"), filepath.Join(root, "site")
	if _, err := NewBuilder(cfg); err == nil {
		t.Errorf("-articles a -out site, site/articles a link to a: no error")
	}
	// ... or to a folder inside it.
	must(t, os.MkdirAll(filepath.Join(root, "a", "pages"), 0o755))
	must(t, os.MkdirAll(filepath.Join(root, "site2"), 0o755))
	must(t, os.Symlink(filepath.Join(root, "a", "pages"), filepath.Join(root, "site2", "articles")))
	cfg.OutDir = filepath.Join(root, "site2")
	if _, err := NewBuilder(cfg); err == nil {
		t.Errorf("-articles a -out site2, site2/articles a link to a/pages: no error")
	}
}

// TestBuildGC: a build from nothing of at most roomyBuild files reads and
// renders them at GOGC=BuildGC, and puts the collector back as it was;
// a rebuild, or a bigger folder, leaves it alone.
func TestBuildGC(t *testing.T) {
	defer func(n int) { roomyBuild = n }(roomyBuild)
	roomyBuild = 3
	gogc := func() uint64 {
		m := []metrics.Sample{{Name: "/gc/gogc:percent"}}
		metrics.Read(m)
		return m[0].Value.Uint64()
	}
	before := gogc()
	if before == 200 {
		t.Skip("GOGC is 200 already")
	}
	// builds runs a build from nothing of n articles, then a rebuild with
	// one more, and gives the GOGC of each clock read while a page was
	// made (once per article, as it is parsed) in each.
	builds := func(n int) (first, again []uint64) {
		cfg, _ := testConfig(t, "https://example.com/")
		cfg.BuildGC = 200
		var mu sync.Mutex
		var seen *[]uint64
		cfg.Now = func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			if seen != nil {
				*seen = append(*seen, gogc())
			}
			return time.Now()
		}
		for i := range n {
			writeArticle(t, cfg.ArticlesDir, fmt.Sprintf("a%d.md", i), fmt.Sprintf("A%d\n---\n2020-01-0%d\n\nText.\n", i, i+1))
		}
		b, err := NewBuilder(cfg)
		must(t, err)
		seen = &first
		_, err = b.First()
		must(t, err)
		if n := gogc(); n != before {
			t.Errorf("GOGC %d after the first build, want %d as before", n, before)
		}
		writeArticle(t, cfg.ArticlesDir, "new.md", "New\n---\n2021-01-01\n\nText.\n")
		mu.Lock()
		seen = &again
		mu.Unlock()
		if n == 0 {
			_, err = b.Rebuild([]string{"new.md"})
		} else {
			_, err = b.Rebuild([]string{""}) // the whole folder, as after a lost event
		}
		must(t, err)
		return first, again
	}
	count := func(vs []uint64, v uint64) (n int) {
		for _, x := range vs {
			if x == v {
				n++
			}
		}
		return n
	}
	first, again := builds(2) // and a third in the rebuild: within roomyBuild too
	if count(first, 200) != 2 || len(again) == 0 || count(again, 200) != 0 {
		t.Errorf("2 files: GOGC at each page %v in the first build (want 200 for each of 2), %v in the rebuild (want %d)", first, again, before)
	}
	first, _ = builds(4)
	if count(first, 200) != 0 {
		t.Errorf("4 files, over roomyBuild: GOGC at each page %v, want %d", first, before)
	}
	// The first file of an empty folder, rebuilt by its path: not a build
	// of the whole folder.
	_, again = builds(0)
	if len(again) == 0 || count(again, 200) != 0 {
		t.Errorf("a file new in an empty folder: GOGC at each page %v, want %d", again, before)
	}
	// Two Builders at once: the collector is put back all the same.
	for range 10 {
		var wg sync.WaitGroup
		for range 2 {
			cfg, _ := testConfig(t, "https://example.com/")
			cfg.BuildGC = 200
			for i := range 3 {
				writeArticle(t, cfg.ArticlesDir, fmt.Sprintf("a%d.md", i), "A\n---\n2020-01-01\n\nText.\n")
			}
			b, err := NewBuilder(cfg)
			must(t, err)
			wg.Go(func() { b.First() })
		}
		wg.Wait()
	}
	if n := gogc(); n != before {
		t.Errorf("GOGC %d after two Builders' builds at once, want %d as before", n, before)
	}
}

// JSON Feed 1.1 requires "items", even empty, and in each item content_html
// or content_text: gorilla/feeds leaves both out when empty.
func TestJSONFeedRequiredFields(t *testing.T) {
	cfg, _ := testConfig(t, "http://example.com/")
	must(t, os.MkdirAll(cfg.ArticlesDir, 0o755))
	b := build(t, cfg)
	var doc map[string]any
	must(t, json.Unmarshal(b.Current().File(JSONFile).Body(), &doc))
	if items, ok := doc["items"].([]any); !ok || len(items) != 0 {
		t.Errorf("no articles: items %#v, want []", doc["items"])
	}
	writeArticle(t, cfg.ArticlesDir, "t.md", "Only a title\n---\n2024-01-04\n")
	if _, err := b.Build(); err != nil {
		t.Fatal(err)
	}
	must(t, json.Unmarshal(b.Current().File(JSONFile).Body(), &doc))
	items, _ := doc["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("items %#v, want one", doc["items"])
	}
	if html, ok := items[0].(map[string]any)["content_html"].(string); !ok || html != "" {
		t.Errorf("an article without a body: content_html %#v, want \"\"", items[0].(map[string]any)["content_html"])
	}
}

// A link by absolute path to an article inside the folder is followed when
// the folder is given by a relative path too (as -articles is by default).
// The working folder may be reached through a link itself (its $PWD then
// names the link, which os.Getwd gives).
func TestAbsoluteLinkInRelativeFolder(t *testing.T) {
	for _, throughLink := range []bool{false, true} {
		cfg, logs := testConfig(t, "http://example.com/")
		parent := filepath.Dir(cfg.ArticlesDir)
		writeArticle(t, cfg.ArticlesDir, "real/r.md", "Real\n---\n2024-01-01\n\nx\n")
		must(t, os.Symlink("/etc/hostname", filepath.Join(cfg.ArticlesDir, "out.md")))
		if throughLink {
			alias := filepath.Join(t.TempDir(), "alias")
			must(t, os.Symlink(parent, alias))
			parent = alias
		}
		must(t, os.Symlink(filepath.Join(parent, "articles", "real", "r.md"), filepath.Join(cfg.ArticlesDir, "abs.md")))
		t.Chdir(parent)
		t.Setenv("PWD", parent)
		cfg.ArticlesDir = "articles"
		b := build(t, cfg)
		if b.Current().File(PagePath("abs")) == nil {
			t.Errorf("working folder through a link %v: the link by absolute path was not followed:\n%s", throughLink, logs)
		}
		if b.Current().File(PagePath("out")) != nil || len(logs.matching("out.md", "outside the articles folder")) != 1 {
			t.Errorf("a link out of the folder: want it skipped, with one line saying so:\n%s", logs)
		}
	}
}

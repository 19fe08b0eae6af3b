package feed_test

// The conformance test serves the corpus in testdata/conformance/articles
// with the real server on 127.0.0.1 and has feed readers other people wrote
// read it: xmllint, Python's feedparser, newsboat and gofeed. Each reader's
// view is compared field by field with testdata/conformance/expected.json,
// which was written by hand from the article files. A reader that is not
// installed skips its part with a message; CI installs them all.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the corpus is dated in Europe/Berlin on any machine

	"github.com/mmcdole/gofeed"
	xhtml "golang.org/x/net/html"

	"dropfeed/feed"
)

const confDir = "testdata/conformance"

// confArticle is one article of the corpus as expected.json describes it.
type confArticle struct {
	File      string   `json:"file"`
	Title     string   `json:"title"`
	Slug      string   `json:"slug"`
	ID        string   `json:"id"`      // explicit id; "" for the permalink
	AtomID    string   `json:"atom_id"` // Atom's id where it differs from ID
	Published string   `json:"published"`
	Updated   string   `json:"updated"` // "" for Published
	Author    string   `json:"author"`
	Tags      []string `json:"tags"`
	Summary   string   `json:"summary"` // checked where given
	Content   []string `json:"content"` // fragments of the HTML content
	Draft     bool     `json:"draft"`
	MTime     string   `json:"mtime"` // set on the file before the build
}

// confServer is the corpus being served.
type confServer struct {
	base     string // http://127.0.0.1:port/
	dir      string // the articles folder it watches
	articles []confArticle
}

func (s *confServer) link(a confArticle) string { return s.base + "articles/" + a.Slug + ".html" }

// expand fills in the {base} and {page} of a content fragment.
func (s *confServer) expand(a confArticle, frag string) string {
	return strings.NewReplacer("{base}", s.base, "{page}", s.link(a)).Replace(frag)
}

// id is the entry's id in RSS and JSON Feed (atom false) or in Atom.
func (s *confServer) id(a confArticle, atom bool) string {
	switch {
	case atom && a.AtomID != "":
		return a.AtomID
	case a.ID != "":
		return a.ID
	}
	return s.link(a)
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("expected.json: %v", err)
	}
	return tm
}

func (a confArticle) published(t *testing.T) time.Time { return mustTime(t, a.Published) }

func (a confArticle) updated(t *testing.T) time.Time {
	if a.Updated == "" {
		return a.published(t)
	}
	return mustTime(t, a.Updated)
}

// published lists the articles the feeds must hold, newest first (ties by
// file, as the spec orders them).
func (s *confServer) published(t *testing.T) []confArticle {
	var list []confArticle
	for _, a := range s.articles {
		if !a.Draft {
			list = append(list, a)
		}
	}
	slices.SortStableFunc(list, func(a, b confArticle) int {
		if c := b.published(t).Compare(a.published(t)); c != 0 {
			return c
		}
		return strings.Compare(a.File, b.File)
	})
	return list
}

// serveCorpus copies the corpus to a temporary folder, dates its undated
// files, and serves it as dropfeed's serve mode does until the test ends.
func serveCorpus(t *testing.T) *confServer {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(confDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct{ Articles []confArticle }
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatalf("expected.json: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "articles")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(confDir, "articles"))); err != nil {
		t.Fatal(err)
	}
	files := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, _ error) error {
		if !d.IsDir() {
			files++
		}
		return nil
	})
	if files != len(exp.Articles) {
		t.Fatalf("corpus has %d files, expected.json describes %d", files, len(exp.Articles))
	}
	for _, a := range exp.Articles {
		if a.MTime != "" {
			tm := mustTime(t, a.MTime)
			if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(a.File)), tm, tm); err != nil {
				t.Fatal(err)
			}
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://" + ln.Addr().String() + "/")
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	b, err := feed.NewBuilder(feed.Config{
		Site: feed.Site{
			BaseURL:     base,
			Title:       "Conformance corpus",
			Description: "Every feature of the article format",
			Author:      "Corpus Desk",
			Lang:        "en",
			Limit:       50,
		},
		ArticlesDir: dir,
		OutDir:      filepath.Join(t.TempDir(), "out"),
		Addr:        ln.Addr().String(),
		Loc:         loc,
		Log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not stop within 10 s of its context ending")
		}
	})
	return &confServer{base: base.String(), dir: dir, articles: exp.Articles}
}

var confClient = &http.Client{Timeout: 10 * time.Second}

// get fetches a file the server serves; the server is ready once it answers.
func (s *confServer) get(t *testing.T, name string) []byte {
	t.Helper()
	resp, err := confClient.Get(s.base + name)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", name, resp.Status, err)
	}
	return body
}

func TestConformance(t *testing.T) {
	s := serveCorpus(t)
	feeds := map[string][]byte{}
	for _, name := range []string{feed.RSSFile, feed.AtomFile, feed.JSONFile} {
		feeds[name] = s.get(t, name)
	}

	t.Run("raw bytes", func(t *testing.T) { checkRaw(t, s, feeds) })
	t.Run("xmllint", func(t *testing.T) { checkXMLLint(t, feeds) })
	t.Run("feedparser", func(t *testing.T) { checkFeedparser(t, s) })
	t.Run("gofeed", func(t *testing.T) { checkGofeed(t, s, feeds) })
	t.Run("brotli", func(t *testing.T) { checkBrotli(t, s, feeds) })
	// Last: it edits the articles.
	t.Run("newsboat", func(t *testing.T) { checkNewsboat(t, s) })
}

// brotliGet fetches a URL asking for brotli only and prints the body
// uncompressed by Google's brotli library (Debian's python3-brotli), after
// checking that it came in brotli.
const brotliGet = `
import brotli, sys, urllib.request
req = urllib.request.Request(sys.argv[1], headers={"Accept-Encoding": "br"})
with urllib.request.urlopen(req, timeout=10) as r:
    coding = r.headers.get("Content-Encoding")
    if coding != "br":
        sys.exit("Content-Encoding: %r" % coding)
    sys.stdout.buffer.write(brotli.decompress(r.read()))
`

// checkBrotli has two brotli decoders other than the one that encoded the
// feeds read them: Python's binding of Google's library, and curl
// (--compressed, which asks for "deflate, gzip, br, zstd").
func checkBrotli(t *testing.T, s *confServer, feeds map[string][]byte) {
	t.Run("python3-brotli", func(t *testing.T) {
		py := python(t, "brotli", "python3-brotli")
		for name, want := range feeds {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, py, "-c", brotliGet, s.base+name)
			cmd.Env = loopback()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			got, err := cmd.Output()
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: %v, %d bytes, want the %d of identity\n%s", name, err, len(got), len(want), stderr.Bytes())
			}
		}
	})
	t.Run("curl", func(t *testing.T) {
		curl, err := exec.LookPath("curl")
		if err != nil {
			t.Skip("curl not installed (Debian: curl)")
		}
		for name, want := range feeds {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out := filepath.Join(t.TempDir(), name)
			cmd := exec.CommandContext(ctx, curl, "-sS", "--compressed", "-o", out, "-w", "%header{content-encoding}", s.base+name)
			cmd.Env = loopback()
			coding, err := cmd.Output()
			if err != nil {
				t.Fatalf("curl %s: %v", name, err)
			}
			got, err := os.ReadFile(out)
			if string(coding) != "br" || err != nil || !bytes.Equal(got, want) {
				t.Errorf("curl --compressed %s: Content-Encoding %q, %d bytes (%v), want br and the %d of identity", name, coding, len(got), err, len(want))
			}
		}
	})
}

// checkRaw looks at the bytes as served: nothing the sanitiser must remove
// and no draft made it into any feed.
func checkRaw(t *testing.T, s *confServer, feeds map[string][]byte) {
	var draft confArticle
	for _, a := range s.articles {
		if a.Draft {
			draft = a
		}
	}
	for name, body := range feeds {
		for _, bad := range []string{"<script", "&lt;script", "alert(", "onerror", "onclick", "javascript:", draft.Title, s.link(draft)} {
			if bytes.Contains(body, []byte(bad)) {
				t.Errorf("%s holds %q", name, bad)
			}
		}
	}
}

func checkXMLLint(t *testing.T, feeds map[string][]byte) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed (Debian: libxml2-utils); XML well-formedness not checked by it")
	}
	for _, name := range []string{feed.RSSFile, feed.AtomFile} {
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, feeds[name], 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(xmllint, "--noout", path).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("xmllint --noout %s: %v\n%s", name, err, out)
		}
	}
}

// python is Debian's Python 3 able to import module (from the Debian
// package pkg), or a skip.
func python(t *testing.T, module, pkg string) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skipf("%s not installed (Debian: %s)", py, pkg)
	}
	if out, err := exec.Command(py, "-c", "import "+module).CombinedOutput(); err != nil {
		t.Skipf("python3 cannot import %s (Debian: %s): %s", module, pkg, out)
	}
	return py
}

// loopback is the environment for a reader run as a child process: the
// parent's, but never through a proxy, as the test talks only to 127.0.0.1.
func loopback() []string {
	return append(os.Environ(), "no_proxy=127.0.0.1", "NO_PROXY=127.0.0.1")
}

// fpFeed is what feedparser_dump.py prints.
type fpFeed struct {
	Version       string
	Bozo          int
	BozoException string `json:"bozo_exception"`
	Status        int
	Feed          struct {
		Title, Link, Language, Author string
		Updated                       int64
		Self                          []string
	}
	Entries []struct {
		Title       string
		TitleType   string `json:"title_type"`
		Link, ID    string
		Published   int64
		Updated     int64
		Author      string
		Tags        []string
		Summary     string
		SummaryType string `json:"summary_type"`
		Content     []string
	}
}

func checkFeedparser(t *testing.T, s *confServer) {
	py := python(t, "feedparser", "python3-feedparser")
	want := s.published(t)
	for _, f := range []struct {
		name, version string
		atom          bool
	}{{feed.RSSFile, "rss20", false}, {feed.AtomFile, "atom10", true}} {
		t.Run(f.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, py, filepath.Join(confDir, "feedparser_dump.py"), s.base+f.name)
			cmd.Env = loopback()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("feedparser: %v\n%s", err, stderr.Bytes())
			}
			var got fpFeed
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("feedparser output: %v\n%s", err, out)
			}
			if got.Bozo != 0 || got.Version != f.version || got.Status != 200 {
				t.Fatalf("feedparser: bozo %d (%s), version %q, status %d; want bozo 0, version %s, status 200",
					got.Bozo, got.BozoException, got.Version, got.Status, f.version)
			}
			newest := mustTime(t, "2019-03-03T12:00:00Z") // 23-neither.txt's mtime, the newest date in the corpus
			if got.Feed.Title != "Conformance corpus" || got.Feed.Link != s.base || got.Feed.Language != "en" ||
				got.Feed.Author != "Corpus Desk" || got.Feed.Updated != newest.Unix() ||
				!slices.Equal(got.Feed.Self, []string{s.base + f.name}) {
				t.Errorf("feed: title %q, link %q, language %q, author %q, updated %s, self %q",
					got.Feed.Title, got.Feed.Link, got.Feed.Language, got.Feed.Author,
					time.Unix(got.Feed.Updated, 0).UTC(), got.Feed.Self)
			}
			if len(got.Entries) != len(want) {
				t.Fatalf("%d entries, want %d", len(got.Entries), len(want))
			}
			for i, e := range got.Entries {
				a := want[i]
				t.Run(a.File, func(t *testing.T) {
					title := e.Title
					if f.atom && e.TitleType == "text/html" {
						title = htmlText(title) // type="html": what a reader shows
					}
					updated := a.updated(t)
					if !f.atom {
						updated = a.published(t) // RSS has pubDate only; feedparser reads it as both
					}
					for _, c := range []struct {
						field     string
						got, want any
					}{
						{"title", title, a.Title},
						{"link", e.Link, s.link(a)},
						{"id", e.ID, s.id(a, f.atom)},
						{"published", time.Unix(e.Published, 0).UTC(), a.published(t).UTC()},
						{"updated", time.Unix(e.Updated, 0).UTC(), updated.UTC()},
						{"author", e.Author, a.Author},
						{"tags", fmt.Sprintf("%q", e.Tags), fmt.Sprintf("%q", orEmpty(a.Tags))},
					} {
						if c.got != c.want {
							t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
						}
					}
					if a.Summary != "" {
						// RSS's description is HTML, and so is an Atom summary
						// of type="html": compare what a reader shows.
						sum := e.Summary
						if e.SummaryType == "text/html" {
							sum = htmlText(sum)
						}
						if sum != a.Summary {
							t.Errorf("summary shows %q (%s %q), want %q", sum, e.SummaryType, e.Summary, a.Summary)
						}
					}
					if len(e.Content) != 1 {
						t.Fatalf("%d content elements, want 1", len(e.Content))
					}
					checkContent(t, s, a, e.Content[0])
				})
			}
		})
	}
}

// htmlText is what a reader shows of an HTML fragment: its text, tags
// dropped, entities decoded.
func htmlText(s string) string {
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return b.String()
		case xhtml.TextToken:
			b.WriteString(z.Token().Data)
		}
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// checkContent checks an entry's HTML as a reader got it: every fragment the
// corpus expects, and only absolute links.
func checkContent(t *testing.T, s *confServer, a confArticle, content string) {
	t.Helper()
	for _, frag := range a.Content {
		if frag = s.expand(a, frag); !strings.Contains(content, frag) {
			t.Errorf("content lacks %q:\n%s", frag, content)
		}
	}
	z := xhtml.NewTokenizer(strings.NewReader(content))
	for z.Next() != xhtml.ErrorToken {
		for _, attr := range z.Token().Attr {
			if attr.Key != "href" && attr.Key != "src" {
				continue
			}
			if u, err := url.Parse(attr.Val); err != nil || !u.IsAbs() || u.Host == "" {
				t.Errorf("content has a relative or broken %s=%q", attr.Key, attr.Val)
			}
		}
	}
}

// checkGofeed parses all three formats with gofeed: each must give the
// expected entries, and the three must agree with each other.
func checkGofeed(t *testing.T, s *confServer, feeds map[string][]byte) {
	want := s.published(t)
	type entry struct {
		Title, Link, ID     string
		Published, Updated  time.Time
		Authors, Categories []string
		Content             string
	}
	parsed := map[string][]entry{}
	for _, name := range []string{feed.RSSFile, feed.AtomFile, feed.JSONFile} {
		f, err := gofeed.NewParser().Parse(bytes.NewReader(feeds[name]))
		if err != nil {
			t.Fatalf("gofeed %s: %v", name, err)
		}
		wantType := map[string]string{feed.RSSFile: "rss", feed.AtomFile: "atom", feed.JSONFile: "json"}[name]
		if f.FeedType != wantType || f.Title != "Conformance corpus" || f.Link != s.base || f.Language != "en" {
			t.Errorf("gofeed %s: type %q, title %q, link %q, language %q", name, f.FeedType, f.Title, f.Link, f.Language)
		}
		if len(f.Items) != len(want) {
			t.Fatalf("gofeed %s: %d items, want %d", name, len(f.Items), len(want))
		}
		for i, it := range f.Items {
			a := want[i]
			e := entry{Title: it.Title, Link: it.Link, ID: it.GUID, Categories: it.Categories, Content: strings.TrimSpace(it.Content)}
			summary := it.Description
			if name == feed.AtomFile {
				// gofeed hands back type="html" text as HTML, which the
				// adapter uses for text holding < or &; as plain text
				// (type="text") such a title would lose its "<b>" here.
				e.Title = htmlText(e.Title)
			}
			if name != feed.JSONFile {
				summary = htmlText(summary) // RSS's description is HTML; see above for Atom
			}
			if a.Summary != "" && summary != a.Summary {
				t.Errorf("gofeed %s %s: summary shows %q, want %q", name, a.File, summary, a.Summary)
			}
			if it.PublishedParsed != nil {
				e.Published = it.PublishedParsed.UTC()
			}
			if it.UpdatedParsed != nil {
				e.Updated = it.UpdatedParsed.UTC()
			}
			for _, p := range it.Authors {
				e.Authors = append(e.Authors, p.Name)
			}
			parsed[name] = append(parsed[name], e)

			var authors []string
			if a.Author != "" {
				authors = []string{a.Author}
			}
			checks := []struct {
				field     string
				got, want any
			}{
				{"title", e.Title, a.Title},
				{"link", e.Link, s.link(a)},
				{"id", e.ID, s.id(a, name == feed.AtomFile)},
				{"published", e.Published, a.published(t).UTC()},
				{"authors", fmt.Sprintf("%q", e.Authors), fmt.Sprintf("%q", authors)},
				{"categories", fmt.Sprintf("%q", e.Categories), fmt.Sprintf("%q", a.Tags)},
			}
			if name != feed.RSSFile {
				checks = append(checks, struct {
					field     string
					got, want any
				}{"updated", e.Updated, a.updated(t).UTC()})
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("gofeed %s %s: %s = %v, want %v", name, a.File, c.field, c.got, c.want)
				}
			}
			checkContent(t, s, a, e.Content)
		}
	}
	// The formats agree on everything they share; ids differ only where
	// Atom needs an IRI.
	for i, a := range want {
		r, at, j := parsed[feed.RSSFile][i], parsed[feed.AtomFile][i], parsed[feed.JSONFile][i]
		if at.ID != r.ID {
			at.ID = r.ID
			if a.AtomID == "" {
				t.Errorf("%s: Atom id differs from RSS guid though no Atom id is expected", a.File)
			}
		}
		j.Updated, at.Updated = time.Time{}, time.Time{} // RSS has no updated date
		if fmt.Sprintf("%q", r) != fmt.Sprintf("%q", at) || fmt.Sprintf("%q", r) != fmt.Sprintf("%q", j) {
			t.Errorf("%s: formats disagree\nrss:  %q\natom: %q\njson: %q", a.File, r, at, j)
		}
	}
}

// nbItem is a row of newsboat's cache, as newsboat_items.py prints it.
type nbItem struct {
	FeedURL string
	GUID    string
	Title   string
	URL     string
	Author  string
	PubDate int64
	Content string
	Deleted int
}

// newsboat is one newsboat subscribed to one feed, with its own files in a
// temporary folder: one subscriber per feed, because newsboat keys its cache
// by guid alone, and RSS and Atom entries share them.
type newsboat struct {
	bin, py, dir string
}

func (nb newsboat) reload(t *testing.T) []nbItem {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nb.bin, "-u", "urls", "-c", "cache.db", "-C", "config", "-x", "reload")
	cmd.Dir = nb.dir
	// newsboat makes ~/.newsboat (or XDG folders) even when told where its
	// files are: keep them in the temporary folder.
	cmd.Env = []string{"HOME=" + nb.dir, "XDG_CONFIG_HOME=" + nb.dir, "XDG_DATA_HOME=" + nb.dir,
		"XDG_CACHE_HOME=" + nb.dir, "LANG=C.UTF-8", "PATH=" + os.Getenv("PATH")}
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("newsboat -x reload: %v\n%s", err, out)
	}
	// It reports failed downloads and parse errors only in its error log.
	if log, err := os.ReadFile(filepath.Join(nb.dir, "error.log")); len(log) > 0 || (err != nil && !errors.Is(err, fs.ErrNotExist)) {
		t.Fatalf("newsboat error log: %v\n%s", err, log)
	}
	out, err := exec.CommandContext(ctx, nb.py, filepath.Join(confDir, "newsboat_items.py"), filepath.Join(nb.dir, "cache.db")).CombinedOutput()
	if err != nil {
		t.Fatalf("reading newsboat's cache: %v\n%s", err, out)
	}
	var items []nbItem
	if err := json.Unmarshal(out, &items); err != nil {
		t.Fatalf("newsboat_items.py: %v\n%s", err, out)
	}
	return items
}

func checkNewsboat(t *testing.T, s *confServer) {
	bin, err := exec.LookPath("newsboat")
	if err != nil {
		t.Skip("newsboat not installed (Debian: newsboat); not checked as a subscriber")
	}
	py := python(t, "sqlite3", "python3") // to read its cache
	readers := map[string]newsboat{}
	for _, name := range []string{feed.RSSFile, feed.AtomFile} {
		dir := t.TempDir()
		for file, text := range map[string]string{
			"urls":   s.base + name + "\n",
			"config": fmt.Sprintf("error-log %q\n", filepath.Join(dir, "error.log")),
		} {
			if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		readers[name] = newsboat{bin: bin, py: py, dir: dir}
	}

	// wantItems is what every subscriber must hold: each published article
	// once, by title and link, with its date.
	wantItems := func(list []confArticle) map[string]string {
		m := map[string]string{}
		for _, a := range list {
			m[s.link(a)] = a.Title + " @ " + a.published(t).UTC().Format(time.RFC3339)
		}
		return m
	}
	check := func(step string, list []confArticle) map[string][]nbItem {
		all := map[string][]nbItem{}
		for name, nb := range readers {
			items := nb.reload(t)
			got := map[string]string{}
			for _, it := range items {
				if it.FeedURL != s.base+name || it.Deleted != 0 {
					t.Errorf("%s, %s: item %q of feed %q, deleted %d", step, name, it.Title, it.FeedURL, it.Deleted)
				}
				if _, dup := got[it.URL]; dup {
					t.Errorf("%s, %s: %s twice", step, name, it.URL)
				}
				got[it.URL] = it.Title + " @ " + time.Unix(it.PubDate, 0).UTC().Format(time.RFC3339)
			}
			want := wantItems(list)
			if len(items) != len(want) {
				t.Errorf("%s, %s: newsboat holds %d items, want %d", step, name, len(items), len(want))
			}
			for link, w := range want {
				if got[link] != w {
					t.Errorf("%s, %s: %s is %q, want %q", step, name, link, got[link], w)
				}
			}
			for link := range got {
				if _, ok := want[link]; !ok {
					t.Errorf("%s, %s: unexpected item %s (%s)", step, name, link, got[link])
				}
			}
			all[name] = items
		}
		return all
	}

	list := s.published(t)
	first := check("first load", list)
	if t.Failed() {
		t.FailNow()
	}

	// Edit three articles: a title, a body, a date.
	byFile := map[string]*confArticle{}
	for i := range list {
		byFile[list[i].File] = &list[i]
	}
	edit := func(file, old, new string) {
		path := filepath.Join(s.dir, filepath.FromSlash(file))
		b, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(b, []byte(old)) {
			t.Fatalf("edit %s: %v, or no %q in it", file, err, old)
		}
		if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit("01-iso-date.md", "Plain header with an ISO date\n", "Plain header with an ISO date, retitled\n")
	byFile["01-iso-date.md"].Title = "Plain header with an ISO date, retitled"
	edit("02-iso-datetime.md", "no blank lines between.", "no blank lines between. Edited: a new sentence.")
	// 5 April 2018. The feeds carry the new date (waitFor checks it), but
	// newsboat keeps the date it first saw an item with: its cache updates
	// an item's title, author, link and content, never its pubDate.
	edit("04-slashed.txt", "03/04/2018", "05/04/2018")
	s.waitFor(t, "the three edits", func(f *gofeed.Feed) bool {
		n := 0
		for _, it := range f.Items {
			switch {
			case it.Title == "Plain header with an ISO date, retitled",
				strings.Contains(it.Content, "Edited: a new sentence."),
				it.Link == s.base+"articles/04-slashed.html" && it.PublishedParsed != nil &&
					it.PublishedParsed.Equal(mustTime(t, "2018-04-05T00:00:00+02:00")):
				n++
			}
		}
		return n == 3
	})
	edited := check("after three edits", list)
	for name := range readers {
		guids := func(items []nbItem) []string {
			var g []string
			for _, it := range items {
				g = append(g, it.GUID)
			}
			slices.Sort(g)
			return g
		}
		if !slices.Equal(guids(first[name]), guids(edited[name])) {
			t.Errorf("%s: guids changed with the edits:\nbefore %q\nafter  %q", name, guids(first[name]), guids(edited[name]))
		}
		found := false
		for _, it := range edited[name] {
			found = found || strings.Contains(it.Content, "Edited: a new sentence.")
		}
		if !found {
			t.Errorf("%s: newsboat did not take the edited body", name)
		}
	}

	// Add one.
	added := confArticle{File: "24-added.md", Title: "Added while subscribed", Slug: "24-added", Published: "2019-04-01T00:00:00+02:00"}
	text := "---\ntitle: Added while subscribed\ndate: 2019-04-01\n---\n\nA new article.\n"
	if err := os.WriteFile(filepath.Join(s.dir, added.File), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s.waitFor(t, "the added article", func(f *gofeed.Feed) bool {
		return len(f.Items) > 0 && f.Items[0].Title == added.Title
	})
	check("after adding one", append([]confArticle{added}, list...))
}

// waitFor polls the JSON feed until ok accepts it: at most 200 times, and
// for at most 10 seconds.
func (s *confServer) waitFor(t *testing.T, what string, ok func(*gofeed.Feed) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; i < 200 && time.Now().Before(deadline); i++ {
		if f, err := gofeed.NewParser().Parse(bytes.NewReader(s.get(t, feed.JSONFile))); err == nil && ok(f) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the served feed never showed %s", what)
}

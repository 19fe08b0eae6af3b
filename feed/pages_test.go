package feed

import (
	"bytes"
	"compress/gzip"
	"html/template"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// oracleTemplates are the index line and the whole page as html/template
// made them before they were written by hand: the oracles the hand-written
// escaping is held to. "page" is the page template as it was, with the
// article's block in it.
var oracleTemplates = template.Must(template.Must(pageTemplates.Clone()).Funcs(template.FuncMap{
	"date": func(t time.Time) string { return t.Format("2 January 2006") },
	"iso":  func(t time.Time) string { return t.Format(time.RFC3339) },
}).Parse(`{{define "row"}}<li><a href="{{.Site.Permalink .Article}}">{{.Article.Title}}</a> <time datetime="{{iso .Article.Published}}">{{date .Article.Published}}</time></li>
{{end}}
{{define "page"}}{{template "head" .}}<header><p><a href="{{.Site.BaseURL}}">{{.Site.Title}}</a></p></header>
<main><article>
<h1>{{.Article.Title}}</h1>
<p><time datetime="{{iso .Article.Published}}">{{date .Article.Published}}</time>{{with .Article.Author}} · {{.}}{{end}}{{range .Article.Tags}} · <span class="tag">{{.}}</span>{{end}}</p>
{{.Body}}
</article></main>
</body>
</html>
{{end}}`))

// oracleData is pageData with what the oracles read: the article, and
// the block of HTML the page holds.
type oracleData struct {
	pageData
	Article *Article
	Body    template.HTML
}

func templateRow(t *testing.T, s Site, a *Article) string {
	t.Helper()
	var b bytes.Buffer
	if err := oracleTemplates.ExecuteTemplate(&b, "row", oracleData{pageData: pageData{Site: s}, Article: a}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestIndexRowsMatchTemplate holds the hand-written index lines to what
// html/template makes of the same line, over site addresses and titles
// full of what either escapes: quotes, '&', '+', '<', NUL, spaces,
// percent signs, non-ASCII, refused schemes; slugs plain and not; dates
// in zones east and west (RFC 3339 offsets hold a '+').
func TestIndexRowsMatchTemplate(t *testing.T) {
	bases := []string{
		"http://127.0.0.1:8080/",
		"https://example.org/blog/",
		"http://h/a%20b/",
		"http://h/%7Euser/x+y/",
		"HTTPS://H/p'q(r)!*/",
		"http://[::1]:80/",
		"http://h/%C3%A9t%C3%A9/",
		"http://h/a&b=c;d@e,f$g/",
		"ftp://h/",
		"javascript:alert(1)/",
		"http://h/a%2Fb/",
		"http://h/50%25/",
		"http://h/q/?x=1#f",
	}
	zones := []*time.Location{time.UTC, time.FixedZone("", 5*3600+1800), time.FixedZone("", -7*3600)}
	slugs := []string{"plain", "dir/sub-name_2", "café", "日本/語", "x"}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string { return oddWord(rng, n) }
	for _, base := range bases {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		s := Site{BaseURL: u, Title: "t"}
		r := s.rows()
		var list []*Article
		for i := range 200 {
			a := &Article{
				Path:      "p" + word(2),
				Slug:      slugs[i%len(slugs)],
				Title:     word(1 + rng.IntN(12)),
				Published: time.Unix(rng.Int64N(4e9), 0).In(zones[i%len(zones)]),
			}
			if i%7 == 0 {
				a.Slug = SlugOf(word(6)+".md", "")
			}
			if got, want := string(r.append(nil, a)), templateRow(t, s, a); got != want {
				t.Fatalf("base %q, slug %q, title %q:\n got %s\nwant %s", base, a.Slug, a.Title, got, want)
			}
			list = append(list, a)
		}
		// The whole index: the page around the lines, in list order.
		index, err := s.Index(list)
		if err != nil {
			t.Fatal(err)
		}
		var rows strings.Builder
		for _, a := range list {
			rows.WriteString(templateRow(t, s, a))
		}
		if !strings.Contains(string(index), "<ul>\n"+rows.String()+"</ul>") {
			t.Fatalf("base %q: the index does not hold its lines, in order, between <ul> and </ul>", base)
		}
	}
}

// oddWord is n pieces of text full of what html/template or an address
// escapes.
func oddWord(rng *rand.Rand, n int) string {
	pieces := []string{"a", "Z", "0", " ", `"`, "&", "'", "+", "<", ">", "\x00", "%", "é", "日本", "&amp;", "/", "-", "_", ".", "~", "#", "?", "\\", "`", "{", "|", "·"}
	var b strings.Builder
	for range n {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

// TestPagesMatchTemplate holds the hand-assembled pages to the template that
// made whole pages before: sites with odd addresses, titles, descriptions
// and languages; articles with odd titles, authors and tags (or none), in
// zones east and west.
func TestPagesMatchTemplate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	word := func(n int) string { return oddWord(rng, n) }
	zones := []*time.Location{time.UTC, time.FixedZone("", 5*3600+1800), time.FixedZone("", -7*3600)}
	for i, base := range []string{"https://example.org/blog/", "http://h/a%20b/", "HTTPS://H/p'q(r)!*/", "javascript:alert(1)/", "http://h/q/?x=1#f"} {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		s := Site{BaseURL: u, Title: word(1 + rng.IntN(6)), Description: word(rng.IntN(4))}
		if i%2 == 1 {
			s.Lang = word(1 + rng.IntN(3))
		}
		frame, err := s.pageFrame()
		if err != nil {
			t.Fatal(err)
		}
		for j := range 100 {
			a := &Article{
				Path:      "a.md",
				Slug:      "a",
				Title:     word(1 + rng.IntN(10)),
				Published: time.Unix(rng.Int64N(4e9), 0).In(zones[j%len(zones)]),
				HTML:      "<p>" + strings.Repeat("body ", rng.IntN(50)) + "</p>\n",
			}
			if j%3 > 0 {
				a.Author = word(1 + rng.IntN(4))
			}
			for range rng.IntN(4) {
				a.Tags = append(a.Tags, word(1+rng.IntN(3)))
			}
			d := s.pageData(a.Title + " · " + s.Title)
			var want bytes.Buffer
			if err := oracleTemplates.ExecuteTemplate(&want, "page", oracleData{d, a, template.HTML(a.HTML)}); err != nil {
				t.Fatal(err)
			}
			got := frame.page(a)
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("site %+v, article %+v:\n got %s\nwant %s", s, a, got, want.Bytes())
			}
			// Where the article's HTML is, for shelve: the last place
			// it is in the page (TestHTMLAtAfterTitle has it in the title too).
			if at := frame.htmlAt(got, a.HTML); at < 0 || at != bytes.LastIndex(got, []byte(a.HTML)) {
				t.Fatalf("htmlAt = %d in %s", at, got)
			}
			if at := frame.htmlAt(got, "<p>other</p>\n"); at != -1 {
				t.Fatalf("htmlAt of HTML not in the page = %d", at)
			}
		}
	}
}

// htmlAt finds an article's HTML where the page put it, also when the same
// text comes before it, in the title.
func TestHTMLAtAfterTitle(t *testing.T) {
	u, _ := url.Parse("https://example.org/")
	frame, err := Site{BaseURL: u, Title: "Site"}.pageFrame()
	must(t, err)
	a := &Article{Path: "a.md", Slug: "a", Title: "same words", HTML: "same words"}
	page := frame.page(a)
	at := frame.htmlAt(page, a.HTML)
	if first := bytes.Index(page, []byte(a.HTML)); at <= first || string(page[at:at+len(a.HTML)]) != a.HTML || !bytes.HasPrefix(page[at+len(a.HTML):], frame.tail) {
		t.Errorf("htmlAt = %d (the title's is at %d) in %s", at, first, page)
	}
}

// TestURLAttrMatchesTemplate: addresses url.String never makes, escaped
// as html/template escapes them all the same.
func TestURLAttrMatchesTemplate(t *testing.T) {
	tmpl := template.Must(template.New("").Parse(`<a href="{{.}}">`))
	for _, u := range []string{"http://h/%zz/", "http://h/%4", "http://h/a%", "http://h/%41%", "http://h/ 'x'\"<>", "javascript:x", "/rel?a=b&c=d+e"} {
		var want bytes.Buffer
		if err := tmpl.Execute(&want, u); err != nil {
			t.Fatal(err)
		}
		if got := `<a href="` + string(appendURLAttr(nil, u)) + `">`; got != want.String() {
			t.Errorf("%q: got %s, want %s", u, got, want.String())
		}
	}
}

// TestSameRows: the index is kept only when every added article is the new
// version of a removed one with the same line at the same place.
func TestSameRows(t *testing.T) {
	s := Site{BaseURL: mustParseURL(t, "http://127.0.0.1/")}
	day := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	old := &Article{Path: "a.md", Slug: "a", Title: "A", Published: day, HTML: "<p>one</p>"}
	edit := func(f func(a *Article)) *Article {
		a := *old
		f(&a)
		return &a
	}
	cases := []struct {
		name           string
		added, removed []*Article
		same           bool
	}{
		{"nothing changed", nil, nil, true},
		{"body edited", []*Article{edit(func(a *Article) { a.HTML = "<p>two</p>"; a.Tags = []string{"x"} })}, []*Article{old}, true},
		{"title edited", []*Article{edit(func(a *Article) { a.Title = "B" })}, []*Article{old}, false},
		{"date edited", []*Article{edit(func(a *Article) { a.Published = day.Add(time.Hour) })}, []*Article{old}, false},
		{"date edited below a second", []*Article{edit(func(a *Article) { a.Published = day.Add(time.Millisecond) })}, []*Article{old}, false},
		{"same instant, other zone", []*Article{edit(func(a *Article) { a.Published = day.In(time.FixedZone("", 3600)) })}, []*Article{old}, false},
		{"slug changed", []*Article{edit(func(a *Article) { a.Slug = "a-2" })}, []*Article{old}, false},
		{"added", []*Article{edit(func(a *Article) { a.Path = "b.md" })}, nil, false},
		{"removed", nil, []*Article{old}, false},
		{"another file, same line", []*Article{edit(func(a *Article) { a.Path = "b.md" })}, []*Article{old}, false},
	}
	for _, c := range cases {
		if got := s.sameRows(c.added, c.removed); got != c.same {
			t.Errorf("%s: sameRows = %v, want %v", c.name, got, c.same)
		}
	}
}

func mustParseURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestBigIndexStoredAtOnce: a new index kept gzipped goes to a temporary
// file in the output folder as soon as it is made, as pages do, rather
// than being held whole until the disk writer comes (at 100,000 articles
// it is 18 MB, at the build's peak of memory).
func TestBigIndexStoredAtOnce(t *testing.T) {
	defer func(n int) { zipAbove = n }(zipAbove)
	zipAbove = 0
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "a.md", "Alpha\n---\n2020-01-01\n\nBody.\n")
	b, err := NewBuilder(cfg)
	must(t, err)
	b.mu.Lock()
	defer b.mu.Unlock()
	must(t, b.refresh("", nil))
	snap, _, err := b.render(b.lib.articles())
	must(t, err)
	f := snap.File(IndexFile)
	if f.body != nil || f.tempFile() == 0 {
		t.Fatal("the new index is held whole, not stored")
	}
	stored, err := os.ReadFile(b.disk.tempPath(IndexFile, f.tempFile()))
	must(t, err)
	if !bytes.Contains(stored, []byte(">Alpha</a>")) || !bytes.Equal(stored, f.Body()) || sumOf(stored) != f.sum {
		t.Error("the stored index is not the index made")
	}
}

// TestBigIndexAdoptedDropsItsBytes: on a restart, an index over zipAbove
// that the output folder has already is not written, and its uncompressed
// bytes go as soon as it is made, not after the disk writer (at 100,000
// articles, 18 MB more of a restart's peak of memory).
func TestBigIndexAdoptedDropsItsBytes(t *testing.T) {
	defer func(n int) { zipAbove = n }(zipAbove)
	zipAbove = 0
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "a.md", "Alpha\n---\n2020-01-01\n\nBody.\n")
	build(t, cfg)
	onDisk, err := os.ReadFile(filepath.Join(cfg.OutDir, IndexFile))
	must(t, err)
	b, err := NewBuilder(cfg) // a restart
	must(t, err)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.disk.lookForPages()
	must(t, b.refresh("", nil))
	snap, _, err := b.render(b.lib.articles())
	must(t, err)
	f := snap.File(IndexFile)
	if b.disk.written[IndexFile] != f || f.tempFile() != 0 {
		t.Fatal("the index the folder has was not taken as it is")
	}
	if f.body != nil || !f.zipped || !bytes.Equal(f.Body(), onDisk) {
		t.Errorf("the adopted index keeps its uncompressed bytes (%v), or is not the folder's", f.body != nil)
	}
}

// TestBigIndexKeptZipped: an index over zipAbove is kept only gzipped. It
// is served right both ways and written to the folder whole; a body edit
// keeps it, a new title makes it again.
func TestBigIndexKeptZipped(t *testing.T) {
	defer func(n int) { zipAbove = n }(zipAbove)
	zipAbove = 0
	srv, b := testServer(t)
	f := b.Current().File(IndexFile)
	if f.body != nil || f.held.Load() == nil || !f.zipped {
		t.Fatal("the index is not kept gzipped only")
	}
	onDisk, err := os.ReadFile(filepath.Join(b.cfg.OutDir, IndexFile))
	must(t, err)
	if !bytes.Contains(onDisk, []byte(`/articles/sub/second.html">Second</a>`)) || f.held.Load() == nil {
		t.Fatal("the index in the folder lacks a line, or writing it dropped the gzipped bytes")
	}
	resp, body := do(t, "GET", srv.URL+"/")
	if resp.StatusCode != 200 || !bytes.Equal(body, onDisk) || resp.Header.Get("ETag") != f.ETag() || resp.ContentLength != int64(len(onDisk)) {
		t.Errorf("identity: %d, ETag %s, length %d; want the folder's bytes with ETag %s", resp.StatusCode, resp.Header.Get("ETag"), resp.ContentLength, f.ETag())
	}
	if resp, _ := do(t, "HEAD", srv.URL+"/"); resp.ContentLength != int64(len(onDisk)) {
		t.Errorf("HEAD: length %d, want %d", resp.ContentLength, len(onDisk))
	}
	// Sent as a stream, uncompressed on the way, not whole.
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI("/")
	Handler(b.Current)(&ctx)
	if !ctx.Response.IsBodyStream() || !bytes.Equal(ctx.Response.Body(), onDisk) {
		t.Errorf("identity: streamed %v, or not the index", ctx.Response.IsBodyStream())
	}
	resp, body = do(t, "GET", srv.URL+"/", "Accept-Encoding", "gzip")
	zr, err := gzip.NewReader(bytes.NewReader(body))
	must(t, err)
	plain, err := io.ReadAll(zr)
	if err != nil || resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(plain, onDisk) {
		t.Errorf("gzip: Content-Encoding %q, body not the index (%v)", resp.Header.Get("Content-Encoding"), err)
	}
	if resp, _ := do(t, "GET", srv.URL+"/", "If-None-Match", f.ETag()); resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
	}

	writeArticle(t, b.cfg.ArticlesDir, "sub/second.md", "Second\n---\n2020-01-01\n\nOnly the body changed.\n")
	if _, err := b.Rebuild([]string{"sub/second.md"}); err != nil {
		t.Fatal(err)
	}
	if b.Current().File(IndexFile) != f {
		t.Error("a body edit made the index again")
	}
	writeArticle(t, b.cfg.ArticlesDir, "sub/second.md", "Renamed\n---\n2020-01-01\n\nOnly the body changed.\n")
	if _, err := b.Rebuild([]string{"sub/second.md"}); err != nil {
		t.Fatal(err)
	}
	g := b.Current().File(IndexFile)
	onDisk, err = os.ReadFile(filepath.Join(b.cfg.OutDir, IndexFile))
	must(t, err)
	if g == f || !g.zipped || !bytes.Equal(g.Body(), onDisk) || !bytes.Contains(onDisk, []byte(">Renamed</a>")) {
		t.Error("a new title did not make the index again, kept gzipped and written")
	}
	if !bytes.Contains(f.Body(), []byte(">Second</a>")) {
		t.Error("the index of the snapshot before lost its bytes")
	}
}

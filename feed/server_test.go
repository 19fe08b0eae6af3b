package feed

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	brrr "github.com/molecule-man/go-brrr"
	"github.com/valyala/fasthttp"
)

// served is a test server: its base URL and its address.
type served struct{ URL, Addr string }

// testServer builds the seed and one more article and serves them on a real
// loopback listener.
func testServer(t *testing.T) (*served, *Builder) {
	t.Helper()
	cfg, _ := testConfig(t, "https://example.com/")
	writeArticle(t, cfg.ArticlesDir, "seed.txt", seedText(t))
	writeArticle(t, cfg.ArticlesDir, "sub/second.md", "Second\n---\n2020-01-01\n\n"+strings.Repeat("Some text. ", 200))
	b := build(t, cfg)
	addr := serveOn(t, b, nil)
	return &served{URL: "http://" + addr, Addr: addr}, b
}

// client does no compression of its own, so the test sees the wire.
var client = &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}

func do(t *testing.T, method, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestServeContentTypes(t *testing.T) {
	srv, b := testServer(t)
	for path, typ := range map[string]string{
		"/":                         "text/html; charset=utf-8",
		"/rss.xml":                  "application/rss+xml; charset=utf-8",
		"/atom.xml":                 "application/atom+xml; charset=utf-8",
		"/feed.json":                "application/feed+json; charset=utf-8",
		"/articles/seed.html":       "text/html; charset=utf-8",
		"/articles/sub/second.html": "text/html; charset=utf-8",
	} {
		resp, body := do(t, "GET", srv.URL+path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != typ {
			t.Errorf("%s: %d %q, want 200 %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), typ)
		}
		name := strings.TrimPrefix(path, "/")
		if name == "" {
			name = IndexFile
		}
		if !bytes.Equal(body, b.Current().File(name).Body()) {
			t.Errorf("%s: body differs from the snapshot", path)
		}
		for _, h := range []string{"ETag", "Last-Modified", "Cache-Control"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("%s: no %s", path, h)
			}
		}
		if etag := resp.Header.Get("ETag"); strings.HasPrefix(etag, "W/") || !strings.HasPrefix(etag, `"`) {
			t.Errorf("%s: ETag %s is not strong", path, etag)
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: Vary %q", path, resp.Header.Get("Vary"))
		}
	}
}

func TestServeConditional(t *testing.T) {
	srv, _ := testServer(t)
	resp, _ := do(t, "GET", srv.URL+"/rss.xml")
	etag, lastMod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if _, err := http.ParseTime(lastMod); err != nil {
		t.Fatalf("Last-Modified %q: %v", lastMod, err)
	}
	resp, body := do(t, "GET", srv.URL+"/rss.xml", "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("If-None-Match: %d with %d bytes, want 304 and none", resp.StatusCode, len(body))
	}
	resp, _ = do(t, "GET", srv.URL+"/rss.xml", "If-None-Match", `"something-else"`)
	if resp.StatusCode != 200 {
		t.Errorf("If-None-Match with another ETag: %d, want 200", resp.StatusCode)
	}
	resp, body = do(t, "GET", srv.URL+"/rss.xml", "If-Modified-Since", lastMod)
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("If-Modified-Since: %d with %d bytes, want 304 and none", resp.StatusCode, len(body))
	}
	old := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	resp, _ = do(t, "GET", srv.URL+"/rss.xml", "If-Modified-Since", old)
	if resp.StatusCode != 200 {
		t.Errorf("If-Modified-Since long ago: %d, want 200", resp.StatusCode)
	}
}

func TestServeHeadAndGzip(t *testing.T) {
	srv, b := testServer(t)
	identity := b.Current().File(RSSFile).Body()
	resp, body := do(t, "HEAD", srv.URL+"/rss.xml")
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Length") != fmt.Sprint(len(identity)) {
		t.Errorf("HEAD: %d, %d body bytes, Content-Length %s; want 200, none, %d", resp.StatusCode, len(body), resp.Header.Get("Content-Length"), len(identity))
	}
	resp, body = do(t, "GET", srv.URL+"/rss.xml", "Accept-Encoding", "gzip, deflate")
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, identity) {
		t.Errorf("gzip body does not decompress to the identity body (%v)", err)
	}
	if len(body) >= len(identity) {
		t.Errorf("gzip body %d bytes, identity %d", len(body), len(identity))
	}
	gzTag := resp.Header.Get("ETag")
	resp, _ = do(t, "GET", srv.URL+"/rss.xml")
	if resp.Header.Get("ETag") == gzTag {
		t.Error("gzip and identity share an ETag")
	}
	resp, body = do(t, "GET", srv.URL+"/rss.xml", "Accept-Encoding", "gzip", "If-None-Match", gzTag)
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("gzip If-None-Match: %d", resp.StatusCode)
	}
	resp, body = do(t, "GET", srv.URL+"/rss.xml", "Accept-Encoding", "gzip;q=0")
	if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, identity) {
		t.Error("gzip;q=0 still got gzip")
	}
}

func TestServeRefuses(t *testing.T) {
	srv, _ := testServer(t)
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		resp, _ := do(t, m, srv.URL+"/rss.xml")
		if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), "GET") {
			t.Errorf("%s: %d Allow %q, want 405 naming GET", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	for _, p := range []string{"/nope.xml", "/articles/", "/articles", "/articles/nope.html", "/.dropfeed-state.json", "/.gitkeep", "/articles/../rss.xml"} {
		resp, _ := do(t, "GET", srv.URL+p)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
	// Paths the client would clean are sent raw.
	for _, p := range []string{"/../rss.xml", "/../../etc/passwd", "/%2e%2e/rss.xml", "/articles/%2e%2e/rss.xml", "/rss.xml%00", "//rss.xml", "/./rss.xml"} {
		if code := rawStatus(t, srv.Addr, p); code != 404 && code != 400 {
			t.Errorf("raw GET %s: %d, want 404 or 400", p, code)
		}
	}
}

// rawStatus sends a request line as it is and returns the status code.
func rawStatus(t *testing.T, addr, path string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestServerTimeouts(t *testing.T) {
	s := NewServer(nil)
	if s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 || s.ReadBufferSize <= 0 {
		t.Errorf("server without timeouts: %+v", s)
	}
}

func TestLastModifiedFollowsBytes(t *testing.T) {
	cfg, _ := testConfig(t, "https://example.com/")
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cfg.Now = func() time.Time { return now }
	writeArticle(t, cfg.ArticlesDir, "a.md", "A\n---\n2020-01-01\n\nx\n")
	writeArticle(t, cfg.ArticlesDir, "b.md", "B\n---\n2019-01-01\n\nx\n")
	b := build(t, cfg)
	first := b.Current()
	now = now.Add(time.Hour)
	writeArticle(t, cfg.ArticlesDir, "b.md", "B\n---\n2019-01-01\n\nchanged\n")
	if _, err := b.Rebuild(nil); err != nil {
		t.Fatal(err)
	}
	second := b.Current()
	if second.File(PagePath("a")) != first.File(PagePath("a")) {
		t.Error("an unchanged page got a new file")
	}
	if !second.File(PagePath("b")).ModTime().Equal(now) || second.File(PagePath("b")).ETag() == first.File(PagePath("b")).ETag() {
		t.Error("a changed page kept its date or ETag")
	}
	// Equal bytes give equal ETags, whichever builder made them.
	other := build(t, Config{Site: cfg.Site, ArticlesDir: cfg.ArticlesDir, OutDir: t.TempDir(), Loc: time.UTC, Log: cfg.Log})
	if other.Current().File(PagePath("a")).ETag() != second.File(PagePath("a")).ETag() {
		t.Error("the same bytes got another ETag")
	}
}

// Bytes that change twice within a second are dated a second past the
// clock (newFile); a restart, which takes its dates from the files in out/,
// keeps that date for the same bytes and dates other bytes after it: the
// date never goes back.
func TestLastModifiedNeverBackAcrossRestart(t *testing.T) {
	cfg, _ := testConfig(t, "https://example.com/")
	now := time.Now().Add(10 * time.Minute).Truncate(time.Second) // the builds' clock, ahead of the files' own
	cfg.Now = func() time.Time { return now }
	writeArticle(t, cfg.ArticlesDir, "a.md", "A\n---\n2020-01-01\n\nfirst\n")
	b := build(t, cfg)
	writeArticle(t, cfg.ArticlesDir, "a.md", "A\n---\n2020-01-01\n\nsecond\n") // within the same second
	if _, err := b.Rebuild(nil); err != nil {
		t.Fatal(err)
	}
	names := []string{RSSFile, AtomFile, JSONFile, PagePath("a")}
	dates := func(b *Builder, want time.Time, when string) {
		t.Helper()
		for _, name := range names {
			if got := b.Current().File(name).ModTime(); !got.Equal(want) {
				t.Errorf("%s: %s dated %v, want %v", when, name, got, want)
			}
		}
	}
	dates(b, now.Add(time.Second), "changed again within the second")
	dates(build(t, cfg), now.Add(time.Second), "after a restart")
	writeArticle(t, cfg.ArticlesDir, "a.md", "A\n---\n2020-01-01\n\nthird\n")
	dates(build(t, cfg), now.Add(2*time.Second), "changed while stopped, and a restart within the second")
	// Dates far past the clock were not made by dropfeed (touched by
	// hand, or a clock that was wrong): not taken, for the same bytes or
	// new ones.
	later := now.Add(time.Hour)
	far := time.Now().AddDate(2, 0, 0)
	for _, name := range names {
		p := filepath.Join(cfg.OutDir, filepath.FromSlash(name))
		must(t, os.Chtimes(p, far, far))
	}
	now = later
	dates(build(t, cfg), later, "the same bytes, dated two years ahead in out/")
	for _, name := range names {
		p := filepath.Join(cfg.OutDir, filepath.FromSlash(name))
		must(t, os.Chtimes(p, far, far))
	}
	writeArticle(t, cfg.ArticlesDir, "a.md", "A\n---\n2020-01-01\n\nfourth\n")
	dates(build(t, cfg), later, "new bytes, over files dated two years ahead")
}

// A page is kept only compressed: every way of asking for it gives the bytes
// that were rendered and written to the output folder.
func TestServeCompactedPage(t *testing.T) {
	srv, b := testServer(t)
	const name = "articles/seed.html"
	onDisk, err := os.ReadFile(filepath.Join(b.cfg.OutDir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	if f := b.Current().File(name); f.body != nil || !bytes.Equal(f.Body(), onDisk) {
		t.Fatalf("page not compacted, or its bytes differ from the folder's")
	}
	resp, body := do(t, "GET", srv.URL+"/"+name)
	if resp.StatusCode != 200 || !bytes.Equal(body, onDisk) || resp.Header.Get("Content-Length") != fmt.Sprint(len(onDisk)) {
		t.Errorf("identity GET: %d, %d bytes (Content-Length %s), want the %d on disk", resp.StatusCode, len(body), resp.Header.Get("Content-Length"), len(onDisk))
	}
	resp, body = do(t, "HEAD", srv.URL+"/"+name)
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Length") != fmt.Sprint(len(onDisk)) {
		t.Errorf("HEAD: %d, %d bytes, Content-Length %s", resp.StatusCode, len(body), resp.Header.Get("Content-Length"))
	}
	resp, body = do(t, "GET", srv.URL+"/"+name, "Accept-Encoding", "gzip")
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip GET: %q, %v", resp.Header.Get("Content-Encoding"), err)
	}
	if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, onDisk) {
		t.Errorf("gzip body does not decompress to the bytes on disk (%v)", err)
	}
	resp, body = do(t, "GET", srv.URL+"/"+name, "Range", "bytes=10-19")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, onDisk[10:20]) {
		t.Errorf("range: %d %q, want 206 %q", resp.StatusCode, body, onDisk[10:20])
	}
}

// Brotli is made for a file held in memory when a client first asks for
// it, once, chosen by Accept-Encoding's weights, and has its own ETag;
// pages, kept gzipped, have none.
func TestServeBrotli(t *testing.T) {
	srv, b := testServer(t)
	f := b.Current().File(RSSFile)
	if f.p == nil || f.p.br != nil {
		t.Fatal("the feed is not prepared, or has its brotli before anyone asked")
	}
	identity := f.Body()
	resp, body := do(t, "GET", srv.URL+"/rss.xml", "Accept-Encoding", "gzip, deflate, br")
	if ce := resp.Header.Get("Content-Encoding"); ce != "br" {
		t.Fatalf("Content-Encoding %q, want br", ce)
	}
	made := f.p.br
	if plain, err := brrr.Decompress(body); err != nil || !bytes.Equal(plain, identity) {
		t.Errorf("brotli body does not decompress to the identity body (%v)", err)
	}
	if len(body) >= len(f.Gzip()) || resp.Header.Get("Content-Length") != fmt.Sprint(len(body)) {
		t.Errorf("brotli body %d bytes (Content-Length %s), gzip %d", len(body), resp.Header.Get("Content-Length"), len(f.Gzip()))
	}
	if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary %q", resp.Header.Get("Vary"))
	}
	brTag, brBody := resp.Header.Get("ETag"), body
	if lm := resp.Header.Get("Last-Modified"); lm != f.ModTime().Format(http.TimeFormat) {
		t.Errorf("brotli Last-Modified %q, want the file's %s", lm, f.ModTime().Format(http.TimeFormat))
	}
	if brTag == "" || brTag == f.ETag() || brTag == f.gzipETag() {
		t.Errorf("brotli ETag %s; identity's %s, gzip's %s", brTag, f.ETag(), f.gzipETag())
	}
	resp, body = do(t, "GET", srv.URL+"/rss.xml", "Accept-Encoding", "br", "If-None-Match", brTag)
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 || resp.Header.Get("ETag") != brTag {
		t.Errorf("brotli If-None-Match: %d, %d bytes, ETag %s", resp.StatusCode, len(body), resp.Header.Get("ETag"))
	}
	resp, body = do(t, "HEAD", srv.URL+"/rss.xml", "Accept-Encoding", "br")
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Encoding") != "br" || resp.Header.Get("Content-Length") != fmt.Sprint(len(brBody)) {
		t.Errorf("brotli HEAD: %d, %d bytes, %q, Content-Length %s", resp.StatusCode, len(body), resp.Header.Get("Content-Encoding"), resp.Header.Get("Content-Length"))
	}
	resp, body = do(t, "GET", srv.URL+"/rss.xml", "Range", "bytes=0-9", "Accept-Encoding", "br")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, brBody[:10]) || resp.Header.Get("Content-Encoding") != "br" {
		t.Errorf("brotli range: %d %x %q, want 206 %x br", resp.StatusCode, body, resp.Header.Get("Content-Encoding"), brBody[:10])
	}
	if !bytes.Equal(f.p.br, made) || &f.p.br[0] != &made[0] {
		t.Error("brotli made again for a later request")
	}
	for _, c := range []struct{ path, accept, want string }{
		{"/rss.xml", "br;q=0.5, gzip", "gzip"},
		{"/rss.xml", "br;q=0, gzip", "gzip"},
		{"/rss.xml", "br;q=0", ""},
		{"/rss.xml", "*", "br"},
		{"/rss.xml", "identity;q=1, br;q=0.5", ""},
		{"/articles/seed.html", "gzip, deflate, br", "gzip"}, // a page: held gzipped
		{"/articles/seed.html", "br", ""},
	} {
		resp, _ := do(t, "GET", srv.URL+c.path, "Accept-Encoding", c.accept)
		if got := resp.Header.Get("Content-Encoding"); resp.StatusCode != 200 || got != c.want {
			t.Errorf("%s with Accept-Encoding %q: %d %q, want 200 %q", c.path, c.accept, resp.StatusCode, got, c.want)
		}
	}
}

// A file whose brotli is no smaller than its gzip is sent as if it had
// none: gzip where the client takes it, else identity.
func TestServeBrotliThatDidNotPay(t *testing.T) {
	f := newFile(RSSFile, bytes.Repeat([]byte("<item>same</item>\n"), 200), nil, time.Now())
	f.prepare()
	f.p.brOnce.Do(func() {}) // as when brotli came out no smaller
	h := Handler(func() *Snapshot { return &Snapshot{files: (*fileSet)(nil).with(map[string]*File{RSSFile: f})} })
	for accept, want := range map[string]string{
		"br": "", "br, gzip": "gzip", "br;q=1, gzip;q=0.5": "gzip", "*": "gzip",
		"br, gzip;q=0": "", "gzip;q=0, *": "",
	} {
		ctx := requestCtx("/rss.xml", "Accept-Encoding", accept)
		h(ctx)
		got := string(ctx.Response.Header.Peek("Content-Encoding"))
		body := ctx.Response.Body()
		if got == "gzip" {
			body = uncompress(body)
		}
		if ctx.Response.StatusCode() != 200 || got != want || !bytes.Equal(body, f.Body()) {
			t.Errorf("Accept-Encoding %q: %d %q, want 200 %q with the file's bytes", accept, ctx.Response.StatusCode(), got, want)
		}
	}
}

// Clients that ask for brotli at once, before it is made, all have the
// same bytes (under -race: made once, safely).
func TestServeBrotliAtOnce(t *testing.T) {
	srv, b := testServer(t)
	identity := b.Current().File(AtomFile).Body()
	bodies := make([][]byte, 8)
	errs := make([]error, len(bodies))
	var wg sync.WaitGroup
	for i := range bodies {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", srv.URL+"/atom.xml", nil)
			req.Header.Set("Accept-Encoding", "br")
			resp, err := client.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			bodies[i], errs[i] = io.ReadAll(resp.Body)
			if ce := resp.Header.Get("Content-Encoding"); errs[i] == nil && ce != "br" {
				errs[i] = fmt.Errorf("Content-Encoding %q", ce)
			}
		})
	}
	wg.Wait()
	for i, body := range bodies {
		if errs[i] != nil || !bytes.Equal(body, bodies[0]) {
			t.Fatalf("client %d: %v, or other bytes than client 0's", i, errs[i])
		}
	}
	if plain, err := brrr.Decompress(bodies[0]); err != nil || !bytes.Equal(plain, identity) {
		t.Errorf("brotli body does not decompress to the identity body (%v)", err)
	}
}

func TestChooseCoding(t *testing.T) {
	const none, gz, br = identityCoding, gzipCoding, brCoding
	for _, c := range []struct {
		accept         []string
		hasGzip, hasBr bool
		want           coding
	}{
		{nil, true, true, none},
		{[]string{""}, true, true, none},
		{[]string{"gzip"}, true, true, gz},
		{[]string{"br"}, true, true, br},
		{[]string{"gzip, deflate, br"}, true, true, br}, // equal weights: the smaller
		{[]string{"deflate, gzip, br, zstd"}, true, true, br},
		{[]string{"gzip, br;q=0.5"}, true, true, gz},
		{[]string{"br;q=0.9, gzip;q=0.8"}, true, true, br},
		{[]string{"br;q=0.001, gzip;q=0.002"}, true, true, gz},
		{[]string{"br;q=0, gzip"}, true, true, gz},
		{[]string{"br;q=0.0, gzip;q=0.000"}, true, true, none},
		{[]string{"*"}, true, true, br},
		{[]string{"*;q=0.5, gzip"}, true, true, gz},
		{[]string{"*;q=0"}, true, true, none},
		{[]string{"gzip;q=0, *"}, true, true, br},
		{[]string{"gzip;q=0, *"}, true, false, none},
		{[]string{"BR"}, true, true, br},
		{[]string{" br ; q = 1.0 , gzip;q=0.9"}, true, true, br},
		{[]string{"br;q=abc, gzip"}, true, true, br}, // not a number: not a refusal
		{[]string{"br;level=5;q=0, gzip"}, true, true, gz},
		{[]string{"gzip;q=0.5", "br;q=0.4"}, true, true, gz}, // two header lines
		{[]string{"br;q=0, br"}, true, true, none},           // the first mention counts
		{[]string{"gzip;q=0, gzip"}, true, false, none},
		{[]string{"*;q=0, *", "gzip;q=0"}, true, true, none},
		{[]string{"identity;q=1, br;q=0.5, gzip;q=0.4"}, true, true, none}, // identity weighed higher
		{[]string{"identity;q=0.5, br;q=0.5"}, true, true, br},             // a tie: the smaller
		{[]string{"identity;q=0.4, gzip;q=0.5"}, true, true, gz},
		{[]string{"*;q=0.9, br;q=0.5"}, true, true, gz}, // gzip by *, above br
		{[]string{"br;q=0.8, *;q=0.9"}, true, false, gz},
		{[]string{"identity"}, true, true, none},
		{[]string{"x-gzip"}, true, true, gz},
		{[]string{"br, gzip"}, true, false, gz},
		{[]string{"br"}, true, false, none},
		{[]string{"gzip"}, false, true, none},
		{[]string{"gzip, br;q=0.1"}, false, true, br},
		{[]string{"br, gzip"}, false, false, none},
	} {
		var values [][]byte
		for _, v := range c.accept {
			values = append(values, []byte(v))
		}
		// The choice without brotli: TestServeBrotliThatDidNotPay.
		if got, _ := chooseCoding(values, c.hasGzip, c.hasBr); got != c.want {
			t.Errorf("%q (gzip %v, brotli %v): %d, want %d", c.accept, c.hasGzip, c.hasBr, got, c.want)
		}
	}
}

func TestQValue(t *testing.T) {
	for in, want := range map[string]int{
		"0": 0, "0.": 0, "0.000": 0, "0.5": 500, "0.25": 250, "0.125": 125, "1": 1000, "1.000": 1000,
		"": 1000, "0.0001": 1000, "2": 1000, "0.5x": 1000, "-0": 1000, "0,5": 1000, "1.5": 1000,
	} {
		if got := qvalue(in); got != want {
			t.Errorf("qvalue(%q) = %d, want %d", in, got, want)
		}
	}
}

// Ranges and the preconditions other than If-None-Match and
// If-Modified-Since follow http.ServeContent's rules, for each encoding.
func TestServeRangeAndPreconditions(t *testing.T) {
	srv, b := testServer(t)
	f := b.Current().File(RSSFile)
	identity, zipped := f.Body(), f.Gzip()
	resp, body := do(t, "GET", srv.URL+"/rss.xml", "Range", "bytes=10-19")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, identity[10:20]) ||
		resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 10-19/%d", len(identity)) || resp.Header.Get("ETag") != f.ETag() {
		t.Errorf("range: %d %q (Content-Range %q, ETag %s), want 206 %q", resp.StatusCode, body, resp.Header.Get("Content-Range"), resp.Header.Get("ETag"), identity[10:20])
	}
	resp, body = do(t, "GET", srv.URL+"/rss.xml", "Range", "bytes=-5", "Accept-Encoding", "gzip")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, zipped[len(zipped)-5:]) || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("gzip range: %d %x %q, want 206 %x gzip", resp.StatusCode, body, resp.Header.Get("Content-Encoding"), zipped[len(zipped)-5:])
	}
	resp, body = do(t, "GET", srv.URL+"/rss.xml", "Range", fmt.Sprintf("bytes=%d-", len(identity)))
	if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("range past the end: %d, want 416", resp.StatusCode)
	}
	resp, body = do(t, "GET", srv.URL+"/rss.xml", "If-Match", `"something-else"`)
	if resp.StatusCode != http.StatusPreconditionFailed || bytes.Contains(body, identity[:20]) {
		t.Errorf("If-Match another ETag: %d, want 412 without the file", resp.StatusCode)
	}
	resp, body = do(t, "GET", srv.URL+"/rss.xml", "If-Match", f.ETag())
	if resp.StatusCode != 200 || !bytes.Equal(body, identity) {
		t.Errorf("If-Match its ETag: %d with %d bytes, want 200 and the file", resp.StatusCode, len(body))
	}
	old := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	resp, _ = do(t, "GET", srv.URL+"/rss.xml", "If-Unmodified-Since", old)
	if resp.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("If-Unmodified-Since long ago: %d, want 412", resp.StatusCode)
	}
	resp, body = do(t, "GET", srv.URL+"/rss.xml", "Range", "bytes=0-9", "If-Range", `"something-else"`)
	if resp.StatusCode != 200 || !bytes.Equal(body, identity) {
		t.Errorf("If-Range another ETag: %d with %d bytes, want 200 and the whole file", resp.StatusCode, len(body))
	}
	resp, body = do(t, "HEAD", srv.URL+"/rss.xml", "Range", "bytes=0-9")
	if resp.StatusCode != http.StatusPartialContent || len(body) != 0 {
		t.Errorf("HEAD with a range: %d with %d bytes, want 206 and none", resp.StatusCode, len(body))
	}
}

// The common requests allocate nothing in the handler. (fasthttp's own
// part is measured by BenchmarkServeRSSConn.)
func TestServeAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	f, h := benchRSS(t)
	for _, c := range serveCases(f) {
		for _, method := range []string{"GET", "HEAD"} {
			ctx := requestCtx("/rss.xml", c.header...)
			ctx.Request.Header.SetMethod(method)
			allocs := testing.AllocsPerRun(100, func() {
				ctx.Response.Reset()
				h(ctx)
			})
			coding := string(ctx.Response.Header.Peek("Content-Encoding"))
			if allocs != 0 || ctx.Response.StatusCode() != c.code || coding != c.coding {
				t.Errorf("%s %s: %v allocations, status %d, %q; want none, %d, %q", method, c.name, allocs, ctx.Response.StatusCode(), coding, c.code, c.coding)
			}
		}
	}
}

// Shutting down lets a request in flight finish before it returns.
func TestServerShutdownFinishesRequests(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	srv := NewServer(func(ctx *fasthttp.RequestCtx) {
		close(entered)
		<-release
		ctx.SetBodyString("finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			got <- result{err: err}
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			got <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(b), err}
	}()
	select {
	case <-entered:
	case r := <-got:
		t.Fatalf("no request in flight: %+v", r)
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached the handler")
	}
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- srv.ShutdownWithContext(ctx)
	}()
	select {
	case err := <-shut:
		t.Errorf("shutdown returned (%v) with a request in flight", err)
	case r := <-got:
		t.Errorf("the request in flight was cut off: %+v", r)
	default:
	}
	close(release)
	if r := <-got; r.err != nil || r.status != 200 || r.body != "finished" {
		t.Errorf("request in flight: %+v, want 200 finished", r)
	}
	if err := <-shut; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// Once a response is sent, the connection's goroutine lets the others run
// before it reads the next request (see yieldWhenIdle). On one core, a
// goroutine the handler made ready has run by the time of that read, but
// for the scheduler's own fairness check, which takes the yielding
// goroutine first about one time in 61: most reads, not all, must see it.
func TestServerYieldsBeforeNextRead(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var ran atomic.Bool
	srv := NewServer(func(ctx *fasthttp.RequestCtx) {
		ran.Store(false)
		go ran.Store(true)
		ctx.SetBodyString("ok")
	})
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	ln := &spyListener{Listener: inner, ran: &ran}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		must(t, srv.Shutdown())
		<-served
	}()
	c, err := net.Dial("tcp", inner.Addr().String())
	must(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	const requests = 40
	for range requests {
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(r, nil)
		must(t, err)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	ln.mu.Lock()
	defer ln.mu.Unlock()
	after := 0
	for _, ok := range ln.seen {
		if ok {
			after++
		}
	}
	if len(ln.seen) < requests-1 || after < len(ln.seen)*3/4 {
		t.Errorf("the goroutine the handler started had run at %d of %d reads after a response; want %d or more reads, three quarters of them after it", after, len(ln.seen), requests-1)
	}
}

// spyListener's connections note, at the first read after each write,
// whether ran was set.
type spyListener struct {
	net.Listener
	ran  *atomic.Bool
	mu   sync.Mutex
	seen []bool
}

func (l *spyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &spyConn{Conn: c, l: l}, nil
}

type spyConn struct {
	net.Conn
	l     *spyListener
	wrote bool
}

func (c *spyConn) Write(p []byte) (int, error) {
	c.wrote = true
	return c.Conn.Write(p)
}

func (c *spyConn) Read(p []byte) (int, error) {
	if c.wrote {
		c.wrote = false
		c.l.mu.Lock()
		c.l.seen = append(c.l.seen, c.l.ran.Load())
		c.l.mu.Unlock()
	}
	return c.Conn.Read(p)
}

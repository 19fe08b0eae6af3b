package feed

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// Benchmarks for the stages on the hot paths: parsing an article, rendering
// the feeds and pages, and serving a feed. They run only with -bench:
//
//	go test -run '^$' -bench . -benchmem ./feed/

func benchSeed(tb testing.TB) Source {
	data, err := os.ReadFile("testdata/seed.txt")
	if err != nil {
		tb.Fatal(err)
	}
	return Source{Path: "seed.txt", Data: data, ModTime: time.Unix(1494496800, 0)}
}

func benchSite() Site {
	u, _ := url.Parse("https://example.com/")
	return Site{BaseURL: u, Title: "Bench", Description: "Benchmarks", Author: "Bench", Lang: "en", Limit: 50}
}

// benchArticles is n copies of the parsed seed under different paths,
// titles and dates, newest first.
func benchArticles(tb testing.TB, n int) []*Article {
	seed, _, err := Parse(benchSeed(tb), ParseOptions{BaseURL: benchSite().BaseURL, Loc: time.UTC})
	if err != nil {
		tb.Fatal(err)
	}
	list := make([]*Article, n)
	for i := range list {
		a := seed
		a.Path = fmt.Sprintf("a/%06d.txt", i)
		a.Slug = fmt.Sprintf("a/%06d", i)
		a.Title = fmt.Sprintf("%s (%d)", seed.Title, i)
		a.Published = seed.Published.Add(-time.Duration(i) * time.Hour)
		a.Updated = a.Published
		list[i] = &a
	}
	Newest(list)
	return list
}

func BenchmarkParse(b *testing.B) {
	src := benchSeed(b)
	opt := ParseOptions{BaseURL: benchSite().BaseURL, Loc: time.UTC}
	b.SetBytes(int64(len(src.Data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Parse(src, opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender is a full render: the three feeds, the index and every
// article's page.
func BenchmarkRender(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			site, list := benchSite(), benchArticles(b, n)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, _, err := site.Feeds(list); err != nil {
					b.Fatal(err)
				}
				if _, err := site.Index(list); err != nil {
					b.Fatal(err)
				}
				frame, err := site.pageFrame() // once a build, as a Builder does
				if err != nil {
					b.Fatal(err)
				}
				for _, a := range list {
					frame.page(a)
				}
			}
		})
	}
}

// BenchmarkPage is one article's page, as a build makes it for each
// article it parses.
func BenchmarkPage(b *testing.B) {
	site, list := benchSite(), benchArticles(b, 100)
	frame, err := site.pageFrame()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if len(frame.page(list[i%len(list)])) == 0 {
			b.Fatal("empty page")
		}
		i++
	}
}

// BenchmarkIndex is the index of 10,000 articles, which every rebuild that
// adds, removes or retitles an article renders again.
func BenchmarkIndex(b *testing.B) {
	site, list := benchSite(), benchArticles(b, 10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := site.Index(list); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStateFile is the state file a cold build of 10,000 articles
// writes whole: a record and what is kept of the article, a line each.
func BenchmarkStateFile(b *testing.B) {
	list := benchArticles(b, 10000)
	h := newHistory("", nil)
	byPath := make(map[string]*Article, len(list))
	paths := make([]string, len(list))
	for i, a := range list {
		h.stamp(a, nil, [16]byte{byte(i), byte(i >> 8)}, a.Published)
		byPath[a.Path], paths[i] = a, a.Path
	}
	slices.Sort(paths)
	b.ReportAllocs()
	for b.Loop() {
		published := func(p string) (keptArticle, bool) { return keptOf(byPath[p], [16]byte{1}, time.UTC), true }
		if err := h.write(io.Discard, paths, published); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFeeds is the part of every rebuild that does not depend on the
// number of articles: the three feeds of the newest 50.
func BenchmarkFeeds(b *testing.B) {
	site, list := benchSite(), benchArticles(b, 50)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := site.Feeds(list); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRSS is a snapshot holding /rss.xml (50 entries) with its gzip made,
// and the handler serving it.
func benchRSS(tb testing.TB) (*File, fasthttp.RequestHandler) {
	site := benchSite()
	rss, _, _, err := site.Feeds(benchArticles(tb, 50))
	if err != nil {
		tb.Fatal(err)
	}
	f := newFile(RSSFile, rss, nil, time.Unix(1494496800, 0))
	f.Gzip()
	snap := &Snapshot{files: (*fileSet)(nil).with(map[string]*File{RSSFile: f})}
	return f, Handler(func() *Snapshot { return snap })
}

// serveCases are the three requests of the serving target, and brotli.
func serveCases(f *File) []serveCase {
	return []serveCase{
		{"identity", nil, 200, ""},
		{"gzip", []string{"Accept-Encoding", "gzip, deflate"}, 200, "gzip"},
		{"304", []string{"If-None-Match", f.ETag()}, 304, ""},
		{"br", []string{"Accept-Encoding", "gzip, deflate, br"}, 200, "br"},
	}
}

// serveCase is a request to /rss.xml, and the status and Content-Encoding
// of its answer.
type serveCase struct {
	name   string
	header []string
	code   int
	coding string
}

// requestCtx is a GET of path with the given header pairs, as fasthttp's
// server hands it to the handler.
func requestCtx(path string, header ...string) *fasthttp.RequestCtx {
	ctx := &fasthttp.RequestCtx{}
	ctx.Request.Header.SetMethod("GET")
	ctx.Request.SetRequestURI(path)
	ctx.Request.Header.SetHost("127.0.0.1")
	for i := 0; i+1 < len(header); i += 2 {
		ctx.Request.Header.Set(header[i], header[i+1])
	}
	return ctx
}

// BenchmarkServeRSS serves /rss.xml (50 entries) through the handler alone,
// so it counts only the handler's own work and allocations.
func BenchmarkServeRSS(b *testing.B) {
	f, h := benchRSS(b)
	for _, c := range serveCases(f) {
		b.Run(c.name, func(b *testing.B) {
			ctx := requestCtx("/rss.xml", c.header...)
			b.ReportAllocs()
			for b.Loop() {
				ctx.Response.Reset()
				h(ctx)
			}
			if code := ctx.Response.StatusCode(); code != c.code {
				b.Fatalf("status %d, want %d", code, c.code)
			}
		})
	}
}

// BenchmarkServeRSSConn serves /rss.xml through the whole server, over an
// in-memory connection held open: request parsing and response writing
// included, the network not. The client's side is counted too.
func BenchmarkServeRSSConn(b *testing.B) {
	f, h := benchRSS(b)
	ln := fasthttputil.NewInmemoryListener()
	srv := NewServer(h)
	go srv.Serve(ln)
	defer srv.Shutdown()
	for _, c := range serveCases(f) {
		b.Run(c.name, func(b *testing.B) {
			conn, err := ln.Dial()
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			req := "GET /rss.xml HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			for i := 0; i+1 < len(c.header); i += 2 {
				req += c.header[i] + ": " + c.header[i+1] + "\r\n"
			}
			raw := []byte(req + "\r\n")
			r := bufio.NewReaderSize(conn, 64<<10)
			var resp fasthttp.Response
			b.ReportAllocs()
			for b.Loop() {
				if _, err := conn.Write(raw); err != nil {
					b.Fatal(err)
				}
				resp.Reset()
				if err := resp.Read(r); err != nil {
					b.Fatal(err)
				}
			}
			if code := resp.StatusCode(); code != c.code {
				b.Fatalf("status %d, want %d", code, c.code)
			}
		})
	}
}

// BenchmarkRebuildOne is the watcher's work for one edited file among many:
// read and parse it, render its page, the index and the feeds, and write
// what changed to out/ (publish latency and incremental rebuild targets).
func BenchmarkRebuildOne(b *testing.B) {
	sizes := []int{1000, 10000}
	if os.Getenv("DROPFEED_BENCH_BIG") != "" { // minutes of set-up
		sizes = append(sizes, 100000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			seed := benchSeed(b)
			cfg := Config{
				Site:        benchSite(),
				ArticlesDir: filepath.Join(dir, "articles"),
				OutDir:      filepath.Join(dir, "out"),
				Loc:         time.UTC,
				Log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
			}
			os.MkdirAll(filepath.Join(cfg.ArticlesDir, "a"), 0o755)
			for i := range n {
				os.WriteFile(filepath.Join(cfg.ArticlesDir, "a", fmt.Sprintf("%06d.txt", i)), seed.Data, 0o644)
			}
			bl, err := NewBuilder(cfg)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := bl.Build(); err != nil {
				b.Fatal(err)
			}
			edited := filepath.Join(cfg.ArticlesDir, "a", "000000.txt")
			b.ResetTimer()
			for i := range b.N {
				os.WriteFile(edited, append(seed.Data, fmt.Sprintf("\nEdit %d.\n", i)...), 0o644)
				if _, err := bl.Rebuild([]string{"a/000000.txt"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

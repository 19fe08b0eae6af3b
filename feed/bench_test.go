package feed

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Benchmarks for the stages on the hot paths: parsing an article, rendering
// the feeds and pages, and serving a feed. They run only with -bench:
//
//	go test -run '^$' -bench . -benchmem ./feed/

func benchSeed(b *testing.B) Source {
	data, err := os.ReadFile("testdata/seed.txt")
	if err != nil {
		b.Fatal(err)
	}
	return Source{Path: "seed.txt", Data: data, ModTime: time.Unix(1494496800, 0)}
}

func benchSite() Site {
	u, _ := url.Parse("https://example.com/")
	return Site{BaseURL: u, Title: "Bench", Description: "Benchmarks", Author: "Bench", Lang: "en", Limit: 50}
}

// benchArticles is n copies of the parsed seed under different paths,
// titles and dates, newest first.
func benchArticles(b *testing.B, n int) []*Article {
	seed, _, err := Parse(benchSeed(b), ParseOptions{BaseURL: benchSite().BaseURL, Loc: time.UTC})
	if err != nil {
		b.Fatal(err)
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
				for _, a := range list {
					if _, err := site.Page(a); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
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

// discard is a ResponseWriter that keeps nothing, so the benchmark counts
// only the handler's own work and allocations.
type discard struct {
	h    http.Header
	code int
	n    int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(code int)        { d.code = code }
func (d *discard) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }

// BenchmarkServeRSS serves /rss.xml (50 entries) through the handler.
func BenchmarkServeRSS(b *testing.B) {
	site := benchSite()
	rss, _, _, err := site.Feeds(benchArticles(b, 50))
	if err != nil {
		b.Fatal(err)
	}
	f := newFile(RSSFile, rss, nil, time.Unix(1494496800, 0))
	f.Gzip()
	snap := &Snapshot{files: (*fileSet)(nil).with(map[string]*File{RSSFile: f})}
	h := Handler(func() *Snapshot { return snap })
	for _, c := range []struct {
		name   string
		header http.Header
		code   int
	}{
		{"identity", http.Header{}, 200},
		{"gzip", http.Header{"Accept-Encoding": {"gzip, deflate, br"}}, 200},
		{"304", http.Header{"If-None-Match": {f.ETag}}, 304},
	} {
		b.Run(c.name, func(b *testing.B) {
			r, _ := http.NewRequest("GET", "http://127.0.0.1/rss.xml", nil)
			r.Header = c.header
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.code = 200
				h.ServeHTTP(w, r)
			}
			if w.code != c.code {
				b.Fatalf("status %d, want %d", w.code, c.code)
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

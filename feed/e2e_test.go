package feed

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// serving starts serve mode on a free loopback port over temporary folders
// and stops it when the test ends.
func serving(t *testing.T, setup func(cfg Config)) (base string, cfg Config, logs *syncLog) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base = "http://" + ln.Addr().String() + "/"
	cfg, logs = testConfig(t, base)
	if setup != nil {
		os.MkdirAll(cfg.ArticlesDir, 0o755)
		setup(cfg)
	}
	b, err := NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	inBackground(t, "Serve", 10*time.Second, func(ctx context.Context) error { return b.Serve(ctx, ln) })
	return base, cfg, logs
}

// inBackground runs fn until stop is called or the test ends, then ends its
// context and waits (at most wait) for it to return, which must be nil.
func inBackground(t *testing.T, what string, wait time.Duration, fn func(ctx context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: %v", what, err)
			}
		case <-time.After(wait):
			t.Errorf("%s did not stop within %v of its context ending", what, wait)
		}
	})
	t.Cleanup(stop)
	return stop
}

// pollAtom fetches /atom.xml until ok accepts it, for at most 10 seconds.
func pollAtom(t *testing.T, base string, what string, ok func(*gofeed.Feed) bool) *gofeed.Feed {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last *gofeed.Feed
	for i := 0; time.Now().Before(deadline) && i < 2000; i++ {
		resp, err := http.Get(base + "atom.xml")
		if err == nil {
			var f *gofeed.Feed
			f, err = gofeed.NewParser().Parse(resp.Body)
			resp.Body.Close()
			if err == nil {
				last = f
				if ok(f) {
					return f
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	var titles []string
	if last != nil {
		for _, it := range last.Items {
			titles = append(titles, it.Title)
		}
	}
	t.Fatalf("after 10 s, /atom.xml still does not show %s (entries: %q)", what, titles)
	return nil
}

func item(f *gofeed.Feed, title string) *gofeed.Item {
	for _, it := range f.Items {
		if it.Title == title {
			return it
		}
	}
	return nil
}

func status(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// sameOnDisk checks that out/ holds what the server serves.
func sameOnDisk(t *testing.T, base string, cfg Config, names ...string) {
	t.Helper()
	for _, name := range names {
		resp, err := http.Get(base + name)
		if err != nil {
			t.Fatal(err)
		}
		var served bytes.Buffer
		served.ReadFrom(resp.Body)
		resp.Body.Close()
		onDisk, err := os.ReadFile(filepath.Join(cfg.OutDir, name))
		if err != nil || !bytes.Equal(onDisk, served.Bytes()) {
			t.Errorf("out/%s differs from what is served (%v)", name, err)
		}
	}
}

func TestServeEndToEnd(t *testing.T) {
	base, cfg, _ := serving(t, func(cfg Config) {
		writeArticle(t, cfg.ArticlesDir, "seed.txt", seedText(t))
	})
	dir := cfg.ArticlesDir
	pollAtom(t, base, "the seed", func(f *gofeed.Feed) bool { return item(f, seedTitle) != nil })

	// Drop a new file.
	writeArticle(t, dir, "new-post.md", "New post\n---\n2020-01-02\n\nFirst version.\n")
	f := pollAtom(t, base, "the new post", func(f *gofeed.Feed) bool { return item(f, "New post") != nil })
	first := item(f, "New post")
	page := base + "articles/new-post.html"
	if first.Link != page || first.GUID != page {
		t.Errorf("link %q id %q, want both %s", first.Link, first.GUID, page)
	}
	if status(t, page) != 200 {
		t.Errorf("GET %s is not 200", page)
	}
	sameOnDisk(t, base, cfg, "atom.xml", "rss.xml", "feed.json", "index.html", "articles/new-post.html")

	// Edit its body: same id, newer updated.
	p := filepath.Join(dir, "new-post.md")
	writeArticle(t, dir, "new-post.md", "New post\n---\n2020-01-02\n\nSecond version.\n")
	later := time.Now().Add(time.Hour).Truncate(time.Second)
	os.Chtimes(p, later, later)
	f = pollAtom(t, base, "the edit", func(f *gofeed.Feed) bool {
		it := item(f, "New post")
		return it != nil && strings.Contains(it.Content, "Second version")
	})
	edited := item(f, "New post")
	if edited.GUID != first.GUID {
		t.Errorf("the edit changed the id: %q then %q", first.GUID, edited.GUID)
	}
	if edited.UpdatedParsed == nil || !edited.UpdatedParsed.After(*first.UpdatedParsed) || !edited.PublishedParsed.Equal(*first.PublishedParsed) {
		t.Errorf("updated %v → %v, published %v → %v: want a newer updated and the same published",
			first.UpdatedParsed, edited.UpdatedParsed, first.PublishedParsed, edited.PublishedParsed)
	}
	sameOnDisk(t, base, cfg, "atom.xml", "articles/new-post.html")

	// Rename it within the folder (into a sub-folder).
	os.MkdirAll(filepath.Join(dir, "2020"), 0o755)
	if err := os.Rename(p, filepath.Join(dir, "2020", "renamed.md")); err != nil {
		t.Fatal(err)
	}
	moved := base + "articles/2020/renamed.html"
	f = pollAtom(t, base, "the rename", func(f *gofeed.Feed) bool {
		it := item(f, "New post")
		return it != nil && it.Link == moved && len(f.Items) == 2
	})
	if status(t, page) != 404 || status(t, moved) != 200 {
		t.Errorf("after the rename: old page %d, new page %d; want 404 and 200", status(t, page), status(t, moved))
	}
	if _, err := os.Stat(filepath.Join(cfg.OutDir, "articles", "new-post.html")); !os.IsNotExist(err) {
		t.Error("out/ still holds the page under the old name")
	}

	// Delete it.
	os.Remove(filepath.Join(dir, "2020", "renamed.md"))
	pollAtom(t, base, "the deletion", func(f *gofeed.Feed) bool { return item(f, "New post") == nil && len(f.Items) == 1 })
	if status(t, moved) != 404 {
		t.Error("the deleted article's page is still served")
	}
	if _, err := os.Stat(filepath.Join(cfg.OutDir, "articles", "2020", "renamed.html")); !os.IsNotExist(err) {
		t.Error("out/ still holds the deleted article's page")
	}
	sameOnDisk(t, base, cfg, "atom.xml", "rss.xml", "feed.json", "index.html")
}

// TestIDsSurviveRestart: a new server over the same folders gives the same
// ids and dates, and the same bytes.
func TestIDsSurviveRestart(t *testing.T) {
	cfg, _ := testConfig(t, "https://example.com/")
	writeArticle(t, cfg.ArticlesDir, "a.md", "A\n---\n2020-01-01\n\none\n")
	b := build(t, cfg)
	p := filepath.Join(cfg.ArticlesDir, "a.md")
	writeArticle(t, cfg.ArticlesDir, "a.md", "A\n---\n2020-01-01\n\ntwo\n")
	mod := time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)
	os.Chtimes(p, mod, mod)
	b.Build()
	before := b.Current().File(AtomFile).Body()
	if !strings.Contains(string(before), "<updated>2024-06-01T10:00:00Z</updated>") {
		t.Fatalf("the edit did not move updated to the file's time:\n%s", before)
	}
	// A restart, and a touch that changes nothing.
	os.Chtimes(p, mod.Add(time.Hour), mod.Add(time.Hour))
	again := build(t, cfg)
	if after := again.Current().File(AtomFile).Body(); !bytes.Equal(before, after) {
		t.Errorf("restart changed atom.xml:\n%s\n---\n%s", before, after)
	}
	u, _ := url.Parse("https://example.com/articles/a.html")
	if !strings.Contains(string(before), "<id>"+u.String()+"</id>") {
		t.Error("the entry id is not the permalink")
	}
}

// TestTidierOver: memory goes back to the system after a rebuild only once
// the heap holds more beyond the live heap than the threshold; a rebuild
// that comes while it goes back is looked at again afterwards, by the same
// rule.
func TestTidierOver(t *testing.T) {
	var slack atomic.Uint64
	var freed atomic.Int32
	release := make(chan bool)
	tidy := tidier{over: 16 << 20, slack: slack.Load}
	tidy.free = func() {
		freed.Add(1)
		select {
		case <-release:
		case <-time.After(5 * time.Second): // one not wanted: counted, and no hang
		}
	}
	for _, c := range []struct {
		slack uint64
		want  int32
	}{
		{10 << 20, 0},
		{16 << 20, 0},
		{17 << 20, 1},
	} {
		freed.Store(0)
		slack.Store(c.slack)
		tidy.rebuilt()
		if c.want > 0 {
			release <- true
		}
		tidy.wg.Wait()
		if n := freed.Load(); n != c.want {
			t.Errorf("slack %d MiB: %d collections, want %d", c.slack>>20, n, c.want)
		}
	}
	// Rebuilds while memory goes back: one more look once it is done.
	for _, c := range []struct {
		slack uint64 // by then
		want  int32
	}{{10 << 20, 1}, {17 << 20, 2}} {
		freed.Store(0)
		slack.Store(30 << 20)
		tidy.rebuilt()
		for deadline := time.Now().Add(5 * time.Second); freed.Load() == 0 && time.Now().Before(deadline); {
			runtime.Gosched() // until free has begun
		}
		tidy.rebuilt()
		tidy.rebuilt()
		slack.Store(c.slack)
		release <- true
		if c.want > 1 {
			release <- true
		}
		tidy.wg.Wait()
		if n := freed.Load(); n != c.want {
			t.Errorf("rebuilds meanwhile, then slack %d MiB: %d collections, want %d", c.slack>>20, n, c.want)
		}
	}
}

// TestHeapSlack: what is live at a collection is not slack; garbage made
// since is.
func TestHeapSlack(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // no collection but ours
	live := func() uint64 {
		m := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(m)
		return m[0].Value.Uint64()
	}
	kept := make([]byte, 16<<20)
	debug.FreeOSMemory()
	if slack := heapSlack(); live() < 16<<20 || slack >= 16<<20 {
		t.Errorf("16 MiB kept: slack %d, live %d", slack, live())
	}
	garbage = make([]byte, 16<<20)
	garbage = nil
	if slack := heapSlack(); slack < 16<<20 || live() < 16<<20 {
		t.Errorf("16 MiB kept, then 16 MiB of garbage: slack %d, live %d", slack, live())
	}
	runtime.KeepAlive(kept)
}

var garbage []byte

// TestServeRuntimeSettings: with ServeCores set, the server runs on that
// many cores between rebuilds, a rebuild on all of them; with ServeGC, the
// collector runs at that GOGC while serving, a rebuild is followed by a
// collection that gives memory back (here at any size of garbage: see
// TestTidierOver), and the first build runs under a memory limit (rebuilds
// do not); every setting is as it was once Serve returns.
func TestServeRuntimeSettings(t *testing.T) {
	all := runtime.GOMAXPROCS(0)
	if all < 2 {
		t.Skip("GOMAXPROCS is 1 already")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	base := "http://" + ln.Addr().String() + "/"
	cfg, _ := testConfig(t, base)
	cfg.ServeCores, cfg.ServeGC = 1, 25
	// A rebuild of two articles leaves less garbage than a server's
	// threshold. Put back after Serve has stopped (cleanups run last
	// first).
	over := tidyOver
	t.Cleanup(func() { tidyOver = over })
	tidyOver = 0
	metric := func(name string) func() uint64 {
		return func() uint64 {
			m := []metrics.Sample{{Name: name}}
			metrics.Read(m)
			return m[0].Value.Uint64()
		}
	}
	gogc, forced := metric("/gc/gogc:percent"), metric("/gc/cycles/forced:gc-cycles")
	gcBefore := gogc()
	limitBefore := debug.SetMemoryLimit(-1)
	var mu sync.Mutex
	var seen []int     // GOMAXPROCS whenever a build reads the clock
	var limits []int64 // and the memory limit
	cfg.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, runtime.GOMAXPROCS(0))
		limits = append(limits, debug.SetMemoryLimit(-1))
		return time.Now()
	}
	writeArticle(t, cfg.ArticlesDir, "first.md", "First\n---\n2020-01-01\n\nOne.\n")
	b, err := NewBuilder(cfg)
	must(t, err)
	stop := inBackground(t, "Serve", 10*time.Second, func(ctx context.Context) error { return b.Serve(ctx, ln) })
	pollAtom(t, base, "the first article", func(f *gofeed.Feed) bool { return item(f, "First") != nil })
	onOne := func() bool {
		for i := 0; i < 500 && runtime.GOMAXPROCS(0) != 1; i++ {
			time.Sleep(10 * time.Millisecond)
		}
		return runtime.GOMAXPROCS(0) == 1
	}
	if !onOne() {
		t.Errorf("serving on %d cores, want 1", runtime.GOMAXPROCS(0))
	}
	if n := gogc(); n != 25 {
		t.Errorf("serving with GOGC=%d, want 25", n)
	}
	mu.Lock()
	if len(limits) == 0 || slices.Max(limits) != buildMemory || slices.Min(limits) != buildMemory {
		t.Errorf("the first build ran under memory limits %v, want %d", limits, buildMemory)
	}
	seen, limits = nil, nil
	mu.Unlock()
	if n := debug.SetMemoryLimit(-1); n != limitBefore {
		t.Errorf("serving with a memory limit of %d, want %d as before", n, limitBefore)
	}
	collections := forced()
	writeArticle(t, cfg.ArticlesDir, "second.md", "Second\n---\n2020-01-02\n\nTwo.\n")
	pollAtom(t, base, "the second article", func(f *gofeed.Feed) bool { return item(f, "Second") != nil })
	for i := 0; i < 500 && forced() == collections; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if forced() == collections {
		t.Error("no collection gave memory back after the rebuild")
	}
	mu.Lock()
	during := slices.Clone(seen)
	if slices.Contains(limits, buildMemory) {
		t.Errorf("a rebuild while serving ran under the first build's memory limit: %v", limits)
	}
	mu.Unlock()
	if len(during) == 0 || slices.Min(during) != all {
		t.Errorf("a rebuild while serving ran on %v cores, want %d", during, all)
	}
	if !onOne() {
		t.Errorf("after the rebuild, serving on %d cores, want 1", runtime.GOMAXPROCS(0))
	}
	stop()
	if n := runtime.GOMAXPROCS(0); n != all {
		t.Errorf("after Serve, GOMAXPROCS %d, want %d as before", n, all)
	}
	if n := gogc(); n != gcBefore {
		t.Errorf("after Serve, GOGC=%d, want %d as before", n, gcBefore)
	}
}

// TestServeStopsServing: once Serve has returned nothing answers on its
// listener, even when its context ended before the server had started.
func TestServeStopsServing(t *testing.T) {
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "first.md", "First\n---\n2020-01-01\n\nOne.\n")
	b, err := NewBuilder(cfg)
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 10 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		must(t, err)
		if err := b.Serve(ctx, ln); err != nil {
			t.Fatal(err)
		}
		c := http.Client{Timeout: 2 * time.Second}
		if resp, err := c.Get("http://" + ln.Addr().String() + "/rss.xml"); err == nil {
			resp.Body.Close()
			t.Fatalf("after Serve returned, %s still answered %d", ln.Addr(), resp.StatusCode)
		}
	}
}

// TestServeSeesChangesDuringFirstBuild: Serve watches the folder from before
// its first build reads it, and looks at it whole only once: an article
// written after that read, while the build is still rendering, is published
// by the event it makes.
func TestServeSeesChangesDuringFirstBuild(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	base := "http://" + ln.Addr().String() + "/"
	cfg, _ := testConfig(t, base)
	writeArticle(t, cfg.ArticlesDir, "first.md", "First\n---\n2020-01-01\n\nOne.\n")
	var once sync.Once
	cfg.Now = func() time.Time { // first called as the first build renders the page it parsed, after its scan
		once.Do(func() { writeArticle(t, cfg.ArticlesDir, "late.md", "Late\n---\n2020-01-02\n\nTwo.\n") })
		return time.Now()
	}
	b, err := NewBuilder(cfg)
	must(t, err)
	inBackground(t, "Serve", 10*time.Second, func(ctx context.Context) error { return b.Serve(ctx, ln) })
	f := pollAtom(t, base, "the article written during the first build", func(f *gofeed.Feed) bool { return item(f, "Late") != nil })
	if item(f, "First") == nil {
		t.Errorf("the first article is gone: %d items", len(f.Items))
	}
}

// TestServeWriterAtStart: a file still open for writing when Serve's first
// build reads the folder is published once its writer closes it, though
// closing it makes no event and no second look at the folder follows.
func TestServeWriterAtStart(t *testing.T) {
	var f *os.File
	base, _, _ := serving(t, func(cfg Config) {
		var err error
		f, err = os.Create(filepath.Join(cfg.ArticlesDir, "copying.md"))
		must(t, err)
		f.WriteString("Copying\n---\n2024-05-02\n\nfirst half second half END\n")
		writeArticle(t, cfg.ArticlesDir, "done.md", "Done\n---\n2024-05-01\n\nx\n")
	})
	got := pollAtom(t, base, "the finished article", func(f *gofeed.Feed) bool { return item(f, "Done") != nil })
	if item(got, "Copying") != nil {
		t.Fatal("published while still open for writing")
	}
	time.Sleep(100 * time.Millisecond) // the watcher keeps looking; nothing else happens meanwhile
	f.Close()
	got = pollAtom(t, base, "the article once closed", func(f *gofeed.Feed) bool { return item(f, "Copying") != nil })
	if it := item(got, "Copying"); !strings.Contains(it.Content, "second half END") {
		t.Errorf("published cut short: %q", it.Content)
	}
}

package feed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// syncLog collects log lines from several goroutines.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// matching gives the lines holding every one of the substrings.
func (l *syncLog) matching(substr ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.buf.String(), "\n") {
		ok := line != ""
		for _, s := range substr {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// watched is a Builder with its watcher running on a temporary articles
// folder.
type watched struct {
	t    *testing.T
	dir  string // articles
	out  string
	b    *Builder
	logs *syncLog
	stop func()
}

func robustConfig(t *testing.T) (Config, *syncLog) {
	t.Helper()
	cfg, logs := testConfig(t, "http://127.0.0.1:8080/")
	cfg.Site = Site{BaseURL: cfg.BaseURL, Title: "Robust", Description: "d", Lang: "en", Limit: 1 << 20}
	return cfg, logs
}

// startWatch builds once, then watches, with events from src (nil: the
// real fsnotify watcher).
func startWatch(t *testing.T, setup func(dir string), src *events, tune ...func(*Config)) *watched {
	t.Helper()
	cfg, logs := robustConfig(t)
	for _, f := range tune {
		f(&cfg)
	}
	if err := os.MkdirAll(cfg.ArticlesDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(cfg.ArticlesDir)
	}
	b, err := NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.First(); err != nil {
		t.Fatal(err)
	}
	w := &watched{t: t, dir: cfg.ArticlesDir, out: cfg.OutDir, b: b, logs: logs}
	w.stop = inBackground(t, "watch", 20*time.Second, func(ctx context.Context) error {
		if src == nil {
			return b.Watch(ctx)
		}
		(&watcher{b: b, src: *src, root: filepath.Clean(cfg.ArticlesDir), full: true}).run(ctx)
		return nil
	})
	return w
}

func (w *watched) path(name string) string { return filepath.Join(w.dir, filepath.FromSlash(name)) }

func (w *watched) put(name, text string) {
	w.t.Helper()
	p := w.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// jsonItem is what the tests read back from feed.json.
type jsonItem struct {
	ID      string `json:"id"`
	URL     string `json:"url"`
	Title   string `json:"title"`
	Content string `json:"content_html"`
}

// items is the published JSON feed, by title.
func items(t *testing.T, s *Snapshot) map[string]jsonItem {
	t.Helper()
	var doc struct{ Items []jsonItem }
	if s == nil || s.File(JSONFile) == nil {
		return nil
	}
	if err := json.Unmarshal(s.File(JSONFile).Body(), &doc); err != nil {
		t.Fatalf("feed.json: %v", err)
	}
	m := map[string]jsonItem{}
	for _, it := range doc.Items {
		if _, dup := m[it.Title]; dup {
			t.Fatalf("title %q published twice", it.Title)
		}
		m[it.Title] = it
	}
	return m
}

func titles(m map[string]jsonItem) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// until polls the served snapshot (every 10 ms, at most 30 s) until ok
// holds, and fails the test with what was last seen otherwise.
func (w *watched) until(what string, ok func(map[string]jsonItem) bool) map[string]jsonItem {
	w.t.Helper()
	var m map[string]jsonItem
	for range 3000 {
		if m = items(w.t, w.b.Current()); ok(m) {
			return m
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.t.Fatalf("never saw %s; published: %q\nlog:\n%s", what, titles(m), w.logs)
	return nil
}

// exactly waits until the published titles are want.
func (w *watched) exactly(want ...string) map[string]jsonItem {
	w.t.Helper()
	slices.Sort(want)
	return w.until(fmt.Sprintf("exactly %q", want), func(m map[string]jsonItem) bool {
		return slices.Equal(titles(m), want)
	})
}

// settle waits until the watcher has done every rebuild it had reason for:
// no rebuild runs, and the count of rebuilds stays the same for half a
// second.
func (w *watched) settle() {
	w.t.Helper()
	last := -1
	for range 200 {
		n := len(w.logs.matching("msg=rebuilt"))
		idle := w.b.mu.TryLock()
		if idle {
			w.b.mu.Unlock()
		}
		if n == last && idle {
			return
		}
		last = n
		time.Sleep(500 * time.Millisecond)
	}
	w.t.Fatal("rebuilds never stopped")
}

func article(title, body string) string {
	return title + "\n---\n2024-05-01\n\n" + body + "\n"
}

// In-place writes in chunks with pauses far longer than the quiet period:
// no snapshot may ever hold the article cut short.
func TestWatchChunkedWriteNeverTruncated(t *testing.T) {
	w := startWatch(t, func(dir string) {
		os.WriteFile(filepath.Join(dir, "other.md"), []byte(article("Other", "x")), 0o644)
	}, nil)
	w.exactly("Other")

	seen := map[string]bool{} // content_html of "Slow" in every snapshot seen
	var last *Snapshot
	look := func() {
		if s := w.b.Current(); s != last {
			last = s
			for title, it := range items(t, s) {
				if title != "Other" {
					seen[title+"|"+it.Content] = true
				}
			}
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 120000 { // about two minutes at most
			select {
			case <-stop:
				look() // the last snapshot too
				return
			default:
			}
			look()
			time.Sleep(time.Millisecond)
		}
	})
	halt := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(halt) // also when the test fails half-way

	for round := range 2 { // a new file, then the same file rewritten in place
		f, err := os.OpenFile(w.path("slow.md"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		chunks := []string{"Slow\n---\n2024-05-02\n\nfirst part ", "second part ", fmt.Sprintf("last part round%d END\n", round)}
		for _, c := range chunks {
			if _, err := f.WriteString(c); err != nil {
				t.Fatal(err)
			}
			time.Sleep(10 * Quiet)
		}
		f.Close()
		want := fmt.Sprintf("round%d END", round)
		w.until("the complete file", func(m map[string]jsonItem) bool { return strings.Contains(m["Slow"].Content, want) })
	}
	halt()
	for s := range seen {
		if !strings.HasSuffix(strings.TrimSpace(s), "END</p>") {
			t.Errorf("a half-written version was published: %q", s)
		}
	}
	if len(seen) != 2 {
		t.Errorf("want the 2 complete versions published, saw %d: %v", len(seen), seen)
	}
}

// The ways editors and sync tools save: each must end with the new text
// published under the article's own name, and none of their temporary files
// published.
func TestWatchEditorSaves(t *testing.T) {
	names := []string{"vim.md", "code.md", "rsync.md", "emacs.md"}
	w := startWatch(t, func(dir string) {
		for _, n := range names {
			os.WriteFile(filepath.Join(dir, n), []byte(article(n+" v1", "old")), 0o644)
		}
	}, nil)
	w.exactly("vim.md v1", "code.md v1", "rsync.md v1", "emacs.md v1")
	ids := map[string]string{}
	for title, it := range items(t, w.b.Current()) {
		ids[strings.TrimSuffix(title, " v1")] = it.ID
	}

	// vim, backupcopy=no: the file is renamed to a backup, a new one is
	// written under the name, the backup is deleted.
	must(t, os.Rename(w.path("vim.md"), w.path("vim.md~")))
	w.put("vim.md", article("vim.md v2", "new"))
	must(t, os.Remove(w.path("vim.md~")))

	// VS Code and most atomic savers: a temporary file beside it, renamed
	// over it.
	w.put(".code.md.tmp-1234", article("code.md v2", "new"))
	w.put("code.md.tmp", "junk that must never be published")
	must(t, os.Rename(w.path(".code.md.tmp-1234"), w.path("code.md")))

	// rsync: .name.XXXXXX, written slowly, then renamed.
	f, err := os.Create(w.path(".rsync.md.Ab12Cd"))
	must(t, err)
	f.WriteString("rsync.md v2\n---\n2024-05-01\n")
	time.Sleep(5 * Quiet)
	f.WriteString("\nnew\n")
	f.Close()
	must(t, os.Rename(w.path(".rsync.md.Ab12Cd"), w.path("rsync.md")))

	// emacs: a lock symlink .#name, an autosave #name#, a backup name~,
	// then the file written in place.
	must(t, os.Symlink("root@host.1234:1700000000", w.path(".#emacs.md")))
	w.put("#emacs.md#", article("autosave", "x"))
	must(t, os.Rename(w.path("emacs.md"), w.path("emacs.md~")))
	w.put("emacs.md", article("emacs.md v2", "new"))
	must(t, os.Remove(w.path(".#emacs.md")))

	m := w.exactly("vim.md v2", "code.md v2", "rsync.md v2", "emacs.md v2")
	for title, it := range m {
		if name := strings.TrimSuffix(title, " v2"); ids[name] != it.ID {
			t.Errorf("%s: id changed from %q to %q on save", name, ids[name], it.ID)
		}
	}
	w.settle()
	if bad := w.logs.matching("code.md.tmp"); len(bad) > 0 {
		t.Errorf("a temporary file was looked at: %q", bad)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mv into the folder, mv out of it, rename inside it, delete.
func TestWatchMoves(t *testing.T) {
	w := startWatch(t, func(dir string) {
		os.WriteFile(filepath.Join(dir, "stay.md"), []byte(article("Stay", "x")), 0o644)
		os.WriteFile(filepath.Join(dir, "leave.md"), []byte(article("Leave", "x")), 0o644)
		os.WriteFile(filepath.Join(dir, "old-name.md"), []byte(article("Renamed", "x")), 0o644)
		os.WriteFile(filepath.Join(dir, "doomed.md"), []byte(article("Doomed", "x")), 0o644)
	}, nil)
	w.exactly("Stay", "Leave", "Renamed", "Doomed")
	elsewhere := t.TempDir()
	must(t, os.WriteFile(filepath.Join(elsewhere, "arrive.md"), []byte(article("Arrive", "x")), 0o644))

	must(t, os.Rename(filepath.Join(elsewhere, "arrive.md"), w.path("arrive.md")))
	must(t, os.Rename(w.path("leave.md"), filepath.Join(elsewhere, "leave.md")))
	must(t, os.Rename(w.path("old-name.md"), w.path("new-name.md")))
	must(t, os.Remove(w.path("doomed.md")))

	m := w.exactly("Stay", "Arrive", "Renamed")
	if !strings.HasSuffix(m["Renamed"].URL, "/articles/new-name.html") {
		t.Errorf("renamed article lives at %s", m["Renamed"].URL)
	}
	// What moved out is no longer watched.
	must(t, os.WriteFile(filepath.Join(elsewhere, "leave.md"), []byte(article("Left", "x")), 0o644))
	w.settle()
	w.exactly("Stay", "Arrive", "Renamed")
}

// Sub-folders created or moved in after start, with files already inside,
// and removed again.
func TestWatchSubfolders(t *testing.T) {
	w := startWatch(t, nil, nil)
	w.exactly()

	elsewhere := t.TempDir()
	for i := range 3 {
		must(t, os.MkdirAll(filepath.Join(elsewhere, "moved", "deeper"), 0o755))
		must(t, os.WriteFile(filepath.Join(elsewhere, "moved", fmt.Sprintf("m%d.md", i)), []byte(article(fmt.Sprintf("Moved %d", i), "x")), 0o644))
	}
	must(t, os.WriteFile(filepath.Join(elsewhere, "moved", "deeper", "d.md"), []byte(article("Deep", "x")), 0o644))
	must(t, os.Rename(filepath.Join(elsewhere, "moved"), w.path("moved")))

	// Created here, files written at once, before any watch can be on it.
	must(t, os.MkdirAll(w.path("new/a/b"), 0o755))
	w.put("new/a/b/c.md", article("Created deep", "x"))
	w.put("new/top.md", article("Created top", "x"))

	w.exactly("Moved 0", "Moved 1", "Moved 2", "Deep", "Created deep", "Created top")
	// Files added later inside the moved-in folder are seen: it is watched.
	w.put("moved/deeper/later.md", article("Later", "x"))
	w.exactly("Moved 0", "Moved 1", "Moved 2", "Deep", "Created deep", "Created top", "Later")

	must(t, os.RemoveAll(w.path("moved")))
	w.exactly("Created deep", "Created top")
	must(t, os.Rename(w.path("new"), filepath.Join(elsewhere, "new")))
	w.exactly()
	// The folder that left is not watched any more.
	must(t, os.WriteFile(filepath.Join(elsewhere, "new", "ghost.md"), []byte(article("Ghost", "x")), 0o644))
	w.settle()
	w.exactly()
	// Nor are pages of removed articles left on disk.
	if left, _ := filepath.Glob(filepath.Join(w.out, "articles", "*", "*.html")); len(left) > 0 {
		t.Errorf("stale pages on disk: %q", left)
	}
}

// The articles folder removed and made again, or replaced by a rename:
// watching resumes on the folder now at that path.
func TestWatchFolderReplaced(t *testing.T) {
	w := startWatch(t, func(dir string) {
		os.WriteFile(filepath.Join(dir, "a.md"), []byte(article("A", "x")), 0o644)
	}, nil)
	w.exactly("A")

	must(t, os.RemoveAll(w.dir))
	for range 200 { // the watcher sees the folder go
		if len(w.logs.matching("folder is gone")) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	must(t, os.MkdirAll(w.dir, 0o755))
	w.put("b.md", article("B", "x"))
	w.exactly("B")
	w.put("c.md", article("C", "x")) // and events come again
	w.exactly("B", "C")
	if n := len(w.logs.matching("folder is gone")); n != 1 {
		t.Errorf("%d lines say the folder is gone, want 1:\n%s", n, w.logs)
	}

	parent := filepath.Dir(w.dir)
	fresh := filepath.Join(parent, "fresh")
	must(t, os.MkdirAll(filepath.Join(fresh, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(fresh, "sub", "d.md"), []byte(article("D", "x")), 0o644))
	old := filepath.Join(parent, "old")
	must(t, os.Rename(w.dir, old))
	must(t, os.Rename(fresh, w.dir))
	w.exactly("D")
	w.put("sub/e.md", article("E", "x"))
	w.exactly("D", "E")
	// The folder renamed away is no longer watched.
	must(t, os.WriteFile(filepath.Join(old, "zombie.md"), []byte(article("Zombie", "x")), 0o644))
	w.settle()
	w.exactly("D", "E")
}

// A file that turns invalid keeps its last good version published, with one
// log line saying why; once fixed, the fix is published.
func TestWatchInvalidEditKeepsLastGood(t *testing.T) {
	w := startWatch(t, func(dir string) {
		os.WriteFile(filepath.Join(dir, "post.md"), []byte("---\ntitle: Good\ndate: 2024-01-01\n---\nfirst\n"), 0o644)
	}, nil)
	w.exactly("Good")
	w.put("post.md", "---\ntitle: [broken\ndate: 2024-01-01\n---\nsecond\n")
	for range 3000 {
		if len(w.logs.matching("article skipped", "post.md")) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.settle()
	m := w.exactly("Good")
	if !strings.Contains(m["Good"].Content, "first") {
		t.Errorf("last good version not kept: %q", m["Good"].Content)
	}
	lines := w.logs.matching("article skipped", "post.md")
	if len(lines) != 1 || !strings.Contains(lines[0], "front matter") || !strings.Contains(lines[0], "last good version stays") {
		t.Errorf("want one log line naming the file and the reason, got %q", lines)
	}
	w.put("post.md", "---\ntitle: Fixed\ndate: 2024-01-01\n---\nthird\n")
	m = w.exactly("Fixed")
	if !strings.Contains(m["Fixed"].Content, "third") {
		t.Errorf("fix not published: %q", m["Fixed"].Content)
	}
}

// touch, and a save of the same bytes: nothing served changes.
func TestWatchTouchChangesNothing(t *testing.T) {
	text := article("Touched", "same bytes")
	w := startWatch(t, func(dir string) {
		os.WriteFile(filepath.Join(dir, "t.md"), []byte(text), 0o644)
	}, nil)
	w.exactly("Touched")
	w.settle()
	before := etags(w.b.Current())
	rebuilds := len(w.logs.matching("msg=rebuilt"))

	later := time.Now().Add(time.Hour)
	must(t, os.Chtimes(w.path("t.md"), later, later))
	w.put("t.md", text) // rewritten in place, same bytes: a Write event
	for range 3000 {
		if len(w.logs.matching("msg=rebuilt")) > rebuilds {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(w.logs.matching("msg=rebuilt")) == rebuilds {
		t.Fatal("the save caused no rebuild")
	}
	if _, err := w.b.Build(); err != nil { // and a full rescan too
		t.Fatal(err)
	}
	if after := etags(w.b.Current()); !mapsEqual(before, after) {
		t.Errorf("ETags changed on touch:\nbefore %v\nafter  %v", before, after)
	}
}

func etags(s *Snapshot) map[string]string {
	m := map[string]string{}
	for name, f := range s.Files() {
		m[name] = f.ETag() + " " + f.ModTime().String()
	}
	return m
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The kernel's queue overflowing: the watcher reads the whole folder again.
// The overflow is simulated through the watcher's events, since lowering
// fs.inotify.max_queued_events would change the machine for every process.
func TestWatchOverflowRescans(t *testing.T) {
	evs := make(chan fsnotify.Event)
	errs := make(chan error)
	var mu sync.Mutex
	var added []string
	src := &events{Events: evs, Errors: errs, Remove: func(string) error { return nil },
		Add: func(p string) error {
			mu.Lock()
			defer mu.Unlock()
			added = append(added, filepath.Base(p))
			return nil
		}}
	w := startWatch(t, func(dir string) {
		os.WriteFile(filepath.Join(dir, "a.md"), []byte(article("A", "x")), 0o644)
	}, src)
	w.exactly("A")
	w.settle()
	// Changes whose events were lost.
	w.put("lost1.md", article("Lost 1", "x"))
	w.put("sub/lost2.md", article("Lost 2", "x"))
	must(t, os.Remove(w.path("a.md")))
	w.settle()
	w.exactly("A")
	errs <- fmt.Errorf("wrapped: %w", fsnotify.ErrEventOverflow)
	w.exactly("Lost 1", "Lost 2")
	// The folder made while events were lost is watched from then on.
	mu.Lock()
	if !slices.Contains(added, "sub") {
		t.Errorf("sub, made while events were lost, not watched after: %q", added)
	}
	mu.Unlock()
	if len(w.logs.matching("events were lost")) != 1 {
		t.Errorf("overflow not logged:\n%s", w.logs)
	}
	// Other errors are logged and watching goes on.
	errs <- errors.New("some watch error")
	w.put("b.md", article("B", "x"))
	evs <- fsnotify.Event{Name: w.path("b.md"), Op: fsnotify.Create}
	w.exactly("Lost 1", "Lost 2", "B")
}

var linkRE = regexp.MustCompile(`<li><a href="([^"]+)">`)

// 10,000 files dropped at once: all of them published, each once, and
// counted in the rebuild log. (The watcher drains the kernel's queue fast
// enough that it does not overflow here; TestWatchOverflowRescans covers
// that path, as lowering fs.inotify.max_queued_events would change it for
// every process on the machine.)
func TestWatchBulkDrop(t *testing.T) {
	const n = 10000
	// The default limit: feeds of 50 entries, index.html of all of them.
	w := startWatch(t, nil, nil, func(cfg *Config) { cfg.Limit = 50 })
	w.exactly()
	want := map[string]bool{}
	for i := range n {
		name := fmt.Sprintf("drop/%02d/%05d.md", i%50, i)
		want["http://127.0.0.1:8080/articles/"+strings.TrimSuffix(name, ".md")+".html"] = true
		p := w.path(name)
		if i < 50 {
			must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		}
		must(t, os.WriteFile(p, []byte(fmt.Sprintf("Dropped %05d\n---\n2024-01-01\n\nbody %d\n", i, i)), 0o644))
	}
	for range 1200 { // up to 2 minutes under the race detector
		if w.b.Current().Stats.Published == n {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.settle()
	s := w.b.Current()
	got := map[string]int{}
	for _, m := range linkRE.FindAllStringSubmatch(string(s.File(IndexFile).Body()), -1) {
		got[m[1]]++
	}
	for link, c := range got {
		if c != 1 || !want[link] {
			t.Errorf("index.html lists %s %d times", link, c)
		}
	}
	if len(got) != n {
		t.Errorf("index.html lists %d articles, want %d", len(got), n)
	}
	lines := w.logs.matching("msg=rebuilt")
	if last := lines[len(lines)-1]; !strings.Contains(last, fmt.Sprintf("articles=%d published=%d skipped=0", n, n)) {
		t.Errorf("last rebuild log line: %s\nall:\n%s", last, strings.Join(lines, "\n"))
	}
	pages, _ := filepath.Glob(filepath.Join(w.out, "articles", "drop", "*", "*.html"))
	if len(pages) != n {
		t.Errorf("%d pages on disk, want %d", len(pages), n)
	}
}

// The output folder turning unwritable mid-run: one clear error per file
// that cannot be written, however often it is tried again; HTTP keeps
// serving; once the folder is writable, out/ catches up in full. Tests run
// as root, whom permission bits do not stop, so out/articles is replaced by
// a plain file: nothing can be written below it.
func TestWatchOutputUnwritable(t *testing.T) {
	w := startWatch(t, func(dir string) {
		os.WriteFile(filepath.Join(dir, "a.md"), []byte(article("A", "x")), 0o644)
	}, nil)
	w.exactly("A")
	w.settle()
	pages := filepath.Join(w.out, "articles")
	must(t, os.RemoveAll(pages))
	must(t, os.WriteFile(pages, []byte("in the way"), 0o644))

	w.put("b.md", article("B", "x"))
	w.exactly("A", "B") // served all the same
	for range 3000 {
		if len(w.logs.matching("level=ERROR", "b.html")) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.settle()
	for range 3 { // what the retry ticker does, without its two seconds
		if err := w.b.RetryDisk(); !errors.Is(err, ErrOutput) {
			t.Fatalf("retry on an unwritable folder: %v", err)
		}
	}
	for _, page := range []string{"a.html", "b.html"} {
		lines := w.logs.matching("level=ERROR", page)
		if len(lines) != 1 || !strings.Contains(lines[0], "not a directory") {
			t.Errorf("%s: want one error line saying why, got %q", page, lines)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(w.out, JSONFile)); !bytes.Equal(got, w.b.Current().File(JSONFile).Body()) {
		t.Error("feed.json, which could be written, was not")
	}

	must(t, os.Remove(pages))
	must(t, os.Mkdir(pages, 0o755))
	for range 1000 { // the retry ticker runs every two seconds
		if len(w.logs.matching("output folder written again")) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.settle()
	for name, f := range w.b.Current().Files() {
		if got, err := os.ReadFile(filepath.Join(w.out, filepath.FromSlash(name))); err != nil || !bytes.Equal(got, f.Body()) {
			t.Errorf("%s not written back after the folder came back: %v", name, err)
		}
	}
	if n := len(w.logs.matching("output folder written again")); n != 1 {
		t.Errorf("%d recovery lines, want 1", n)
	}
}

// An articles folder that is a symbolic link to the real one (a synced
// folder elsewhere), or a hidden folder, is read and watched like any other.
func TestWatchArticlesFolderIsALink(t *testing.T) {
	real := filepath.Join(t.TempDir(), ".real")
	must(t, os.MkdirAll(real, 0o755))
	must(t, os.WriteFile(filepath.Join(real, "a.md"), []byte(article("A", "x")), 0o644))
	w := startWatch(t, nil, nil, func(cfg *Config) {
		must(t, os.Symlink(real, cfg.ArticlesDir))
	})
	w.exactly("A")
	must(t, os.WriteFile(filepath.Join(real, "b.md"), []byte(article("B", "x")), 0o644))
	w.exactly("A", "B")

	// The link swapped for one to another folder, atomically, as a
	// deployment does it: ln -sfn v2 tmp && mv -T tmp articles.
	v2 := filepath.Join(t.TempDir(), "v2")
	must(t, os.MkdirAll(v2, 0o755))
	must(t, os.WriteFile(filepath.Join(v2, "v.md"), []byte(article("V2", "x")), 0o644))
	tmp := w.dir + ".tmp"
	must(t, os.Symlink(v2, tmp))
	must(t, os.Rename(tmp, w.dir))
	w.exactly("V2")
	must(t, os.WriteFile(filepath.Join(v2, "w.md"), []byte(article("W", "x")), 0o644))
	must(t, os.WriteFile(filepath.Join(real, "old.md"), []byte(article("Old", "x")), 0o644))
	w.exactly("V2", "W")
	w.settle()
	w.exactly("V2", "W") // the folder the link led to before is no longer watched
	must(t, os.Remove(filepath.Join(real, "old.md")))
	if n := len(w.logs.matching("articles folder was replaced")); n != 1 {
		t.Errorf("%d lines say the folder was replaced, want 1:\n%s", n, w.logs)
	}

	// The folder the link leads to removed and made again.
	must(t, os.RemoveAll(v2))
	must(t, os.MkdirAll(v2, 0o755))
	must(t, os.WriteFile(filepath.Join(v2, "z.md"), []byte(article("Z", "x")), 0o644))
	w.exactly("Z")
	must(t, os.WriteFile(filepath.Join(v2, "z2.md"), []byte(article("Z2", "x")), 0o644))
	w.exactly("Z", "Z2")

	h := startWatch(t, nil, nil, func(cfg *Config) { cfg.ArticlesDir = real })
	h.exactly("A", "B")
	must(t, os.WriteFile(filepath.Join(real, "c.md"), []byte(article("C", "x")), 0o644))
	h.exactly("A", "B", "C")
}

// A file still open for writing when dropfeed starts is not published by
// the first build (it could be cut short); it is published once its writer
// closes it, though closing sends no event the watcher sees.
func TestWatchWriterAtStart(t *testing.T) {
	var f *os.File
	w := startWatch(t, func(dir string) {
		var err error
		f, err = os.Create(filepath.Join(dir, "copying.md"))
		must(t, err)
		f.WriteString("Copying\n---\n2024-05-02\n\nfirst half second half END\n")
		os.WriteFile(filepath.Join(dir, "done.md"), []byte(article("Done", "x")), 0o644)
	}, nil)
	w.exactly("Done")
	w.settle()
	w.exactly("Done")
	if lines := w.logs.matching("copying.md", "open for writing"); len(lines) == 0 {
		t.Errorf("no line says the file is being written:\n%s", w.logs)
	}
	f.Close() // fsnotify passes on no event for this
	m := w.exactly("Done", "Copying")
	if !strings.Contains(m["Copying"].Content, "second half END") {
		t.Errorf("published cut short: %q", m["Copying"].Content)
	}
}

// An output folder inside the articles folder (say -articles . -out out) is
// neither read nor watched: what the builds write there makes no rebuild,
// and an article file in it is not published.
func TestWatchOutputInsideArticles(t *testing.T) {
	w := startWatch(t, func(dir string) {
		os.WriteFile(filepath.Join(dir, "a.md"), []byte(article("A", "x")), 0o644)
		os.MkdirAll(filepath.Join(dir, "site", "out"), 0o755)
		os.WriteFile(filepath.Join(dir, "site", "real.md"), []byte(article("Real", "x")), 0o644)
		os.WriteFile(filepath.Join(dir, "site", "out", "stray.md"), []byte(article("Stray", "x")), 0o644)
	}, nil, func(cfg *Config) { cfg.OutDir = filepath.Join(cfg.ArticlesDir, "site", "out") })
	w.exactly("A", "Real")
	if _, err := os.Stat(filepath.Join(w.out, "articles", "a.html")); err != nil {
		t.Fatalf("no page written in the output folder: %v", err)
	}
	w.settle()
	before := len(w.logs.matching("msg=rebuilt"))
	w.put("site/out/other.md", article("Other", "x"))
	w.put("site/out/articles/x.html", "<p>x</p>")
	w.put("site/out/new/deeper.md", article("Deeper", "x"))
	// The output folder gone and made again, with an article in it.
	must(t, os.RemoveAll(w.out))
	w.put("site/out/again.md", article("Again", "x"))
	w.settle()
	if n := len(w.logs.matching("msg=rebuilt")) - before; n != 0 {
		t.Errorf("%d rebuilds for files written in the output folder, want none:\n%s", n, w.logs)
	}
	// The next change finds the output folder gone (its state file cannot
	// be added to), and the retry ticker, every two seconds, writes it
	// again whole.
	w.put("b.md", article("B", "x"))
	w.exactly("A", "Real", "B")
	for _, name := range []string{"articles/a.html", "articles/site/real.html", "rss.xml"} {
		var err error
		for range 1500 {
			if _, err = os.Stat(filepath.Join(w.out, name)); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil {
			t.Errorf("not written again: %v", err)
		}
	}
}

// A folder renamed within the articles folder, or moved out and back under
// another name: what changes in its sub-folders afterwards is published
// under the new path.
func TestWatchFolderRenamedWithin(t *testing.T) {
	w := startWatch(t, func(dir string) {
		os.MkdirAll(filepath.Join(dir, "sub", "deep"), 0o755)
		os.WriteFile(filepath.Join(dir, "sub", "deep", "d.md"), []byte(article("Deep", "v1")), 0o644)
		os.WriteFile(filepath.Join(dir, "sub", "deep", "k.md"), []byte(article("Kept", "x")), 0o644)
	}, nil)
	w.exactly("Deep", "Kept")
	w.settle()
	must(t, os.Rename(w.path("sub"), w.path("renamed")))
	w.settle()
	w.put("renamed/deep/later.md", article("Later", "x"))
	w.put("renamed/deep/d.md", article("Deep", "v2"))
	must(t, os.Remove(w.path("renamed/deep/k.md")))
	w.until("the edit, the new file and the deletion in the renamed folder", func(m map[string]jsonItem) bool {
		return len(m) == 2 && strings.Contains(m["Deep"].Content, "v2") && m["Later"].Title != ""
	})
	// Out of the folder, and back under another name.
	outside := filepath.Join(t.TempDir(), "away")
	must(t, os.Rename(w.path("renamed"), outside))
	w.exactly()
	w.settle()
	must(t, os.Rename(outside, w.path("back")))
	w.exactly("Deep", "Later")
	w.settle()
	w.put("back/deep/again.md", article("Again", "x"))
	w.exactly("Deep", "Later", "Again")
}

// touch -d on an undated article moves its date, as a fresh build would
// give it: the attribute change alone (a Chmod event) is looked at.
func TestWatchTouchUndated(t *testing.T) {
	w := startWatch(t, func(dir string) {
		p := filepath.Join(dir, "u.md")
		os.WriteFile(p, []byte("# Undated\nNo date at all.\n"), 0o644)
		old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		os.Chtimes(p, old, old)
	}, nil)
	published := func() string {
		var doc struct {
			Items []struct {
				Published string `json:"date_published"`
			}
		}
		must(t, json.Unmarshal(w.b.Current().File(JSONFile).Body(), &doc))
		if len(doc.Items) != 1 {
			t.Fatalf("%d items, want 1", len(doc.Items))
		}
		return doc.Items[0].Published
	}
	if got := published(); !strings.HasPrefix(got, "2020-01-01T00:00:00") {
		t.Fatalf("published %s, want the modification time 2020-01-01", got)
	}
	w.settle()
	touched := time.Date(2023, 6, 15, 12, 0, 0, 0, time.UTC)
	must(t, os.Chtimes(w.path("u.md"), touched, touched))
	for range 3000 {
		if strings.HasPrefix(published(), "2023-06-15T12:00:00") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("published %s after touch -d 2023-06-15 12:00", published())
}

// An article file that is a symbolic link to another in the folder follows
// it: an edit of the file it leads to shows in both pages, one that keeps
// the file's size and time too.
func TestWatchLinkedArticleFollowsTarget(t *testing.T) {
	w := startWatch(t, func(dir string) {
		os.MkdirAll(filepath.Join(dir, "2024"), 0o755)
		os.WriteFile(filepath.Join(dir, "2024", "post.md"), []byte(article("Post", "version one")), 0o644)
		os.Symlink(filepath.Join("2024", "post.md"), filepath.Join(dir, "latest.md"))
	}, nil)
	page := func(name string) string {
		if f := w.b.Current().File("articles/" + name + ".html"); f != nil {
			return string(f.Body())
		}
		return ""
	}
	if !strings.Contains(page("latest"), "version one") || !strings.Contains(page("2024/post"), "version one") {
		t.Fatalf("pages at the start: latest %q, post %q", page("latest"), page("2024/post"))
	}
	both := func(text string) {
		t.Helper()
		for range 3000 {
			if strings.Contains(page("latest"), text) && strings.Contains(page("2024/post"), text) {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("after the edit to %q: latest %q, post %q", text, page("latest"), page("2024/post"))
	}
	w.settle()
	w.put("2024/post.md", article("Post", "version two"))
	both("version two")
	w.settle()
	info, err := os.Stat(w.path("2024/post.md"))
	must(t, err)
	w.put("2024/post.md", article("Post", "version six")) // the same size
	must(t, os.Chtimes(w.path("2024/post.md"), info.ModTime(), info.ModTime()))
	both("version six")
}

// A file kept open for writing is looked at every Quiet at first, then less
// often the longer it stays open, and taken as soon as it is closed.
func TestWatchLooksLessOftenAtFileKeptOpen(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "open.md"))
	must(t, err)
	defer f.Close()
	w := &watcher{root: dir, pending: map[string]time.Time{}, held: map[string]time.Time{}}
	start := time.Now()
	w.pending["open.md"] = start
	for _, c := range []struct{ at, wait time.Duration }{
		{Quiet, Quiet}, // found open: looked at again soon
		{Quiet + 500*time.Millisecond, 50 * time.Millisecond}, // a tenth of the time it has been open
		{10 * time.Second, heldLook},                          // and never less often than this
	} {
		if batch, wait := w.ready(start.Add(c.at)); batch != nil || wait != c.wait {
			t.Errorf("after %v open: batch %q, next look in %v; want none, and %v", c.at, batch, wait, c.wait)
		}
	}
	f.Close()
	if batch, _ := w.ready(start.Add(11 * time.Second)); !slices.Equal(batch, []string{"open.md"}) || len(w.held) != 0 {
		t.Errorf("once closed: batch %q, still held %v", batch, w.held)
	}
}

// Watches go on every folder but the output folder when it lies inside, and
// come off a folder that goes, with those below it; an event for a file
// looks through nothing.
func TestWatchesKept(t *testing.T) {
	cfg, _ := robustConfig(t)
	cfg.OutDir = filepath.Join(cfg.ArticlesDir, "out")
	for _, d := range []string{"a/b", "out/articles/x", "c"} {
		must(t, os.MkdirAll(filepath.Join(cfg.ArticlesDir, filepath.FromSlash(d)), 0o755))
	}
	b, err := NewBuilder(cfg)
	must(t, err)
	var added, removed []string
	rel := func(p string) string { r, _ := within(p, cfg.ArticlesDir); return r }
	w := &watcher{b: b, root: cfg.ArticlesDir, src: events{
		Add:    func(p string) error { added = append(added, rel(p)); return nil },
		Remove: func(p string) error { removed = append(removed, rel(p)); return nil },
	}}
	must(t, w.addTree(w.root))
	slices.Sort(added)
	if want := []string{".", "a", "a/b", "c"}; !slices.Equal(added, want) {
		t.Errorf("watched %q, want %q", added, want)
	}
	w.unwatch(filepath.Join(cfg.ArticlesDir, "a", "gone.md"))
	if len(removed) != 0 {
		t.Errorf("a file's event took watches off %q", removed)
	}
	w.unwatch(filepath.Join(cfg.ArticlesDir, "a"))
	slices.Sort(removed)
	if want := []string{"a", "a/b"}; !slices.Equal(removed, want) || len(w.dirs) != 2 {
		t.Errorf("folder a gone: watches off %q, %d left; want %q off, 2 left", removed, len(w.dirs), want)
	}
}

// fsnotify may send an error while it holds the lock its Add takes, and
// wait until it is received: the watcher, inside Add then, must not be the
// only one that could receive it.
func TestWatchErrorDuringAdd(t *testing.T) {
	evs := make(chan fsnotify.Event)
	errs := make(chan error) // unbuffered, as fsnotify's
	src := &events{Events: evs, Errors: errs, Remove: func(string) error { return nil },
		Add: func(string) error {
			errs <- errors.New("sent while adding")
			return nil
		}}
	w := startWatch(t, nil, src)
	w.exactly()
	must(t, os.Mkdir(w.path("new"), 0o755))
	w.put("new/a.md", article("A", "x"))
	send := func(ev fsnotify.Event) {
		select {
		case evs <- ev:
		case <-time.After(10 * time.Second):
			t.Fatal("the watcher takes no more events: stuck in Add")
		}
	}
	send(fsnotify.Event{Name: w.path("new"), Op: fsnotify.Create}) // the watcher adds a watch
	send(fsnotify.Event{Name: w.path("new/a.md"), Op: fsnotify.Create})
	w.exactly("A")
	for range 1000 {
		if len(w.logs.matching("sent while adding")) > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("the error sent during Add was never logged:\n%s", w.logs)
}

// The articles folder seen gone twice (by the look at its path and by its
// own event) is said once.
func TestWatchGoneSaidOnce(t *testing.T) {
	cfg, logs := robustConfig(t)
	b, err := NewBuilder(cfg)
	must(t, err)
	w := &watcher{b: b, root: cfg.ArticlesDir, src: events{Remove: func(string) error { return nil }}}
	w.goneAway("is gone")
	w.goneAway("is gone")
	if n := len(logs.matching("folder is gone")); n != 1 {
		t.Errorf("%d lines say the folder is gone, want 1", n)
	}
}

// A folder renamed and removed at once makes fsnotify fail to add or take
// off its watch: nothing is lost (the folder's own events tell), and no
// error is logged for it.
func TestWatchQuietWhenFolderGoes(t *testing.T) {
	evs := make(chan fsnotify.Event)
	errs := make(chan error)
	src := &events{Events: evs, Errors: errs, Remove: func(string) error { return nil },
		Add: func(p string) error {
			if filepath.Base(p) == "going" {
				return &fs.PathError{Op: "inotify_add_watch", Path: p, Err: syscall.ENOENT}
			}
			return nil
		}}
	w := startWatch(t, nil, src)
	w.exactly()
	must(t, os.Mkdir(w.path("going"), 0o755))
	evs <- fsnotify.Event{Name: w.path("going"), Op: fsnotify.Create}
	errs <- fmt.Errorf("remove watch: %w", syscall.EINVAL)
	w.put("a.md", article("A", "x"))
	evs <- fsnotify.Event{Name: w.path("a.md"), Op: fsnotify.Create}
	w.exactly("A")
	if lines := w.logs.matching("level=ERROR"); len(lines) > 0 {
		t.Errorf("errors logged for a folder that went: %q", lines)
	}
	errs <- errors.New("another watch error") // still said
	for range 1000 {
		if len(w.logs.matching("level=ERROR", "another watch error")) > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("a real watch error was not logged:\n%s", w.logs)
}

// readLimited gives a file's bytes whole, and its date; a file whose size
// says less than it has (as /proc's do) is read to its end. That it leaves
// out the read that finds the end under a lease is not seen here: no file
// can grow under one.
func TestReadLimited(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 4095, 4096, 100000} {
		p := filepath.Join(dir, fmt.Sprint(n))
		want := bytes.Repeat([]byte("abcdefg\n"), n/8+1)[:n]
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, mod, err := readLimited(p)
		info, _ := os.Stat(p)
		if err != nil || !bytes.Equal(got, want) || !mod.Equal(info.ModTime()) {
			t.Errorf("%d bytes: read %d, dated %v (file %v), %v", n, len(got), mod, info.ModTime(), err)
		}
	}
	got, _, err := readLimited("/proc/self/status")
	if err != nil || !bytes.Contains(got, []byte("\nUmask:")) {
		t.Errorf("/proc/self/status (size 0): read %q, %v", got, err)
	}
	if _, _, err := readLimited(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a folder: %v, want not a regular file", err)
	}
}

// An edit that keeps the file's size and modification time (two writes of
// one size within a tick of the clock, or a copy given the old file's time,
// as `cp -p` or `touch -r` do) is published all the same: the watcher saw
// the file change, so it is read again, in place or renamed over.
func TestWatchEditKeepingSizeAndTime(t *testing.T) {
	w := startWatch(t, func(dir string) {
		os.WriteFile(filepath.Join(dir, "x.md"), []byte(article("AAAA", "x")), 0o644)
		os.WriteFile(filepath.Join(dir, "y.md"), []byte(article("CCCC", "y")), 0o644)
	}, nil)
	w.exactly("AAAA", "CCCC")
	w.settle()
	// In place: same inode, same size, its time put back.
	info, err := os.Stat(w.path("x.md"))
	must(t, err)
	w.put("x.md", article("BBBB", "x"))
	must(t, os.Chtimes(w.path("x.md"), info.ModTime(), info.ModTime()))
	w.exactly("BBBB", "CCCC")
	w.settle()
	// Renamed over, with the old file's time (mv of a copy made with cp -p).
	info, err = os.Stat(w.path("y.md"))
	must(t, err)
	staged := w.path(".y.md.tmp") // hidden: not an article while it is written
	must(t, os.WriteFile(staged, []byte(article("DDDD", "y")), 0o644))
	must(t, os.Chtimes(staged, info.ModTime(), info.ModTime()))
	must(t, os.Rename(staged, w.path("y.md")))
	w.exactly("BBBB", "DDDD")
}

// A walk of the whole folder (after lost events, or more than 256 changes)
// reads again a file that was replaced by another of the same size and
// time: its inode tells. One changed in place, keeping both, is seen there
// only when the walk names it (below); the watcher's event for it is, above.
func TestWalkSeesReplacedFile(t *testing.T) {
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "x.md", article("AAAA", "x"))
	b := build(t, cfg)
	p := filepath.Join(cfg.ArticlesDir, "x.md")
	info, err := os.Stat(p)
	must(t, err)
	tmp := filepath.Join(cfg.ArticlesDir, ".x.md.tmp")
	must(t, os.WriteFile(tmp, []byte(article("BBBB", "x")), 0o644))
	must(t, os.Chtimes(tmp, info.ModTime(), info.ModTime()))
	must(t, os.Rename(tmp, p))
	if _, err := b.Build(); err != nil {
		t.Fatal(err)
	}
	if got := titles(items(t, b.Current())); !slices.Equal(got, []string{"BBBB"}) {
		t.Errorf("after the file was replaced: %q, want [BBBB]", got)
	}
}

// A walk of the whole folder that names the files the watcher saw change
// (more than bulk of them at once) reads those again, whatever their size,
// time and inode say; the others only if one of the three changed.
func TestWalkReadsNamedFiles(t *testing.T) {
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "x.md", article("AAAA", "x"))
	writeArticle(t, cfg.ArticlesDir, "y.md", article("CCCC", "y"))
	b := build(t, cfg)
	for name, title := range map[string]string{"x.md": "BBBB", "y.md": "DDDD"} {
		p := filepath.Join(cfg.ArticlesDir, name)
		info, err := os.Stat(p)
		must(t, err)
		must(t, os.WriteFile(p, []byte(article(title, name[:1])), 0o644)) // in place, the same size
		must(t, os.Chtimes(p, info.ModTime(), info.ModTime()))
	}
	if _, err := b.Rebuild([]string{"", "x.md"}); err != nil {
		t.Fatal(err)
	}
	if got := titles(items(t, b.Current())); !slices.Equal(got, []string{"BBBB", "CCCC"}) {
		t.Errorf("after a walk naming x.md: %q, want [BBBB CCCC]", got)
	}
}

// More changed paths than bulk make one walk of the whole folder, which
// still names them, and those not quiet yet; so does a walk after lost
// events.
func TestWatchBulkNamesPaths(t *testing.T) {
	w := &watcher{root: t.TempDir(), pending: map[string]time.Time{}, held: map[string]time.Time{}}
	start := time.Now()
	var want []string
	for i := range bulk + 1 {
		p := fmt.Sprintf("unpacked/%03d.md", i)
		w.pending[p] = start
		want = append(want, p)
	}
	w.pending["late.md"] = start.Add(Quiet) // changed just now: not quiet yet, but named too
	want = append(want, "late.md")
	slices.Sort(want)
	walks := func(batch []string, want []string) {
		t.Helper()
		if len(batch) == 0 || batch[0] != "" {
			t.Fatalf("batch starts %q, want the whole folder first", batch[:min(len(batch), 3)])
		}
		if got := slices.Sorted(slices.Values(batch[1:])); !slices.Equal(got, want) {
			t.Errorf("the walk names %d paths, want the %d changed", len(got), len(want))
		}
		if len(w.pending) != 0 {
			t.Errorf("%d paths still pending", len(w.pending))
		}
	}
	batch, _ := w.ready(start.Add(Quiet))
	walks(batch, want)
	// Events lost: one walk, which names what was pending.
	w.pending["pending.md"], w.full = start, true
	batch, _ = w.ready(start)
	walks(batch, []string{"pending.md"})
}

// Files of out/'s top level deleted by hand while serving (the index, a
// feed, the state file) are put back at the watcher's next look, without
// a rebuild to wait for, and the state file whole.
func TestWatchPutsBackTopFiles(t *testing.T) {
	w := startWatch(t, func(dir string) {
		os.WriteFile(filepath.Join(dir, "a.md"), []byte(article("A", "x")), 0o644)
	}, nil)
	w.exactly("A")
	w.settle()
	out := w.out
	names := []string{IndexFile, JSONFile, StateFile}
	before := map[string][]byte{}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(out, name))
		must(t, err)
		before[name] = b
		must(t, os.Remove(filepath.Join(out, name)))
	}
	for i := 0; ; i++ {
		back := 0
		for _, name := range names {
			if b, err := os.ReadFile(filepath.Join(out, name)); err == nil && bytes.Equal(b, before[name]) {
				back++
			}
		}
		if back == len(names) {
			break
		}
		if i == 3000 {
			t.Fatalf("%d of %v put back as they were:\n%s", back, names, w.logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if lines := w.logs.matching("level=ERROR"); len(lines) > 0 {
		t.Errorf("errors while putting them back:\n%s", strings.Join(lines, "\n"))
	}
}

package feed

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Config is everything a build or a server needs, as main assembles it from
// flags and the environment.
type Config struct {
	Site
	ArticlesDir string
	OutDir      string
	Addr        string
	Loc         *time.Location
	Strict      bool
	Log         *slog.Logger
	Progress    bool             // show progress on stderr (it is a terminal)
	Now         func() time.Time // the clock; nil for time.Now
}

// ErrOutput is a rebuild whose snapshot is served but could not be written
// to the output folder in full.
var ErrOutput = errors.New("output folder not written")

// Stats describe one rebuild.
type Stats struct {
	Seen      int // article files found
	Published int
	Skipped   int // files that could not be published as they are now
	Duration  time.Duration
}

// Builder turns the articles folder into snapshots, writes them to the
// output folder and holds the current one for the server. Rebuilds are
// serialised; Current may be called from any goroutine.
type Builder struct {
	cfg   Config
	lib   *library
	disk  *disk
	pages map[string]pageCache // by slug
	// The articles of the feeds at the last rebuild: the only ones, with
	// those whose page is being rendered, that keep their HTML at hand.
	window []*Article
	cur    atomic.Pointer[Snapshot]

	mu         sync.Mutex      // one rebuild at a time
	diskFailed map[string]bool // errors of the last write, which left the output folder behind
}

type pageCache struct {
	art  *Article
	file *File
	row  []byte // its line in the index
}

// NewBuilder checks the folders and prepares the first build. The articles
// folder is created if it is missing.
func NewBuilder(cfg Config) (*Builder, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Loc == nil {
		cfg.Loc = time.UTC
	}
	for _, s := range []*string{&cfg.Title, &cfg.Description, &cfg.Author} {
		*s = oneLine(xmlSafe(*s))
	}
	if err := os.MkdirAll(cfg.ArticlesDir, 0o755); err != nil {
		return nil, fmt.Errorf("articles folder: %w", err)
	}
	if info, err := os.Stat(cfg.ArticlesDir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("articles folder %s is not a folder", cfg.ArticlesDir)
	}
	d, err := openDisk(cfg.OutDir)
	if err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	state, _ := os.ReadFile(filepath.Join(cfg.OutDir, StateFile))
	b := &Builder{cfg: cfg, disk: d, pages: map[string]pageCache{}}
	b.lib = &library{
		dir:     cfg.ArticlesDir,
		opt:     ParseOptions{BaseURL: cfg.BaseURL, Loc: cfg.Loc},
		history: newHistory(state),
		entries: map[string]*entry{},
		report:  b.report,
	}
	return b, nil
}

func (b *Builder) report(path, reason string, warning bool) {
	file := filepath.Join(b.cfg.ArticlesDir, filepath.FromSlash(path))
	if warning {
		b.cfg.Log.Warn("article", "file", file, "warning", reason)
	} else {
		b.cfg.Log.Warn("article skipped", "file", file, "reason", reason)
	}
}

// Current is the snapshot being served, nil before the first build.
func (b *Builder) Current() *Snapshot { return b.cur.Load() }

// Build rescans the whole articles folder and publishes the result.
func (b *Builder) Build() (Stats, error) { return b.Rebuild(nil) }

// Rebuild looks again at the given paths (files or folders, relative to the
// articles folder; nil for all of it), then renders and publishes a new
// snapshot. The snapshot is served even if writing it to disk fails; the
// error says which files could not be written, and the next rebuild tries
// them again.
func (b *Builder) Rebuild(paths []string) (Stats, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	start := time.Now()
	if paths == nil {
		paths = []string{""}
	}
	for _, rel := range paths {
		if err := b.refresh(rel); err != nil {
			return Stats{}, err
		}
	}
	list, skipped := b.lib.articles()
	snap, err := b.render(list)
	if err != nil {
		return Stats{}, err
	}
	// The folder first, then the server: whatever HTTP shows is on disk too.
	err = b.writeDisk(snap)
	snap.Stats = Stats{Seen: len(b.lib.entries), Published: len(list), Skipped: skipped, Duration: time.Since(start)}
	b.cur.Store(snap) // from here on nobody changes snap
	b.cfg.Log.Info("rebuilt", "articles", snap.Stats.Seen, "published", snap.Stats.Published,
		"skipped", snap.Stats.Skipped, "duration", snap.Stats.Duration.Round(time.Microsecond))
	return snap.Stats, err
}

// refresh brings the library up to date below rel.
func (b *Builder) refresh(rel string) error {
	files, err := b.lib.scan(rel)
	if err != nil {
		if rel != "" && errors.Is(err, fs.ErrNotExist) {
			files = nil // a file or folder that went away
		} else {
			return fmt.Errorf("articles folder: %w", unwrapPath(err))
		}
	}
	var progress func()
	if b.cfg.Progress && rel == "" { // only a whole-folder read takes long
		p := startProgress(len(files))
		defer p.stop()
		progress = p.tick
	}
	b.lib.update(rel, files, progress)
	return nil
}

// render makes the snapshot of a list of articles, reusing the pages and
// files of the previous snapshot where the bytes did not change.
func (b *Builder) render(list []*Article) (*Snapshot, error) {
	prev := b.Current()
	now := b.cfg.Now()
	old := func(name string) *File {
		if prev != nil {
			return prev.Files[name]
		}
		return nil
	}
	// The articles of the feeds need their HTML; so do those whose page is
	// rendered. Every other one has it put away.
	window := list[:min(len(list), b.cfg.Limit)]
	inWindow := make(map[*Article]bool, len(window))
	for _, a := range window {
		unshelve(a)
		inWindow[a] = true
	}
	for _, a := range b.window {
		if c, ok := b.pages[a.Slug]; ok && c.art == a && !inWindow[a] {
			shelve(a, c.file, c.file.Body())
		}
	}
	b.window = window
	files := make(map[string]*File, len(list)+4)
	pages := make(map[string]pageCache, len(list))
	var todo []*Article
	for _, a := range list {
		if c, ok := b.pages[a.Slug]; ok && c.art == a {
			files[PagePath(a.Slug)], pages[a.Slug] = c.file, c
		} else {
			todo = append(todo, a)
		}
	}
	made := make([]pageCache, len(todo))
	failed := make([]error, len(todo))
	eachParallel(len(todo), func(i int) {
		a := todo[i]
		name := PagePath(a.Slug)
		unshelve(a)
		body, err := b.cfg.Page(a)
		if err == nil {
			made[i].row, err = b.cfg.IndexRow(a)
		}
		if err != nil {
			failed[i] = fmt.Errorf("page of %s: %w", a.Path, err)
			return
		}
		f := newFile(name, body, old(name), now)
		if !inWindow[a] {
			shelve(a, f, body)
		}
		if f != old(name) {
			f.compact() // now, so that the pages are never all held uncompressed
		}
		made[i].art, made[i].file = a, f
	})
	for i, c := range todo {
		if failed[i] != nil {
			return nil, failed[i]
		}
		name := PagePath(c.Slug)
		made[i].file = b.adopt(name, made[i].file, old(name))
		files[name], pages[c.Slug] = made[i].file, made[i]
	}
	b.pages = pages
	rss, atom, jsonFeed, err := b.cfg.Feeds(list)
	if err != nil {
		return nil, err
	}
	rows := make([][]byte, len(list))
	for i, a := range list {
		rows[i] = pages[a.Slug].row
	}
	index, err := b.cfg.IndexOf(rows)
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	for name, body := range map[string][]byte{RSSFile: rss, AtomFile: atom, JSONFile: jsonFeed, IndexFile: index} {
		f := b.newFile(name, body, old(name), now)
		if name != IndexFile {
			f.Gzip() // feeds are what readers poll: compress once, now
		}
		files[name] = f
	}
	return &Snapshot{Files: files}, nil
}

// newFile is newFile, but on the first build an identical file already in
// the output folder lends its date.
func (b *Builder) newFile(name string, body []byte, prev *File, now time.Time) *File {
	return b.adopt(name, newFile(name, body, prev, now), prev)
}

// adopt lets a file already in the output folder lend its date to f, on
// the first build, when there is no file before f.
func (b *Builder) adopt(name string, f, prev *File) *File {
	if prev == nil && b.Current() == nil {
		return b.disk.adopt(name, f)
	}
	return f
}

// The HTML of an article is most of its memory, and the feeds need it only
// for the newest few: the others have it put away. As the library reads
// them, every article has it compressed (pack); once an article's page is
// rendered, the page, kept compressed, holds it verbatim (shelve). unshelve
// brings it back when the article needs it again (it enters the feeds, or
// its page is rendered).

func pack(a *Article) {
	if z := compress([]byte(a.HTML), gzip.BestSpeed); z != nil {
		a.HTML, a.htmlz = "", z
	}
}

func shelve(a *Article, page *File, body []byte) {
	at := bytes.Index(body, []byte(a.HTML))
	if a.HTML == "" || at < 0 { // never the second: Page writes it as it is
		return
	}
	a.shelf, a.shelfAt, a.shelfLen = page, at, len(a.HTML)
	a.HTML = ""
}

func unshelve(a *Article) {
	switch {
	case a.htmlz != nil:
		a.HTML, a.htmlz = string(uncompress(a.htmlz)), nil
	case a.shelf != nil:
		a.HTML = string(a.shelf.Body()[a.shelfAt : a.shelfAt+a.shelfLen])
		a.shelf = nil
	}
}

// eachParallel calls f(i) for every i in [0, n), on every core.
func eachParallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}

// writeDisk mirrors the snapshot into the output folder and saves the
// history of "updated" dates beside it.
func (b *Builder) writeDisk(snap *Snapshot) error {
	state := b.lib.history.state(func(p string) bool { return b.lib.entries[p] != nil })
	if len(b.diskFailed) > 0 {
		// Whatever broke the folder may have taken files written before
		// with it: check every one until a write succeeds in full.
		b.disk.recheck()
	}
	errs := b.disk.write(snap.Files, map[string][]byte{StateFile: state})
	// Each failure is logged once, not again on every retry while the
	// folder stays unwritable.
	failed := make(map[string]bool, len(errs))
	for _, err := range errs {
		if failed[err.Error()] = true; !b.diskFailed[err.Error()] {
			b.cfg.Log.Error("output", "error", err)
		}
	}
	if len(errs) == 0 && len(b.diskFailed) > 0 {
		b.cfg.Log.Info("output folder written again", "folder", b.cfg.OutDir)
	}
	b.diskFailed = failed
	if len(errs) > 0 {
		return fmt.Errorf("%w: %d files not written, first: %w", ErrOutput, len(errs), errs[0])
	}
	return nil
}

// RetryDisk writes the current snapshot again if the last write failed.
func (b *Builder) RetryDisk() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.diskFailed) == 0 || b.Current() == nil {
		return nil
	}
	return b.writeDisk(b.Current())
}

package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
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
	// ServeCores is how many cores Go runs on while the server only
	// serves (see Serve); 0 leaves GOMAXPROCS alone. Builds and rebuilds
	// use every core.
	ServeCores int
	// ServeGC is the collector's GOGC once the first build is done, while
	// serving, when each rebuild is also followed by a collection that
	// gives memory back, and the first build runs under a memory limit
	// (see Serve); 0 leaves the collector alone.
	ServeGC int
	// BuildGC is the collector's GOGC while a build from nothing of at
	// most roomyBuild files reads and parses them and renders their pages
	// (the feeds and index after that are made at the GOGC before); 0
	// leaves the collector alone. Like the two above it is a setting of
	// the whole process: builds of several Builders at once share it.
	BuildGC int
}

// ErrOutput is a rebuild whose snapshot is served but could not be written
// to the output folder in full.
var ErrOutput = errors.New("output folder not written")

// Stats describe one rebuild.
type Stats struct {
	Seen      int // article files found
	Published int
	Skipped   int // files that could not be published as they are now (still being written, too)
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
	frame *pageFrame           // what every page shares, rendered once
	// The articles of the feeds at the last rebuild: the only ones, with
	// those whose page is being rendered, that keep their HTML at hand.
	window []*Article
	cur    atomic.Pointer[Snapshot]

	mu         sync.Mutex      // one rebuild at a time
	diskFailed map[string]bool // errors of the last write, which left the output folder behind
	fewCores   bool            // serving on ServeCores: a rebuild switches to every core and back
}

type pageCache struct {
	art  *Article
	file *File
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
	outInside, err := outputIn(cfg.ArticlesDir, cfg.OutDir)
	if err != nil {
		return nil, err
	}
	d, err := openDisk(cfg.OutDir)
	if err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	statePath := filepath.Join(cfg.OutDir, StateFile)
	state, _ := os.ReadFile(statePath)
	frame, err := cfg.Site.pageFrame()
	if err != nil {
		return nil, err
	}
	b := &Builder{cfg: cfg, disk: d, pages: map[string]pageCache{}, frame: frame}
	b.lib = &library{
		dir:     cfg.ArticlesDir,
		opt:     ParseOptions{BaseURL: cfg.BaseURL, Loc: cfg.Loc},
		history: newHistory(statePath, state),
		entries: map[string]*entry{},
		links:   map[string]bool{},
		report:  b.report,
		made:    b.prerender,
		keep:    b.keptVersion,
		skip:    outInside,
	}
	return b, nil
}

// outputIn checks where the output folder lies against the articles
// folder. Inside it (say -articles . -out out) is fine: the output folder
// is then neither read nor watched as articles, and its path relative to
// the articles folder is returned. Pages among the articles are not: they
// go to the output folder's articles/, where any other .html file is
// deleted as a stale page, so the articles folder may not be in it (nor be
// the output folder itself), and it may not lead into the articles folder
// (through a link) but inside the output folder there.
func outputIn(articles, out string) (string, error) {
	a, err := realPath(articles)
	if err != nil {
		return "", fmt.Errorf("articles folder: %w", err)
	}
	o, err := realPath(out)
	if err != nil {
		return "", fmt.Errorf("output folder: %w", err)
	}
	if a == o {
		return "", fmt.Errorf("the output folder %s is the articles folder: choose another", out)
	}
	pages := filepath.Join(o, "articles")
	if p, err := filepath.EvalSymlinks(pages); err == nil {
		pages = p // a link to the articles folder, say
	}
	rel, outIn := within(o, a)
	_, articlesInPages := within(a, pages)
	_, pagesIn := within(pages, a)
	_, pagesInOut := within(pages, o)
	if articlesInPages || pagesIn && !(outIn && pagesInOut) {
		return "", fmt.Errorf("the output folder %s would put its pages in the articles folder %s (they go to its articles/, where other .html files are deleted as stale): choose another output folder",
			out, articles)
	}
	if outIn {
		return rel, nil
	}
	return "", nil
}

// realPath is the absolute path of a file, through any symbolic links; of
// one not made yet, the real path of its folder joined with its name.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if errors.Is(err, fs.ErrNotExist) && filepath.Dir(abs) != abs {
		dir, err := realPath(filepath.Dir(abs))
		return filepath.Join(dir, filepath.Base(abs)), err
	}
	return resolved, err
}

// within reports whether p lies in folder dir (or is it), and where, as a
// slash-separated path relative to dir.
func within(p, dir string) (string, bool) {
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
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
	defer b.everyCore()()
	start := time.Now()
	if paths == nil {
		paths = []string{""}
	}
	if b.Current() == nil {
		b.disk.lookForPages() // what the first build may take from the folder as it is
	}
	if len(b.diskFailed) > 0 || b.disk.anyMissing() {
		paths = slices.Concat(paths, b.recover()) // not into the caller's slice
	}
	return b.rebuild(paths, start)
}

// rebuild is Rebuild once the output folder has been looked at; b.mu is
// held.
func (b *Builder) rebuild(paths []string, start time.Time) (Stats, error) {
	// Only the whole folder failing to be read fails the rebuild: a file
	// or folder below it that cannot be read now (its permissions) keeps
	// what it had, and holds up none of the other paths.
	// A walk of the whole folder ("" among the paths) takes in the others:
	// the files they name are read again in it, as each is when looked at
	// alone (after more than bulk changes, the watcher asks for one walk).
	walk := slices.Contains(paths, "")
	var named map[string]bool
	if walk {
		named = make(map[string]bool, len(paths))
		for _, rel := range paths {
			named[rel] = true
		}
	}
	for _, rel := range paths {
		changed := named
		if !walk {
			changed = map[string]bool{rel: true}
		} else if rel != "" {
			continue // in the walk
		}
		if err := b.refresh(rel, changed); err != nil {
			if rel == "" {
				return Stats{}, fmt.Errorf("articles folder: %w", err)
			}
			b.report(rel, err.Error(), false)
		}
	}
	for _, rel := range b.lib.linksBeyond(paths) {
		b.refresh(rel, nil) // looked at on every rebuild: said once, when its folder was
	}
	l := b.lib.articles()
	snap, changed, err := b.render(l)
	if err != nil {
		b.lib.forget() // so that the next rebuild looks at every article
		return Stats{}, err
	}
	// The folder first, then the server: whatever HTTP shows is on disk too.
	err = b.writeDisk(snap, changed)
	snap.Stats = Stats{Seen: len(b.lib.entries), Published: len(l.list), Skipped: l.skipped, Duration: time.Since(start)}
	b.cur.Store(snap) // from here on nobody changes snap
	b.cfg.Log.Info("rebuilt", "articles", snap.Stats.Seen, "published", snap.Stats.Published,
		"skipped", snap.Stats.Skipped, "duration", snap.Stats.Duration.Round(time.Microsecond))
	return snap.Stats, err
}

// refresh brings the library up to date below rel; what cannot be read
// there is left as it was, and the error returned. changed holds the paths
// the watcher saw change (see library.update).
func (b *Builder) refresh(rel string, changed map[string]bool) error {
	files, unread, err := b.lib.scan(rel)
	if err != nil {
		if rel != "" && errors.Is(err, fs.ErrNotExist) {
			files = nil // a file or folder that went away
		} else {
			return unwrapPath(err)
		}
	}
	if b.cfg.BuildGC > 0 && rel == "" && len(b.lib.entries) == 0 && len(files) <= roomyBuild {
		defer raiseGC(b.cfg.BuildGC)()
	}
	var progress func()
	if b.cfg.Progress && rel == "" { // only a whole-folder read takes long
		p := startProgress(len(files))
		defer p.stop()
		progress = p.tick
	}
	b.lib.update(rel, files, unread, changed, progress)
	return nil
}

// raiseGC sets GOGC to percent until the function it gives is called; while
// builds overlap (of several Builders), the first one's setting holds, and
// the last to finish puts back what was there before the first.
func raiseGC(percent int) (restore func()) {
	raised.Lock()
	defer raised.Unlock()
	if raised.n == 0 {
		raised.before = debug.SetGCPercent(percent)
	}
	raised.n++
	return func() {
		raised.Lock()
		defer raised.Unlock()
		if raised.n--; raised.n == 0 {
			debug.SetGCPercent(raised.before)
		}
	}
}

var raised struct {
	sync.Mutex
	n      int // builds under raiseGC
	before int
}

// roomyBuild is how many files a build from nothing may read with BuildGC.
// Parsing a file makes a hundred times what is kept of it: at GOGC=200
// the collector runs half as often as at 100, and a build of 10,000
// articles took 1.41 s rather than 1.58 (in /dev/shm, 3 rounds), its peak
// 62-68 MB rather than 42-48; of 20,000, 105 MB. Bigger folders are left
// to the collector's default (and a server's first build to its memory
// limit): at 100,000 the same setting would add some 100 MB.
var roomyBuild = 20000

// render makes the snapshot of a listing: the pages of the articles that
// joined it, the feeds, and the index if a line of it changed; every other
// file is the previous snapshot's. It also gives the names of the files
// that changed (or went), nil when the list was made again and anything
// may have.
func (b *Builder) render(l listing) (*Snapshot, []string, error) {
	prev := b.Current()
	var before *fileSet
	if prev != nil {
		before = prev.files
	}
	now := b.cfg.Now()
	added, removed := l.added, l.removed
	if l.remade {
		added, removed = b.diffPages(l.list)
	}
	hint := len(removed) + 4
	if !l.remade { // else the pages go into the new set itself, below
		hint += len(added)
	}
	changes := make(map[string]*File, hint)
	for _, a := range removed {
		if c, ok := b.pages[a.Slug]; ok && c.art == a {
			delete(b.pages, a.Slug)
			changes[PagePath(a.Slug)] = nil
		}
	}
	made := make([]*File, len(added))
	eachParallel(len(added), func(i int) {
		// Made as it was read, normally; again if its temporary file went
		// (a rebuild that failed after reading it, and a write since).
		if made[i] = added[i].page; made[i] == nil || made[i].tempFile() != 0 && !b.disk.owns(made[i].tempFile()) {
			made[i] = b.makePage(added[i], before, now)
		}
	})
	for i, a := range added {
		f := made[i]
		if f.adopted {
			b.disk.written[f.name] = f
		}
		a.page = nil
		b.pages[a.Slug] = pageCache{art: a, file: f}
		if !l.remade { // else every page goes in below
			changes[f.name] = f // one string for the name, shared
		}
	}
	// The articles of the feeds need their HTML; every other one has it
	// put away.
	window := slices.Clone(l.list[:min(len(l.list), b.cfg.Limit)])
	inWindow := make(map[*Article]bool, len(window))
	for _, a := range window {
		b.unshelve(a)
		inWindow[a] = true
	}
	for _, a := range b.window {
		if c, ok := b.pages[a.Slug]; ok && c.art == a && !inWindow[a] {
			b.shelve(a, c.file, c.file.Body())
		}
	}
	b.window = window
	// The index changes only when a line of it does: not for an edit of
	// an article's body, the most common rebuild. It and the feeds are
	// made on both cores: at 10,000 articles the index takes about 10 ms,
	// each feed with its compression 5.
	index := before.get(IndexFile)
	makers := b.cfg.feedMakers(l.list)
	if index == nil || l.remade || !b.cfg.sameRows(added, removed) {
		makers = slices.Insert(makers, 0, feedMaker{IndexFile, "index", func() ([]byte, error) { return b.cfg.Index(l.list) }})
	}
	out := make([]*File, len(makers))
	errs := make([]error, len(makers))
	eachParallel(len(makers), func(i int) {
		m := makers[i]
		body, err := m.make()
		if err != nil {
			errs[i] = fmt.Errorf("%s: %w", m.what, err)
			return
		}
		prev := before.get(m.name)
		f := newFile(m.name, body, prev, now)
		switch {
		case m.name != IndexFile:
			f.Gzip() // feeds are what readers poll: compress once, now
		case f != prev && f.Size > zipAbove:
			// Stored at once, as pages are, rather than held until the
			// disk writer comes: at 100,000 articles it is 18 MB, at the
			// build's peak of memory.
			f.zip()
		}
		out[i] = f
	})
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	for i, m := range makers {
		f := b.adopt(m.name, out[i], before.get(m.name))
		if f.zipped && f != index {
			if b.disk.written[m.name] != f { // not the output folder's already
				b.store(f)
			} else {
				f.body = nil // the folder has these bytes: the zipped ones are kept, as for a stored index
			}
		}
		changes[m.name] = f
	}
	if l.remade {
		// Every page anew, so that nothing of a list that may have gone
		// wrong stays; the disk is compared in full too. Put in the new
		// set itself: a map of 100,000 changes beside it would be garbage
		// at once.
		files := (*fileSet)(nil).with(changes)
		for _, a := range l.list {
			f := b.pages[a.Slug].file
			files.put(f.name, f)
		}
		return &Snapshot{files: files}, nil, nil
	}
	return &Snapshot{files: before.with(changes)}, slices.Collect(maps.Keys(changes)), nil
}

// makePage renders an article's page. A new page is written at once to a
// temporary file in the output folder (the disk writer renames it into
// place), so that a build of 100,000 articles never holds their pages in
// memory together; the article's HTML is then put away in it. On the first
// build a page the output folder already has, byte for byte, is taken as
// it is.
func (b *Builder) makePage(a *Article, before *fileSet, now time.Time) *File {
	name := PagePath(a.Slug)
	b.unshelve(a)
	// Written to the folder (or compressed) below, and then dropped: the
	// file holds its bytes in neither case.
	buf := buffers.Get().(*[]byte)
	body := b.frame.appendPage(*buf, a)
	defer func() { *buf = body; putBuffer(buf) }()
	old := before.get(name)
	f := newFile(name, body, old, now)
	b.shelve(a, f, body)
	if f == old {
		return f
	}
	if old == nil && before == nil {
		if b.disk.has(name, f) {
			f.body, f.adopted = nil, true // compacted, and stored already
			f.storedAt(b.disk, 0)
			return f
		}
	}
	b.store(f)
	return f
}

// store writes a new file's bytes at once to a temporary file in the output
// folder (the disk writer renames it into place) and lets them go: the
// file reads them back from there, or from what it holds compressed. If
// that write fails it holds them compressed; the disk writer tries again,
// and reports.
func (b *Builder) store(f *File) {
	if tmp, err := b.disk.writeTemp(f.name, f.mod, f.body); err == nil {
		f.body = nil
		f.storedAt(b.disk, tmp)
	} else {
		f.compact()
	}
}

// prerender makes an article's page as soon as the library has parsed it
// (in parallel with the others), rather than holding its HTML until every
// file is read.
func (b *Builder) prerender(a *Article) {
	if a.Draft {
		a.HTML = "" // never published as it is
		return
	}
	var before *fileSet
	if cur := b.Current(); cur != nil {
		before = cur.files
	}
	a.page = b.makePage(a, before, b.cfg.Now())
}

// diffPages compares a list made again with the pages rendered before: the
// articles whose page must be rendered, and those whose page goes.
func (b *Builder) diffPages(list []*Article) (added, removed []*Article) {
	if len(b.pages) == 0 {
		return list, nil // every one, and a set of 100,000 to find none gone would be garbage at once
	}
	listed := make(map[*Article]bool, len(list))
	for _, a := range list {
		listed[a] = true
		if c, ok := b.pages[a.Slug]; !ok || c.art != a {
			added = append(added, a)
		}
	}
	for _, c := range b.pages {
		if !listed[c.art] {
			removed = append(removed, c.art)
		}
	}
	return added, removed
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
// for the newest few: the others have it put away. Once an article's page
// is made (as it is read), the page, in the output folder, holds it
// verbatim (shelve), and a summary made from it goes too. unshelve brings
// them back when the article needs them again (it enters the feeds, or its
// page is made again), from the page, or from the article's file if the
// page is gone.

func (b *Builder) shelve(a *Article, page *File, body []byte) {
	at := b.frame.htmlAt(body, a.HTML)
	if a.HTML == "" || at < 0 { // never the second: page writes it as it is
		return
	}
	a.shelf, a.shelfAt, a.shelfLen = page, at, len(a.HTML)
	a.HTML = ""
	if a.summaryMade {
		a.Summary = "" // made again from the HTML
	}
}

func (b *Builder) unshelve(a *Article) {
	if a.shelf == nil {
		return
	}
	if page := a.shelf.Body(); page != nil {
		a.HTML = string(page[a.shelfAt : a.shelfAt+a.shelfLen])
	} else {
		// The page went from the output folder: the article's file has
		// the HTML too.
		a.HTML = b.lib.bodyOf(a)
	}
	a.shelf = nil
	if a.summaryMade {
		a.Summary = summaryOf(a.HTML, summaryLen)
	}
}

// keptVersion brings back the last good version of an article whose file
// fails on the first look of a run: what the state file keeps of it, with
// the HTML of its page in the output folder, the very page it had (its
// hash tells) as this site makes it. If there is none it gives nil, and
// why, or "" when the state file keeps nothing of the file.
func (b *Builder) keptVersion(path string) (*Article, string) {
	k, r, ok := b.lib.history.kept(path)
	if !ok {
		return nil, ""
	}
	page, ok := stateHash(k.Page)
	if !ok {
		return nil, ""
	}
	a := &Article{Path: path, ID: k.ID, Title: k.Title, Published: k.Published, Undated: k.Undated,
		Author: k.Author, Tags: k.Tags, Summary: k.Summary, summaryMade: k.Summary == "", natural: k.Natural}
	// In its zone again, for the offsets of its other dates, if that zone
	// (-tz may have changed since) gives it the offset it was written with.
	var zone *time.Location
	switch k.Zone {
	case "tz":
		zone = b.cfg.Loc
	case "local":
		zone = time.Local
	}
	if _, was := a.Published.Zone(); zone != nil {
		if t := a.Published.In(zone); zoneOffset(t) == was {
			a.Published = t
		}
	}
	if a.natural == "" {
		a.natural = k.Slug
	}
	if a.Updated = r.updated().In(a.Published.Location()); a.Updated.Before(a.Published) {
		a.Updated = a.Published
	}
	why := "its page is gone from the output folder"
	// The page is where the slug was when the state file was written; a
	// clash that came or went since then may have moved it.
	for _, slug := range slices.Compact([]string{k.Slug, a.natural, clashSlug(path)}) {
		body, err := os.ReadFile(b.disk.path(PagePath(slug)))
		if err != nil {
			continue
		}
		if sumOf(body) != page && !earlierSum(body, page) {
			why = "the page at its address is not the one it had"
			continue
		}
		a.Slug = slug
		head := b.frame.page(a) // no HTML
		head = head[:len(head)-len(b.frame.tail)]
		if len(body) < len(head)+len(b.frame.tail) || !bytes.HasPrefix(body, head) || !bytes.HasSuffix(body, b.frame.tail) {
			why = "its page in the output folder was made for another site (-base-url, -title or -lang)"
			continue
		}
		a.HTML = string(body[len(head) : len(body)-len(b.frame.tail)])
		if a.summaryMade {
			a.Summary = summaryOf(a.HTML, summaryLen)
		}
		b.prerender(a)
		return a, ""
	}
	return nil, why
}

func zoneOffset(t time.Time) int {
	_, off := t.Zone()
	return off
}

// kept is what the state file keeps of the article of path p as
// published; ok is false if there is none.
func (b *Builder) kept(p string) (keptArticle, bool) {
	a := b.lib.published(p)
	if a == nil {
		return keptArticle{}, false
	}
	c, ok := b.pages[a.Slug]
	if !ok || c.art != a {
		return keptArticle{}, false // another file has its slug
	}
	return keptOf(a, c.file.sum, b.cfg.Loc), true
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
// changed names the files that changed since the snapshot before (nil:
// any may have).
func (b *Builder) writeDisk(snap *Snapshot, changed []string) error {
	h := b.lib.history
	paths, whole := h.journal(func(p string) bool { return b.lib.entries[p] != nil })
	extra := map[string]func(io.Writer) error{}
	if whole {
		extra[StateFile] = func(w io.Writer) error { return h.write(w, paths, b.kept) }
		delete(b.disk.extra, StateFile) // known again once written
	}
	errs := b.disk.write(snap.files, changed, extra)
	switch {
	case whole:
		_, ok := b.disk.extra[StateFile]
		h.written(len(paths), whole, ok)
	case len(paths) > 0:
		var lines bytes.Buffer
		h.write(&lines, paths, b.kept) // a bytes.Buffer takes every write
		err := b.disk.appendTo(StateFile, lines.Bytes())
		if err != nil {
			errs = append(errs, err)
		}
		h.written(len(paths), whole, err == nil)
	}
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
	// The page of a last good version is the only copy of its HTML: it is
	// held in memory too (compressed), so that one deleted from the output
	// folder by hand is written again, not lost; while keptHeld files fail
	// at most (a folder unreadable at start may hold 100,000 last good
	// versions).
	if len(b.lib.failing) <= keptHeld {
		for _, f := range b.keptPages(keptHeld) {
			f.hold()
		}
	}
	b.diskFailed = failed
	if len(errs) > 0 {
		return fmt.Errorf("%w: %d files not written, first: %w", ErrOutput, len(errs), errs[0])
	}
	return nil
}

// recover looks at the output folder after a failed write, or after a
// page was found missing from it. Files it no longer holds are written
// again by the next write; the articles whose pages only the folder had
// are read again, to make those anew: it returns their paths.
func (b *Builder) recover() []string {
	var paths []string
	for _, name := range b.disk.recheck() {
		slug := strings.TrimSuffix(strings.TrimPrefix(name, "articles/"), ".html")
		if c, ok := b.pages[slug]; ok && PagePath(slug) == name {
			b.lib.reload(c.art.Path)
			paths = append(paths, c.art.Path)
		}
	}
	return paths
}

// keptHeld is how many files may fail for the pages of their last good
// versions to be held in memory: 1,000 take about 2.5 MB (a review held
// 5,000 pages of 4 KB in 12 MB).
const keptHeld = 1000

// keptPages are the pages of the last good versions of files that fail, n
// at most, in no order (a map's).
func (b *Builder) keptPages(n int) []*File {
	var pages []*File
	for p := range b.lib.failing {
		if len(pages) == n {
			break
		}
		if a := b.lib.published(p); a != nil {
			if c, ok := b.pages[a.Slug]; ok && c.art == a {
				pages = append(pages, c.file)
			}
		}
	}
	return pages
}

// keptPageMissing reports whether the output folder lost the page of a last
// good version that is held in memory (and served from there meanwhile),
// and notes it for the disk writer, which writes it back. It looks at 64
// pages, any of them, each time.
func (b *Builder) keptPageMissing() bool {
	lost := false
	for _, f := range b.keptPages(64) {
		if f.held.Load() != nil && !b.disk.holds(f.name, f.Size) {
			b.disk.missing(f.name)
			lost = true
		}
	}
	return lost
}

// RetryDisk writes the current snapshot again if the last write failed,
// and makes again the pages the output folder lost.
func (b *Builder) RetryDisk() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if (len(b.diskFailed) == 0 && !b.disk.anyMissing() && !b.disk.topMissing() && !b.keptPageMissing()) || b.Current() == nil {
		return nil
	}
	defer b.everyCore()()
	paths := b.recover()
	if _, ok := b.disk.extra[StateFile]; !ok {
		b.lib.history.written(0, false, false) // gone: written whole next, not appended to
	}
	if len(paths) > 0 {
		_, err := b.rebuild(paths, time.Now())
		return err
	}
	return b.writeDisk(b.Current(), nil)
}

// everyCore lets a rebuild run on every core while the server is kept to
// ServeCores between rebuilds; it returns what sets the server's back. b.mu
// is held. Every core is Go's own default, which follows the CPU limit of a
// container as it changes.
func (b *Builder) everyCore() (restore func()) {
	if !b.fewCores {
		return func() {}
	}
	runtime.SetDefaultGOMAXPROCS()
	return func() { runtime.GOMAXPROCS(b.cfg.ServeCores) }
}

// serveOnFewCores keeps the program to ServeCores between rebuilds, until
// the function it returns is called. Serving answers from memory, and on
// one core it takes less CPU per request than on two (bench/serve.sh): the
// Go scheduler then never wakes a second thread for a goroutine a request
// made ready.
func (b *Builder) serveOnFewCores() (undo func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cfg.ServeCores <= 0 || b.cfg.ServeCores >= runtime.GOMAXPROCS(0) {
		return func() {}
	}
	b.fewCores = true
	runtime.GOMAXPROCS(b.cfg.ServeCores)
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.fewCores = false
		runtime.SetDefaultGOMAXPROCS()
	}
}

package feed

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Quiet is how long a path must see no events before it is read: a burst of
// events (an editor's save, a copy in several writes) becomes one rebuild.
// A file still open for writing then is not read until it is closed (see
// openRegular), however long the writer pauses.
const Quiet = 5 * time.Millisecond

const (
	// bulk is the number of changed paths above which one walk of the whole
	// folder is cheaper than looking at each (an archive unpacked).
	bulk = 256
	// lookBack is how often a missing articles folder is looked for.
	lookBack = 100 * time.Millisecond
	// heldLook is how often, at most, a file kept open for writing is
	// looked at: every Quiet at first, then every tenth of the time it
	// has been open, up to this (closing it makes no event).
	heldLook = 250 * time.Millisecond
)

// events is where the watcher's notifications come from: an fsnotify
// watcher, or a test's stand-in.
type events struct {
	Events <-chan fsnotify.Event
	Errors <-chan error
	Add    func(dir string) error
	Remove func(dir string) error
	Close  func() error // nil: nothing to close
}

// Watch rebuilds whenever something changes in the articles folder, until
// ctx ends. Sub-folders are watched as they appear; if the folder itself is
// removed or renamed, watching resumes when it is back; if the kernel drops
// events, the whole folder is read again.
func (b *Builder) Watch(ctx context.Context) error {
	w, err := b.watch()
	if err != nil {
		return err
	}
	defer w.close()
	// Anything that changed between the last build and the watches being
	// in place is caught by one more look.
	w.full = true
	w.run(ctx)
	return nil
}

// watch puts watches on the articles folder: from now on every change in
// it is told to the watcher, which rebuilds once running (see run). Serve
// does this before the first build, which then needs no second look at
// 100,000 files.
func (b *Builder) watch() (*watcher, error) {
	fsw, err := fsnotify.NewBufferedWatcher(4096)
	if err != nil {
		return nil, err
	}
	src := events{Events: fsw.Events, Errors: fsw.Errors, Add: fsw.Add, Remove: fsw.Remove, Close: fsw.Close}
	w := &watcher{b: b, src: src, root: filepath.Clean(b.cfg.ArticlesDir)}
	if err := w.addTree(w.root); errors.Is(err, fs.ErrNotExist) {
		w.goneAway("is gone")
	} else if err != nil {
		fsw.Close()
		return nil, err
	}
	w.rootID = idOf(w.root)
	return w, nil
}

// close stops the watches.
func (w *watcher) close() {
	if w.src.Close != nil {
		w.src.Close()
	}
}

type watcher struct {
	b       *Builder
	src     events
	root    string
	rootID  fileID               // the folder root led to when watched
	dirs    map[string]bool      // the folders watched
	pending map[string]time.Time // relative path → last event
	held    map[string]time.Time // pending paths open for writing → when first found so
	full    bool                 // read the whole folder again
	gone    bool                 // the folder itself is missing
	rebuilt func()               // told after each rebuild, if not nil
}

func (w *watcher) run(ctx context.Context) {
	w.pending, w.held = map[string]time.Time{}, map[string]time.Time{}
	errs := queued(w.src.Errors)
	// Files the last build left unread, still open for writing: closing
	// them makes no event, so they are looked at until their writer is done.
	for _, p := range w.b.lib.takeWriting() {
		w.pending[p] = time.Now()
	}
	done := make(chan []string, 1) // files left unread: still being written
	busy := false
	finish := func() { // no rebuild outlives run
		if busy {
			<-done
		}
	}
	timer, armed := time.NewTimer(0), true
	retry := time.NewTicker(2 * time.Second)
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			finish()
			return
		case ev, ok := <-w.src.Events:
			if !ok {
				finish()
				return
			}
			w.event(ev)
		case err, ok := <-errs:
			if !ok {
				finish()
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.b.cfg.Log.Warn("watch: events were lost; reading the whole folder again")
				w.full = true
				if !w.gone {
					w.addTree(w.root) // folders made meanwhile came with no event either
				}
			} else if errors.Is(err, syscall.EINVAL) {
				// fsnotify failing to take the watch off a folder
				// already gone (renamed, then removed at once): nothing
				// is lost, the folder's own events said what happened.
				w.b.cfg.Log.Debug("watch", "error", err)
			} else {
				w.b.cfg.Log.Error("watch", "error", err)
			}
		case writing := <-done:
			busy = false
			for _, p := range writing {
				if _, ok := w.pending[p]; !ok {
					w.pending[p] = time.Now()
				}
			}
		case <-retry.C:
			if id := idOf(w.root); !w.gone && w.rootID != (fileID{}) && id != w.rootID {
				// Another folder at its path, with no event in the one
				// watched: a symbolic link swapped for one to another
				// folder (ln -sfn new tmp && mv -T tmp articles).
				why := "was replaced"
				if id == (fileID{}) {
					why = "is gone"
				}
				w.goneAway(why)
			}
			if !busy && !w.gone {
				w.b.RetryDisk() // logs what it could not write
			}
		case <-timer.C:
			armed = false
			if w.gone {
				w.comeBack()
			}
		}
		if w.gone {
			if !armed { // events may keep coming: do not put the look off
				timer.Reset(lookBack)
				armed = true
			}
			continue
		}
		if busy {
			continue
		}
		batch, wait := w.ready(time.Now())
		if batch != nil {
			busy = true
			go func() {
				if _, err := w.b.Rebuild(batch); err != nil && !errors.Is(err, ErrOutput) {
					w.b.cfg.Log.Error("rebuild", "error", err)
				}
				if w.rebuilt != nil {
					w.rebuilt()
				}
				done <- w.b.lib.takeWriting()
			}()
		} else if wait > 0 {
			timer.Reset(wait)
			armed = true
		}
	}
}

// queued passes errors on from in as they come, held in a queue while the
// watcher is busy. fsnotify may send an error while it holds the lock that
// its Add and Remove take: the watcher, which calls those, must not be the
// one it waits for.
func queued(in <-chan error) <-chan error {
	out := make(chan error, 1024)
	go func() {
		defer close(out)
		for err := range in {
			out <- err
		}
	}()
	return out
}

// event records one notification.
func (w *watcher) event(ev fsnotify.Event) {
	// Chmod counts too: it is what a change of permissions makes (a file
	// that could not be read may now be), and touch (an undated article
	// takes its date from its modification time).
	name := filepath.Clean(ev.Name)
	if name == w.root {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			w.goneAway("is gone")
		}
		return
	}
	rel, in := within(name, w.root)
	if !in {
		return
	}
	if w.b.lib.inOutput(rel) {
		return // the output folder: its writes are the rebuild's own
	}
	for _, seg := range strings.Split(rel, "/") {
		if ignoredName(seg) {
			return
		}
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		w.unwatch(name)
	}
	if ev.Has(fsnotify.Create) {
		if info, err := os.Lstat(name); err == nil && info.IsDir() {
			w.addTree(name) // a new or moved-in folder, files and all
		}
	}
	w.pending[rel] = time.Now()
}

// unwatch drops the watches on a folder that went or moved away, and on the
// folders below it. A watch follows the folder, not its path: one left on a
// folder renamed within the articles folder would go on naming the old
// path, and watching the new one would not replace it.
func (w *watcher) unwatch(name string) {
	if !w.dirs[name] {
		return // a file, most often: nothing to look through
	}
	for d := range w.dirs {
		if _, in := within(d, name); in {
			w.src.Remove(d)
			delete(w.dirs, d)
		}
	}
}

// writing reports whether rel is an article file that some process still
// has open for writing.
func (w *watcher) writing(rel string) bool {
	return IsArticleName(path.Base(rel)) && stillWriting(filepath.Join(w.root, filepath.FromSlash(rel)))
}

// goneAway stops watching a folder that was removed, renamed or replaced
// (why says which), and waits for one to be at its path.
func (w *watcher) goneAway(why string) {
	if w.gone {
		return // seen twice: by the look at the path and by its own event
	}
	w.b.cfg.Log.Warn("watch: the articles folder "+why+"; waiting for it to be back", "folder", w.root)
	for d := range w.dirs {
		w.src.Remove(d) // a renamed folder would still report under the old name
	}
	clear(w.dirs)
	w.gone = true
}

// comeBack checks whether the articles folder is back, and if so watches it
// again and reads all of it.
func (w *watcher) comeBack() {
	if info, err := os.Stat(w.root); err != nil || !info.IsDir() {
		return
	}
	if err := w.addTree(w.root); err != nil {
		return
	}
	w.rootID = idOf(w.root)
	w.b.cfg.Log.Info("watch: the articles folder is back", "folder", w.root)
	w.gone, w.full = false, true
}

// addTree watches dir and every folder below it, but hidden ones and
// symbolic links.
func (w *watcher) addTree(dir string) error {
	if dir == w.root {
		dir += string(filepath.Separator) // the articles folder may be a link to one
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		if p := filepath.Clean(p); p != w.root && (ignoredName(d.Name()) || w.b.lib.inOutput(w.b.lib.rel(p))) {
			return fs.SkipDir
		}
		if err := w.src.Add(p); errors.Is(err, fs.ErrNotExist) && filepath.Clean(p) != w.root {
			return fs.SkipDir // gone already: its removal is an event of its own
		} else if err != nil {
			w.b.cfg.Log.Error("watch", "folder", p, "error", err)
		} else {
			if w.dirs == nil {
				w.dirs = map[string]bool{}
			}
			w.dirs[filepath.Clean(p)] = true
		}
		return nil
	})
}

// fileID tells one file or folder from another at the same path.
type fileID struct{ dev, ino uint64 }

// idOf is what path leads to now (through a symbolic link), the zero
// fileID if nothing.
func idOf(path string) fileID {
	var st syscall.Stat_t
	if syscall.Stat(path, &st) != nil {
		return fileID{}
	}
	return fileID{uint64(st.Dev), st.Ino}
}

// ready takes the paths that have been quiet long enough. It returns nil and
// how long to wait when none is ready yet.
func (w *watcher) ready(now time.Time) ([]string, time.Duration) {
	if w.full {
		w.full = false
		return w.walk(), 0
	}
	var batch []string
	wait := time.Duration(0)
	for p, t := range w.pending {
		if now.Sub(t) >= Quiet && w.writing(p) {
			// Looked at again once the writer may be done: soon at
			// first, less often the longer it keeps the file open.
			since, ok := w.held[p]
			if !ok {
				since, w.held[p] = now, now
			}
			t = now.Add(min(max(now.Sub(since)/10, Quiet), heldLook) - Quiet)
			w.pending[p] = t
		}
		if left := Quiet - now.Sub(t); left > 0 {
			if wait == 0 || left < wait {
				wait = left
			}
			continue
		}
		batch = append(batch, p)
		delete(w.pending, p)
		delete(w.held, p)
	}
	if len(batch) > bulk {
		return append(w.walk(), batch...), 0
	}
	slices.Sort(batch)
	return batch, wait
}

// walk is one look at the whole folder ("") that names every path still
// pending, quiet or not: the walk reads those again whatever their size
// and time say (an edit in place can keep both).
func (w *watcher) walk() []string {
	paths := make([]string, 1, len(w.pending)+1)
	for p := range w.pending {
		paths = append(paths, p)
	}
	clear(w.pending)
	clear(w.held)
	return paths
}

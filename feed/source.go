package feed

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// IsArticleName reports whether a file name is one dropfeed reads: .md,
// .markdown or .txt, and not hidden, an editor's leftover or a partial
// download.
func IsArticleName(name string) bool {
	if ignoredName(name) {
		return false
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown", ".txt":
		return true
	}
	return false
}

// ignoredName is true for hidden names and the temporary files editors,
// downloaders and sync tools leave while they work.
func ignoredName(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") ||
		(strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#")) {
		return true
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload":
		return true
	}
	return false
}

// entry is what is known of one article file.
type entry struct {
	size    int64
	mod     int64    // modification time, in Unix nanoseconds, as found.mod
	ino     uint64   // inode number of the bytes read, 0 if none were
	linked  bool     // the inode has other hard links (maybe other articles)
	unsaid  bool     // its failure is yet to be reported: it kept its last good version, which a clash may yet take (see relist)
	hash    [16]byte // sumOf the bytes read
	art     *Article // the last version that parsed, nil if none ever did
	failure string   // why the current bytes are not published, "" if they are
	slug    string   // forced slug when the derived one clashed
	listed  *Article // the path's article in the library's list, nil if none
}

// unpublished reports whether the file's current bytes are not published:
// they failed, or they were left unread while a writer had the file open.
func (e *entry) unpublished() bool { return e.failure != "" || e.size < 0 }

// library holds every article file under the articles folder and the last
// good version of each. Only files whose size, modification time or bytes
// changed are read and parsed again.
type library struct {
	dir     string
	opt     ParseOptions
	history *history
	entries map[string]*entry // by path relative to dir, slash-separated
	report  func(path, reason string, warning bool)
	made    func(a *Article)                     // told of each article parsed, in parallel (it makes the page and puts the HTML away)
	keep    func(path string) (*Article, string) // the last good version of a file that fails when first seen in a run, kept in the output folder: nil and why if none (see keptVersion)
	skip    string                               // the output folder, relative to dir, when it lies inside: never read
	// Article files that are symbolic links: a change to what one leads
	// to makes an event for the file it leads to only.
	links map[string]bool

	mu      sync.Mutex
	writing []string // files left unread because they were open for writing

	// What articles returned last, kept up to date from the paths whose
	// entry changed since: a rebuild for one edit among 100,000 articles
	// must not sort them all again.
	dirty     map[string]*Article // paths whose entry changed since, and their article in list then (none while list is nil)
	list      []*Article          // newest first
	owner     map[string]string   // natural slug → the path that has it
	contested map[string]bool     // natural slugs more than one path wants
	failing   map[string]bool     // paths whose current bytes are not published (see entry.unpublished)
}

// put records a path's entry (nil: the file is gone).
func (l *library) put(p string, e *entry) {
	old := l.entries[p]
	if old == e && e != nil {
		return
	}
	var listed *Article
	if old != nil {
		listed = old.listed
	}
	if e == nil {
		delete(l.entries, p)
		delete(l.links, p)
		l.history.drop(p)
	} else {
		e.listed = listed // the list is the same until articles is called
		l.entries[p] = e
	}
	if l.list == nil {
		return // the next list is made anew from every entry: nothing to patch (a cold build's 100,000 paths)
	}
	if l.dirty == nil {
		l.dirty = map[string]*Article{}
	}
	if _, ok := l.dirty[p]; !ok {
		l.dirty[p] = listed
	}
}

// found is a file seen on disk, not yet read. A cold build holds one for
// each of 100,000 files while it reads them: it keeps the time in
// nanoseconds, and what is seldom there apart.
type found struct {
	rel  string
	size int64
	mod  int64   // modification time, in Unix nanoseconds (one outside 1678-2262 does not fit, and wraps around, the same way each time)
	ino  uint64  // inode number, 0 where not looked at (a cold build's scan)
	odd  *oddity // nil for a regular file in the folder that can be read
}

// oddity is what is seldom true of a file found.
type oddity struct {
	err  error // why it cannot be read at all (not a regular file, too big)
	link bool  // a symbolic link (to a file in the articles folder)
}

func (f found) err() error {
	if f.odd == nil {
		return nil
	}
	return f.odd.err
}

func (f found) link() bool { return f.odd != nil && f.odd.link }

// scan walks the folder below rel ("" for all of it) and returns every
// article file in it, and the folders in it that could not be read (each
// reported). Symbolic links are followed only to regular files inside the
// articles folder; skipped files are reported.
func (l *library) scan(rel string) (_ []found, unread []string, _ error) {
	root := filepath.Join(l.dir, filepath.FromSlash(rel))
	// With nothing known yet (a cold build), a regular file's size and
	// date are not needed before it is read, which takes them itself (and
	// checks its kind and size again, as it must): no stat of each of
	// 100,000 files one after the other.
	cold := len(l.entries) == 0
	var out []found
	// add takes the file or link d, at p (r in the articles folder).
	add := func(p, r string, d fs.DirEntry) {
		if !IsArticleName(d.Name()) {
			return
		}
		f := found{rel: r}
		if d.Type()&fs.ModeSymlink != 0 {
			f.odd = &oddity{link: true}
		} else if cold && d.Type().IsRegular() {
			out = append(out, f)
			return
		}
		info, err := l.stat(p, d)
		if err != nil {
			f.odd = &oddity{err: err, link: f.link()}
		} else {
			f.size, f.mod = info.Size(), info.ModTime().UnixNano()
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				f.ino = st.Ino
			}
		}
		out = append(out, f)
	}
	// walk takes what the folder dir (r in the articles folder) holds, in
	// the order of their names, as filepath.WalkDir would, but with the
	// relative paths made as it goes (10,000 files took 12 ms, half of it
	// cleaning paths and making them relative again); folders that are
	// links are not entered. Only the first folder failing to be read
	// fails the walk.
	var walk func(dir, r string, top bool) error
	walk = func(dir, r string, top bool) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			switch {
			case top:
				return err
			case !errors.Is(err, fs.ErrNotExist): // else went during the walk: gone, not unreadable
				l.report(r, err.Error(), false)
				unread = append(unread, r)
			}
		}
		for _, d := range entries {
			name := d.Name()
			if ignoredName(name) {
				continue
			}
			p, q := dir+string(filepath.Separator)+name, name
			if r != "" {
				q = r + "/" + name
			}
			if !d.IsDir() {
				add(p, q, d)
			} else if !l.inOutput(q) {
				walk(p, q, false)
			}
		}
		return nil
	}
	if rel == "" {
		// The articles folder itself may be a link to one.
		return out, unread, walk(root, "", true)
	}
	info, err := os.Lstat(root)
	if err != nil {
		return nil, nil, err
	}
	if r := l.rel(root); info.IsDir() {
		err = walk(root, r, true)
	} else {
		add(root, r, fs.FileInfoToDirEntry(info))
	}
	return out, unread, err
}

func (l *library) rel(p string) string {
	r, err := filepath.Rel(l.dir, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}

// stat gives the file an article is read from, refusing anything but a
// regular file inside the articles folder.
func (l *library) stat(p string, d fs.DirEntry) (fs.FileInfo, error) {
	info, err := d.Info()
	if err != nil {
		return nil, err
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		// Both made absolute, then resolved: a link to an absolute path
		// resolves to one, the folder may be given relative (-articles
		// articles), and the working folder's path may hold links.
		target, err := resolved(p)
		if err != nil {
			return nil, fmt.Errorf("symbolic link leads nowhere: %w", unwrapPath(err))
		}
		root, err := resolved(l.dir)
		if err != nil {
			return nil, err
		}
		if _, in := within(target, root); !in {
			return nil, errors.New("symbolic link leads outside the articles folder: not followed")
		}
		if info, err = os.Stat(target); err != nil {
			return nil, unwrapPath(err)
		}
	}
	if !info.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if info.Size() > MaxArticleSize {
		return nil, fmt.Errorf("file is %d bytes, over the %d MiB limit", info.Size(), MaxArticleSize>>20)
	}
	return info, nil
}

// resolved is p made absolute, with every symbolic link in it followed.
func resolved(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// update brings the library in line with what scan found below rel: new and
// changed files are read and parsed (in parallel), files no longer there are
// forgotten, but for those in a folder scan could not read (unread): they
// keep what they had. A file is read again when its size, modification
// time or inode differ from what was read last; a file in changed (the
// watcher saw it change) is read again in any case, as an edit can keep
// all three (two writes of one size within a tick of the clock, or a copy
// given the old file's time): its bytes' hash then tells. progress, if not
// nil, is told of each file done. files is used up.
func (l *library) update(rel string, files []found, unread []string, changed map[string]bool, progress func()) {
	// rel is a file (or was one) when its entry says so or scan found
	// only it: nothing else lies below it, and one edit among 100,000
	// files needs no look at the others.
	file := l.entries[rel] != nil || (len(files) == 1 && files[0].rel == rel)
	// What went is what the library has and scan did not find: with no
	// entries at all (the first build), nothing did.
	var seen map[string]bool
	if !file && len(l.entries) > 0 {
		seen = make(map[string]bool, len(files))
	}
	gone := file
	todo := files[:0] // in place: a cold build of 100,000 files holds no second list
	for _, f := range files {
		if seen != nil {
			seen[f.rel] = true
		}
		gone = gone && f.rel != rel
		if f.link() {
			l.links[f.rel] = true
		} else {
			delete(l.links, f.rel)
		}
		e := l.entries[f.rel]
		if f.err() != nil {
			l.put(f.rel, l.unreadable(f, e))
		} else if e == nil || e.size != f.size || e.mod != f.mod || f.ino != 0 && e.ino != f.ino || changed[f.rel] {
			todo = append(todo, f)
		}
	}
	if gone {
		l.put(rel, nil)
	}
	// A folder that cannot be read on the first look of a run: its files,
	// which the state file knows, keep their last good version as if the
	// folder had been read and then became unreadable.
	for _, dir := range unread {
		for _, p := range l.history.under(dir) {
			if l.entries[p] == nil {
				l.put(p, l.unreadFolder(p))
			}
		}
	}
	if seen != nil {
		for p := range l.entries {
			if under(p, rel) && !seen[p] && !slices.ContainsFunc(unread, func(dir string) bool { return under(p, dir) }) {
				l.put(p, nil)
			}
		}
	}
	results := make([]*entry, len(todo))
	eachParallel(len(todo), func(i int) {
		results[i] = l.load(todo[i], l.entries[todo[i].rel])
		if progress != nil {
			progress()
		}
	})
	for i, f := range todo {
		l.put(f.rel, results[i])
	}
	l.readLinked(todo, results)
}

// readLinked reads again the other articles of the files just read: the
// files' other names, which made no event of their own. They are found by
// inode (an article that is a symbolic link has that of the file it leads
// to): among the symbolic links, or among every article when a file read
// has hard links (rare: only then is the whole library looked through).
func (l *library) readLinked(read []found, results []*entry) {
	candidates := slices.Collect(maps.Keys(l.links))
	if slices.ContainsFunc(results, func(e *entry) bool { return e != nil && e.linked }) {
		candidates = slices.Collect(maps.Keys(l.entries))
	}
	if len(candidates) == 0 {
		return
	}
	inodes := make(map[uint64]bool, len(results))
	for _, e := range results {
		if e != nil && e.ino != 0 {
			inodes[e.ino] = true
		}
	}
	done := make(map[string]bool, len(read))
	for _, f := range read {
		done[f.rel] = true
	}
	var more []string
	for _, p := range candidates {
		if e := l.entries[p]; e != nil && inodes[e.ino] && !done[p] {
			more = append(more, p)
		}
	}
	slices.Sort(more)
	for _, p := range more {
		l.put(p, l.load(found{rel: p}, l.entries[p]))
	}
}

// inOutput reports whether rel (relative to the articles folder) is in the
// output folder.
func (l *library) inOutput(rel string) bool { return l.skip != "" && under(rel, l.skip) }

// linksBeyond is every article file that is a symbolic link and not below
// paths: each is looked at again, as it may lead to one of them.
func (l *library) linksBeyond(paths []string) []string {
	var more []string
	for p := range l.links {
		if !slices.ContainsFunc(paths, func(dir string) bool { return under(p, dir) }) {
			more = append(more, p)
		}
	}
	slices.Sort(more)
	return more
}

// under reports whether path p lies in folder dir ("" is the whole tree).
func under(p, dir string) bool {
	return dir == "" || p == dir || strings.HasPrefix(p, dir+"/")
}

// load reads and parses one file. A file that fails keeps the last good
// version it had (prev); the failure is reported once, when it is seen.
func (l *library) load(f found, prev *entry) *entry {
	e := &entry{size: f.size, mod: f.mod}
	if prev != nil {
		e.art, e.slug = prev.art, prev.slug
	}
	buf := buffers.Get().(*[]byte)
	defer putBuffer(buf)
	data, st, err := readInto((*buf)[:0], filepath.Join(l.dir, filepath.FromSlash(f.rel)))
	*buf = data // nothing below keeps it: Parse copies what it takes
	modTime := st.mod
	if err == nil {
		// What was read, not what the scan saw a moment before, is what the
		// next scan compares with: a write in between is then read again,
		// and nothing is read (or reported) twice.
		e.size, e.mod, e.ino, e.linked = int64(len(data)), modTime.UnixNano(), st.ino, st.links > 1
	}
	if errors.Is(err, errWriting) {
		// Half-written: not read now, not a failure either; the next look
		// reads it, and a watcher asks for that look once the writer is done.
		if prev != nil {
			e.hash, e.failure = prev.hash, prev.failure
		} else if l.keep != nil {
			e.art, _ = l.keep(f.rel) // its last good version meanwhile, as a running server keeps it
		}
		e.size = -1
		l.mu.Lock()
		l.writing = append(l.writing, f.rel)
		l.mu.Unlock()
		l.report(f.rel, err.Error(), true)
		return e
	}
	if err != nil {
		// Read again on the next look, even if the file looks the same
		// then: a change of its permissions changes neither its size nor
		// its modification time.
		e.size = -1
		return l.failed(f.rel, e, prev, err.Error())
	}
	e.hash = sumOf(data)
	if prev != nil && prev.hash == e.hash && prev.failure == "" && prev.art != nil && !prev.art.Undated {
		return e // touched, not changed
	}
	opt := l.opt
	opt.Slug = e.slug
	a, warnings, err := Parse(Source{Path: f.rel, Data: data, ModTime: modTime}, opt)
	if err != nil {
		if prev != nil && prev.hash == e.hash && strings.HasPrefix(prev.failure, err.Error()) {
			// The same bytes, failing the same way (read again for an
			// event, or as the render budget may pass the next time):
			// said once.
			e.failure = prev.failure
			return e
		}
		return l.failed(f.rel, e, nil, err.Error()) // new bytes: said again
	}
	for _, w := range warnings {
		l.report(f.rel, w, true)
	}
	l.history.stamp(&a, data, e.hash, modTime)
	if l.made != nil {
		l.made(&a)
	}
	e.art = &a
	return e
}

// unreadFolder is the entry of a file known from the state file, in a
// folder that cannot be read: it is reported with its folder, not alone.
func (l *library) unreadFolder(p string) *entry {
	e := &entry{size: -1, failure: "its folder cannot be read"}
	if l.keep != nil {
		e.art, _ = l.keep(p)
	}
	if e.art != nil {
		e.failure += keptNote
	}
	return e
}

// unreadable records a file that scan could not accept, reporting it only
// when the reason is new; an earlier good version stays published.
func (l *library) unreadable(f found, prev *entry) *entry {
	e := &entry{size: -1}
	if prev != nil {
		e.art, e.slug = prev.art, prev.slug
	}
	return l.failed(f.rel, e, prev, f.err().Error())
}

// failed records why e's current bytes are not published, and reports it.
// A file that could not be read, and is looked at again, is reported once
// for as long as the reason stays the same: prev, what was known of it
// before, is kept then.
func (l *library) failed(rel string, e, prev *entry, reason string) *entry {
	if prev != nil && prev.size < 0 && strings.HasPrefix(prev.failure, reason) {
		return prev
	}
	e.failure = reason
	if e.art == nil && l.keep != nil {
		var why string
		if e.art, why = l.keep(rel); why != "" {
			e.failure += " (its last good version is not published: " + why + ")"
		}
	}
	if e.art != nil {
		// Said once the list is made (sayUnsaid): a clash may yet take
		// the version's address.
		e.failure += keptNote
		e.unsaid = true
	} else {
		l.report(rel, e.failure, false)
	}
	return e
}

// sayUnsaid reports the failure of the file at p, if that was put off
// until the list is made (unsaid).
func (l *library) sayUnsaid(p string, e *entry) {
	if e.unsaid {
		e.unsaid = false
		l.report(p, e.failure, false)
	}
}

// What a failure says of the file's last good version.
const (
	keptNote = " (the last good version stays published)"
	lostNote = " (its last good version is not published: another file has its address)"
)

// takeWriting returns the files that were left unread since the last call
// because some process had them open for writing.
func (l *library) takeWriting() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.writing
	l.writing = nil
	return w
}

// errWriting is a file that some process still has open for writing: read
// now, it could be caught half-written.
var errWriting = errors.New("file is still open for writing: left out until its writer closes it")

// openRegular opens a file for reading without blocking on anything that is
// not a regular file (a FIFO, a device), and takes a read lease on it: while
// the lease is held no process can open the file for writing, and taking it
// fails with errWriting while one has it open. Linux has no event for "file
// closed after writing" that fsnotify passes on; the lease is how a file
// still being copied in is told from a finished one. Where the file system
// or the file's owner allows no lease, the file is read without one.
// It gives the descriptor, the file's status, taken under the lease, and
// whether the lease holds (the file's size cannot change then). The
// descriptor is a bare one (a regular file has nothing to gain from Go's
// poller, which os.File would try and fail to register it with): a cold
// build opens 100,000.
func openRegular(p string) (fd int, st unix.Stat_t, leased bool, err error) {
	fd, err = retryEINTR(func() (int, error) {
		return unix.Open(p, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return -1, st, false, err
	}
	// Taken first: a FIFO, a folder or a device refuses a lease (EINVAL),
	// and is then told apart by its status.
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETLEASE, unix.F_RDLCK)
	leased = err == nil
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EBUSY) {
		err = errWriting
	} else { // the lease held, or none to be had here: read without one
		err = unix.Fstat(fd, &st)
		if err == nil && st.Mode&unix.S_IFMT != unix.S_IFREG {
			err = errors.New("not a regular file")
		}
	}
	if err != nil {
		unix.Close(fd)
		return -1, st, false, err
	}
	return fd, st, leased, nil
}

// retryEINTR calls f again while it is interrupted by a signal (Go's
// runtime sends them to preempt).
func retryEINTR(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if err != unix.EINTR {
			return n, err
		}
	}
}

// stillWriting reports whether some process has the file at p open for
// writing.
func stillWriting(p string) bool {
	fd, _, _, err := openRegular(p)
	if err == nil {
		unix.Close(fd) // and the lease with it
	}
	return errors.Is(err, errWriting)
}

// readLimited reads a whole file of at most MaxArticleSize bytes, without
// blocking on anything that is not a regular file and without catching it
// half-written (see openRegular).
// Its modification time is read with the bytes, under the lease: the one a
// directory scan saw may be older than the bytes.
func readLimited(p string) ([]byte, time.Time, error) {
	data, st, err := readInto(nil, p)
	return data, st.mod, err
}

// readStamp is what readInto tells of the file besides its bytes.
type readStamp struct {
	mod   time.Time
	ino   uint64 // inode number
	links uint64 // hard links to the inode
}

// readInto is readLimited into buf's room.
func readInto(buf []byte, p string) ([]byte, readStamp, error) {
	fd, st, leased, err := openRegular(p)
	if err != nil {
		return nil, readStamp{}, err
	}
	defer unix.Close(fd)
	if st.Size > MaxArticleSize {
		return nil, readStamp{}, fmt.Errorf("file is %d bytes, over the %d MiB limit", st.Size, MaxArticleSize>>20)
	}
	// Room for the size and one byte more: one read has the bytes, the next
	// finds the end; under the lease the size cannot change, and that
	// second read is left out. A file that grew meanwhile (written without
	// a lease) is read on to the limit.
	data := slices.Grow(buf[:0], int(st.Size)+1)
	for len(data) <= MaxArticleSize {
		if len(data) == cap(data) {
			data = slices.Grow(data, len(data))
		}
		n, err := retryEINTR(func() (int, error) { return unix.Read(fd, data[len(data):cap(data)]) })
		if err != nil {
			return nil, readStamp{}, err
		}
		data = data[:len(data)+n]
		if n == 0 || leased && len(data) == int(st.Size) {
			return data, readStamp{mod: time.Unix(st.Mtim.Unix()), ino: st.Ino, links: uint64(st.Nlink)}, nil
		}
	}
	return nil, readStamp{}, fmt.Errorf("file grew over the %d MiB limit as it was read", MaxArticleSize>>20)
}

// buffers are for bytes made and dropped with each article (those of its
// file, and of its page), kept for the next one.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

func putBuffer(buf *[]byte) {
	if cap(*buf) > maxScratch {
		*buf = nil // of a rare big article
	}
	buffers.Put(buf)
}

// listing is the published articles, newest first, and what changed since
// the listing before.
type listing struct {
	list           []*Article
	added, removed []*Article // joined and left the list (an edited article's old version left)
	remade         bool       // the list was made again: added and removed are not known
	skipped        int        // files whose current bytes are not published
}

// articles lists the published articles, with clashing slugs settled: of
// the paths whose articles want one slug, the first in order has it, the
// others get one made unique by a hash of their path (their pages are then
// parsed again so their own links resolve against the right address). Once
// the clash is gone they have their own again: the list depends only on
// the files, never on the order they came in.
//
// It runs on every rebuild; when only a few paths changed and none of them
// is in a clash, the last list is brought up to date in place rather than
// made again. The list is the library's own: it changes on the next call.
func (l *library) articles() listing {
	if l.list != nil && len(l.dirty) <= max(64, len(l.entries)/16) {
		if added, removed, ok := l.patch(); ok {
			l.dirty = nil
			return listing{list: l.list, added: added, removed: removed, skipped: len(l.failing)}
		}
	}
	l.dirty = nil // not cleared: a map keeps the room it grew to, 100,000 paths' after a cold build
	l.relist()
	return listing{list: l.list, remade: true, skipped: len(l.failing)}
}

// reload makes the next look at path read and parse it again, even if it
// did not change.
func (l *library) reload(p string) {
	if e := l.entries[p]; e != nil {
		e.size, e.hash = -1, [16]byte{}
	}
}

// bodyOf parses an article's file again for its HTML, "" if that fails.
// If the file changed meanwhile this is its new HTML; the watcher brings
// the rest of the change.
func (l *library) bodyOf(a *Article) string {
	data, modTime, err := readLimited(filepath.Join(l.dir, filepath.FromSlash(a.Path)))
	if err != nil {
		return ""
	}
	opt := l.opt
	opt.Slug = a.Slug
	fresh, _, err := Parse(Source{Path: a.Path, Data: data, ModTime: modTime}, opt)
	if err != nil {
		return ""
	}
	return fresh.HTML
}

// forget makes the next call of articles list every article again.
func (l *library) forget() { l.list = nil }

// patch applies the changed paths to the last list, unless one of them is
// or would be in a clash of slugs.
func (l *library) patch() (added, removed []*Article, ok bool) {
	paths := slices.Sorted(maps.Keys(l.dirty))
	claimed := map[string]string{} // natural slug → the changed path that wants it
	for _, p := range paths {
		a, old := l.published(p), l.dirty[p]
		if a == old {
			continue
		}
		if old != nil && l.contested[old.natural] {
			return nil, nil, false
		}
		if a != nil {
			if q, taken := l.owner[a.natural]; (taken && q != p) || a.Slug != a.natural {
				return nil, nil, false
			}
			if _, taken := claimed[a.natural]; taken { // two new files want one slug
				return nil, nil, false
			}
			claimed[a.natural] = p
		}
	}
	for _, p := range paths {
		if e := l.entries[p]; e != nil && e.unpublished() {
			l.failing[p] = true
			l.sayUnsaid(p, e) // no clash: its version stays
		} else {
			delete(l.failing, p)
		}
		a, old := l.published(p), l.dirty[p]
		if a == old {
			continue
		}
		if old != nil {
			at, found := slices.BinarySearchFunc(l.list, old, newer)
			if !found {
				panic("feed: an article of the list is not in it") // a bug
			}
			l.list = slices.Delete(l.list, at, at+1)
			delete(l.owner, old.natural)
			removed = append(removed, old)
		}
		if a != nil {
			at, _ := slices.BinarySearchFunc(l.list, a, newer)
			l.list = slices.Insert(l.list, at, a)
			l.owner[a.natural] = p
			added = append(added, a)
		}
		if e := l.entries[p]; e != nil {
			e.listed = a
		}
	}
	return added, removed, true
}

// published is the article of path p that is published, nil if none.
func (l *library) published(p string) *Article { return l.entries[p].published() }

// published is the entry's article if it is published, nil if not (or if
// the entry is nil).
func (e *entry) published() *Article {
	if e != nil && e.art != nil && !e.art.Draft {
		return e.art
	}
	return nil
}

// relist makes the list again from every entry, settling clashes.
func (l *library) relist() {
	owner := make(map[string]string, len(l.entries)) // natural slug → first path
	failing := map[string]bool{}
	for p, e := range l.entries {
		if e.unpublished() {
			failing[p] = true
		}
		if a := e.published(); a != nil {
			if q, taken := owner[a.natural]; !taken || p < q {
				owner[a.natural] = p
			}
		}
	}
	contested := map[string]bool{}
	var refix []string // paths parsed with the wrong slug
	for p, e := range l.entries {
		if a := e.published(); a != nil {
			first := owner[a.natural] == p
			if !first {
				contested[a.natural] = true
			}
			// A file whose current bytes fail keeps its last good version
			// as it is (parsing it again would only fail again, and say
			// so again); it is settled once fixed.
			if first != (a.Slug == a.natural) && e.failure == "" {
				refix = append(refix, p)
			}
		}
	}
	slices.Sort(refix)
	for _, p := range refix {
		e := l.entries[p]
		if e.slug = ""; owner[e.art.natural] != p {
			e.slug = clashSlug(p)
		}
		e.hash = [16]byte{} // parse again, with the slug it should have
		l.entries[p] = l.load(found{rel: p, size: e.size, mod: e.mod}, e)
	}
	bySlug := make(map[string]string, len(owner))
	for p, e := range l.entries {
		if a := e.published(); a != nil {
			// Only a forced slug that some file has as its own could be
			// taken twice; the first path keeps it.
			if q, taken := bySlug[a.Slug]; !taken || p < q {
				bySlug[a.Slug] = p
			}
		}
	}
	// A last good version whose address another file has now cannot move
	// (its page and links are made for that address, and its file fails):
	// it goes, and says so.
	for p := range failing {
		e := l.entries[p]
		if a := l.published(p); a != nil && bySlug[a.Slug] != p {
			e.art = nil
			e.failure = cmp.Or(strings.TrimSuffix(e.failure, keptNote), errWriting.Error()) + lostNote // "": left unread while written
			// Said below, as it is now, whether or not it was said before.
			e.unsaid = true
		}
	}
	list := make([]*Article, 0, len(bySlug))
	for p, e := range l.entries {
		e.listed = nil
		if a := e.published(); a != nil && bySlug[a.Slug] == p {
			e.listed = a
			list = append(list, a)
		}
		l.sayUnsaid(p, e) // the failing, and any parsed again above
	}
	Newest(list)
	l.list, l.owner, l.contested, l.failing = list, owner, contested, failing
}

// clashSlug is the slug of the file at path p when another file has the
// one it wants.
func clashSlug(p string) string { return SlugOf(p, "") + "-" + shortHash(p) }

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", h[:4])
}

package feed

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	modTime time.Time
	hash    [32]byte
	art     *Article // the last version that parsed, nil if none ever did
	failure string   // why the current bytes are not published, "" if they are
	slug    string   // forced slug when the derived one clashed
}

// library holds every article file under the articles folder and the last
// good version of each. Only files whose size, modification time or bytes
// changed are read and parsed again.
type library struct {
	dir     string
	opt     ParseOptions
	history *history
	entries map[string]*entry // by path relative to dir, slash-separated
	report  func(path, reason string, warning bool)

	mu      sync.Mutex
	writing []string // files left unread because they were open for writing
}

// found is a file seen on disk, not yet read.
type found struct {
	rel     string
	size    int64
	modTime time.Time
	err     error // why it cannot be read at all (not a regular file, too big)
}

// scan walks the folder below rel ("" for all of it) and returns every
// article file in it. Symbolic links are followed only to regular files
// inside the articles folder; skipped files are reported.
func (l *library) scan(rel string) ([]found, error) {
	root := filepath.Join(l.dir, filepath.FromSlash(rel))
	if rel == "" {
		root += string(filepath.Separator) // the articles folder may be a link to one
	}
	var out []found
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			l.report(l.rel(p), err.Error(), false)
			return nil
		}
		if p != root && ignoredName(d.Name()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !IsArticleName(d.Name()) {
			return nil
		}
		r := l.rel(p)
		info, err := l.stat(p, d)
		if err != nil {
			out = append(out, found{rel: r, err: err})
			return nil
		}
		out = append(out, found{rel: r, size: info.Size(), modTime: info.ModTime()})
		return nil
	})
	return out, err
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
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, fmt.Errorf("symbolic link leads nowhere: %w", unwrapPath(err))
		}
		root, err := filepath.EvalSymlinks(l.dir)
		if err != nil {
			return nil, err
		}
		if r, err := filepath.Rel(root, target); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
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

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// update brings the library in line with what scan found below rel: new and
// changed files are read and parsed (in parallel), files no longer there are
// forgotten. progress, if not nil, is told of each file done.
func (l *library) update(rel string, files []found, progress func()) {
	seen := make(map[string]bool, len(files))
	var todo []found
	for _, f := range files {
		seen[f.rel] = true
		e := l.entries[f.rel]
		if f.err != nil {
			l.entries[f.rel] = l.unreadable(f, e)
		} else if e == nil || e.size != f.size || !e.modTime.Equal(f.modTime) {
			todo = append(todo, f)
		}
	}
	for p := range l.entries {
		if under(p, rel) && !seen[p] {
			delete(l.entries, p)
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
		l.entries[f.rel] = results[i]
	}
}

// under reports whether path p lies in folder dir ("" is the whole tree).
func under(p, dir string) bool {
	return dir == "" || p == dir || strings.HasPrefix(p, dir+"/")
}

// load reads and parses one file. A file that fails keeps the last good
// version it had (prev); the failure is reported once, when it is seen.
func (l *library) load(f found, prev *entry) *entry {
	e := &entry{size: f.size, modTime: f.modTime}
	if prev != nil {
		e.art, e.slug = prev.art, prev.slug
	}
	data, modTime, err := readLimited(filepath.Join(l.dir, filepath.FromSlash(f.rel)))
	if err == nil {
		// What was read, not what the scan saw a moment before, is what the
		// next scan compares with: a write in between is then read again,
		// and nothing is read (or reported) twice.
		f.size, f.modTime = int64(len(data)), modTime
		e.size, e.modTime = f.size, f.modTime
	}
	if errors.Is(err, errWriting) {
		// Half-written: not read now, not a failure either; the next look
		// reads it, and a watcher asks for that look once the writer is done.
		if prev != nil {
			e.hash, e.failure = prev.hash, prev.failure
		}
		e.size = -1
		l.mu.Lock()
		l.writing = append(l.writing, f.rel)
		l.mu.Unlock()
		l.report(f.rel, err.Error(), true)
		return e
	}
	if err != nil {
		e.failure = err.Error()
		if e.art != nil {
			e.failure += " (the last good version stays published)"
		}
		l.report(f.rel, e.failure, false)
		return e
	}
	e.hash = sha256.Sum256(data)
	if prev != nil && prev.hash == e.hash && prev.failure == "" && prev.art != nil && !prev.art.Undated {
		return e // touched, not changed
	}
	opt := l.opt
	opt.Slug = e.slug
	a, warnings, err := Parse(Source{Path: f.rel, Data: data, ModTime: f.modTime}, opt)
	if err != nil {
		e.failure = err.Error()
		if e.art != nil {
			e.failure += " (the last good version stays published)"
		}
		l.report(f.rel, e.failure, false)
		return e
	}
	for _, w := range warnings {
		l.report(f.rel, w, true)
	}
	l.history.stamp(&a, e.hash, f.modTime)
	pack(&a) // 100,000 articles are read before any page is rendered
	e.art = &a
	return e
}

// unreadable records a file that scan could not accept, reporting it only
// when the reason is new; an earlier good version stays published.
func (l *library) unreadable(f found, prev *entry) *entry {
	e := &entry{size: -1, failure: f.err.Error()}
	if prev != nil {
		e.art, e.slug = prev.art, prev.slug
		if prev.size < 0 && strings.HasPrefix(prev.failure, e.failure) {
			return prev
		}
	}
	if e.art != nil {
		e.failure += " (the last good version stays published)"
	}
	l.report(f.rel, e.failure, false)
	return e
}

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
var errWriting = errors.New("file is still open for writing: it is read once closed")

// openRegular opens a file for reading without blocking on anything that is
// not a regular file (a FIFO, a device), and takes a read lease on it: while
// the lease is held no process can open the file for writing, and taking it
// fails with errWriting while one has it open. Linux has no event for "file
// closed after writing" that fsnotify passes on; the lease is how a file
// still being copied in is told from a finished one. Where the file system
// or the file's owner allows no lease, the file is read without one.
func openRegular(p string) (*os.File, error) {
	fh, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, unwrapPath(err)
	}
	info, err := fh.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err == nil {
		err = leaseRead(fh)
	}
	if err != nil {
		fh.Close()
		return nil, unwrapPath(err)
	}
	return fh, nil
}

func leaseRead(fh *os.File) error {
	rc, err := fh.SyscallConn()
	if err != nil {
		return nil
	}
	var lerr error
	rc.Control(func(fd uintptr) {
		_, lerr = unix.FcntlInt(fd, unix.F_SETLEASE, unix.F_RDLCK)
	})
	if errors.Is(lerr, unix.EAGAIN) || errors.Is(lerr, unix.EBUSY) {
		return errWriting
	}
	return nil
}

// stillWriting reports whether some process has the file at p open for
// writing.
func stillWriting(p string) bool {
	fh, err := openRegular(p)
	if err == nil {
		fh.Close() // and the lease with it
	}
	return errors.Is(err, errWriting)
}

// readLimited reads a whole file of at most MaxArticleSize bytes, without
// blocking on anything that is not a regular file and without catching it
// half-written (see openRegular).
// Its modification time is read with the bytes, under the lease: the one a
// directory scan saw may be older than the bytes.
func readLimited(p string) ([]byte, time.Time, error) {
	fh, err := openRegular(p)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxArticleSize+1))
	if err != nil {
		return nil, time.Time{}, unwrapPath(err)
	}
	if len(data) > MaxArticleSize {
		return nil, time.Time{}, fmt.Errorf("file is over the %d MiB limit", MaxArticleSize>>20)
	}
	info, err := fh.Stat()
	if err != nil {
		return nil, time.Time{}, unwrapPath(err)
	}
	return data, info.ModTime(), nil
}

// articles gives the published articles, newest first, with clashing slugs
// settled: the first path in order keeps the slug, the others get one made
// unique by a hash of their path (their pages are then parsed again so their
// own links resolve against the right address). Only clashes are sorted by
// path: this runs on every rebuild, over every article.
func (l *library) articles() (list []*Article, skipped int) {
	owner := make(map[string]string, len(l.entries)) // slug → path
	var clashes []string
	for p, e := range l.entries {
		if e.failure != "" {
			skipped++
		}
		if e.art == nil || e.art.Draft {
			continue
		}
		q, taken := owner[e.art.Slug]
		switch {
		case !taken:
			owner[e.art.Slug] = p
		case p < q:
			owner[e.art.Slug] = p
			clashes = append(clashes, q)
		default:
			clashes = append(clashes, p)
		}
	}
	slices.Sort(clashes)
	for _, p := range clashes {
		e := l.entries[p]
		e.slug = SlugOf(p, "") + "-" + shortHash(p)
		e.hash = [32]byte{} // parse again, with the forced slug
		fixed := l.load(found{rel: p, size: e.size, modTime: e.modTime}, e)
		if fixed.art == nil {
			continue
		}
		if _, taken := owner[fixed.art.Slug]; !taken {
			l.entries[p] = fixed
			owner[fixed.art.Slug] = p
		}
	}
	list = make([]*Article, 0, len(owner))
	for _, p := range owner {
		list = append(list, l.entries[p].art)
	}
	Newest(list)
	return list, skipped
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", h[:4])
}

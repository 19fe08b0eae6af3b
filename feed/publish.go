package feed

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// tempPrefix marks files being written; any left by a crash are removed at
// start.
const tempPrefix = ".dropfeed-tmp-"

// disk mirrors snapshots into the output folder. Each file is written to a
// temporary file beside it, flushed to disk, then renamed over the old one,
// so a reader of the folder sees the old file or the new one, never a part.
// Pages are renamed before the feeds and index that link to them.
type disk struct {
	dir     string
	written map[string]*File // what the folder holds, as far as we know
	extra   map[string]int   // the same for files that are not served: their size
	swept   bool             // written is all the folder holds: no need to walk it
	noPages bool             // articles/ had nothing but temporary files when the first build began: has need not look, and pages go to a staging folder
	placed  *storedCopy      // where a file renamed into place has its bytes: shared by all of them

	// Temporary files are known by a number: the name of one is made
	// from it, this run's mark and the file it is to become (tempPath),
	// so that the 100,000 of a cold build, waiting for their rename,
	// hold no name of their own.
	run     string        // this run's mark
	lastTmp atomic.Uint64 // the number of the last temporary file made

	mu     sync.Mutex
	temps  map[uint64]string // temporary files written and not yet renamed or removed: the name of the file each becomes
	missed map[string]bool   // paths of pages found missing or changed when read
}

// missing records that the bytes of the page name are no longer where they
// were written. Safe to call from any goroutine.
func (d *disk) missing(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.missed == nil {
		d.missed = map[string]bool{}
	}
	d.missed[name] = true
}

// anyMissing reports whether a page was found missing since the last
// recheck.
func (d *disk) anyMissing() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.missed) > 0
}

// topMissing reports whether a file of the folder's top level that was
// written (the feeds, the index, the state file) is gone or of another
// size: deleted by hand, or with the whole folder. A look at five files,
// cheap enough for every tick of the watcher; pages are found missing as
// they are asked for (missing).
func (d *disk) topMissing() bool {
	for _, name := range []string{RSSFile, AtomFile, JSONFile, IndexFile, StateFile} {
		size := -1
		if f := d.written[name]; f != nil {
			size = f.Size
		} else if n, ok := d.extra[name]; ok {
			size = n
		}
		if size < 0 {
			continue // not written (yet): the write that failed says so
		}
		if !d.holds(name, size) {
			return true
		}
	}
	return false
}

// holds reports whether the folder has the file name, of size bytes: what
// is looked at to tell that a file written is still there.
func (d *disk) holds(name string, size int) bool {
	info, err := os.Stat(d.path(name))
	return err == nil && info.Size() == int64(size)
}

// owns reports whether the temporary file tmp is still there to be claimed
// by a write.
func (d *disk) owns(tmp uint64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.temps[tmp]
	return ok
}

// mkdirAll makes dir and the folders above it that are missing, as
// os.MkdirAll does, each of mode 0755 (and set-group-ID if its parent is)
// whatever the umask, as files are 0644: a web server running as another
// user can serve out/ as it is. A folder that is there keeps its mode.
// Safe to call from several goroutines.
func mkdirAll(dir string) error {
	if info, err := os.Stat(dir); err == nil {
		if info.IsDir() {
			return nil
		}
		return &fs.PathError{Op: "mkdir", Path: dir, Err: unix.ENOTDIR}
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		if info, serr := os.Stat(dir); serr == nil && info.IsDir() {
			return nil // made meanwhile, by another writer
		}
		return err
	}
	info, err := os.Stat(dir)
	if err != nil {
		return err
	}
	// The set-group-ID bit a folder gets from its parent's stays.
	return os.Chmod(dir, 0o755|info.Mode()&fs.ModeSetgid)
}

// openDisk prepares the output folder: it is created if missing, and temporary
// files left by an earlier run are removed. Those lie beside the files they
// were to become: in the folder itself and below its articles/; nothing
// else in it is looked at (it may hold more, as with -out . -articles posts).
func openDisk(dir string) (*disk, error) {
	if err := mkdirAll(dir); err != nil {
		return nil, err
	}
	sweep := func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), tempPrefix) {
			err = os.Remove(p)
		}
		return err
	}
	top, err := os.ReadDir(dir)
	for _, e := range top {
		if err == nil && e.IsDir() && strings.HasPrefix(e.Name(), tempPrefix) {
			err = os.RemoveAll(filepath.Join(dir, e.Name())) // the pages of a first build that stopped
		} else if err == nil {
			err = sweep(filepath.Join(dir, e.Name()), e, nil)
		}
	}
	if err == nil {
		err = filepath.WalkDir(filepath.Join(dir, "articles"), sweep)
		if errors.Is(err, fs.ErrNotExist) {
			err = nil // no pages yet
		}
	}
	d := &disk{dir: dir, written: map[string]*File{}, extra: map[string]int{}, temps: map[uint64]string{}}
	d.run = strconv.FormatUint(rand.Uint64(), 36)
	d.placed = &storedCopy{d: d}
	return d, err
}

// adopt looks at what an earlier run left in the folder: a file whose bytes
// equal the new output keeps its date (so Last-Modified survives restarts)
// and is not written again.
func (d *disk) adopt(name string, f *File) *File {
	if d.has(name, f) {
		d.written[name] = f
	}
	return f
}

// lookForPages notes, before the first build, whether the folder's
// articles/ holds anything but temporary files: in one that does not, a
// cold build need not look for each of its pages there, and writes them to
// a folder of their own, to be put in place at once (placeStaged).
func (d *disk) lookForPages() { d.noPages = d.emptyPages() }

func (d *disk) emptyPages() bool {
	dir, err := os.Open(filepath.Join(d.dir, "articles"))
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	defer dir.Close()
	for {
		names, err := dir.Readdirnames(64)
		for _, name := range names {
			if !strings.HasPrefix(name, tempPrefix) {
				return false
			}
		}
		if err != nil {
			return err == io.EOF
		}
	}
}

// has reports whether the folder has f's bytes at name already; if so it
// gives f the file's date, and if other bytes are there, a date after
// theirs. f must be new: nobody else holds it yet. Safe to
// call from several goroutines.
func (d *disk) has(name string, f *File) bool {
	if d.noPages && strings.HasPrefix(name, "articles/") {
		return false // a cold build into a folder without pages: no stat of 100,000 that are not there
	}
	p := d.path(name)
	info, err := os.Stat(p)
	if err != nil {
		return false
	}
	// A date more than an hour past the clock was not made by dropfeed
	// (see newTemp; bursts of changes run it seconds ahead): the file was
	// touched by hand or the clock was wrong. It is not taken, so as not
	// to date the file's bytes years ahead for good.
	m := info.ModTime().Unix()
	trusted := m <= time.Now().Add(time.Hour).Unix()
	if info.Size() == int64(f.Size) && holdsBytes(p, f.Body()) {
		if trusted {
			f.mod = m
		} else {
			os.Chtimes(p, time.Time{}, time.Unix(f.mod, 0)) // the next restart takes this date
		}
		return true
	}
	// Other bytes: dated after the ones there (which may be dated past
	// the clock, see newTemp), so that Last-Modified never goes back.
	if trusted && f.mod <= m {
		f.mod = m + 1
	}
	return false
}

// holdsBytes reports whether the file at p holds exactly body. It reads the
// file in pieces: a restart compares the 18 MB index of 100,000 articles
// without holding a second copy of it, and 100,000 pages without making a
// buffer for each.
func holdsBytes(p string, body []byte) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := buffers.Get().(*[]byte)
	defer putBuffer(buf)
	if cap(*buf) < maxScratch {
		*buf = make([]byte, maxScratch)
	}
	chunk := (*buf)[:cap(*buf)]
	for {
		// One byte past the end of body, if the file has it, tells.
		n, err := io.ReadFull(f, chunk[:min(len(chunk), len(body)+1)])
		if n > len(body) || !bytes.Equal(chunk[:n], body[:n]) {
			return false
		}
		body = body[n:]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return len(body) == 0
		}
		if err != nil {
			return false
		}
	}
}

// path is where the file name (slash-separated) lives in the folder.
func (d *disk) path(name string) string { return filepath.Join(d.dir, filepath.FromSlash(name)) }

// recheck forgets the files written before that are no longer in the
// folder as written (a folder removed or replaced with them in it), so the
// next write puts them back. It returns the names of those whose bytes
// only the folder had: they must be made again.
func (d *disk) recheck() (lost []string) {
	d.mu.Lock()
	missed := d.missed
	d.missed = nil
	d.mu.Unlock()
	for name, f := range d.written {
		if !d.holds(name, f.Size) || missed[name] {
			delete(d.written, name)
			if !f.hold() {
				lost = append(lost, name)
			}
		}
		delete(missed, name)
	}
	for name := range missed { // lost before they were ever in place
		lost = append(lost, name)
	}
	for name, size := range d.extra {
		if !d.holds(name, size) {
			delete(d.extra, name)
		}
	}
	slices.Sort(lost)
	return lost
}

// write makes the folder hold exactly the set's files (plus extra, files
// that are not served, always written: each is what its function writes).
// changed names the files that may differ
// from the last write (a name not in the set: a file to remove); nil
// compares every file. It returns one error per file that could not be
// written; those are tried again on the next call, which then compares
// every file.
func (d *disk) write(files *fileSet, changed []string, extra map[string]func(io.Writer) error) []error {
	// The files not served need nothing of what follows: they are made on
	// another core meanwhile (the state file of 10,000 articles, 2.8 MB,
	// took 10 ms of a cold build's 28 in writing).
	names := slices.Sorted(maps.Keys(extra))
	unserved := make([]pending, len(names))
	var made sync.WaitGroup
	made.Go(func() {
		for i, name := range names {
			p := &unserved[i]
			p.name = name
			p.temp, p.size, p.err = d.writeTempWith(name, extra[name])
		}
	})
	var pages, top, gone []string
	consider := func(name string, f *File) {
		switch {
		case f == nil:
			if d.written[name] != nil {
				gone = append(gone, name)
			}
		case d.written[name] == f:
		case strings.Contains(name, "/"):
			pages = append(pages, name)
		default:
			top = append(top, name)
		}
	}
	full := changed == nil || !d.swept
	if full {
		for name, f := range files.all {
			consider(name, f)
		}
	} else {
		for _, name := range changed {
			consider(name, files.get(name))
		}
	}
	slices.Sort(pages)
	slices.Sort(top)
	todo := make([]pending, 0, len(pages)+len(top)+len(names))
	for _, list := range [][]string{pages, top} {
		for _, name := range list {
			f := files.get(name)
			todo = append(todo, pending{name: name, file: f, temp: f.tempFile()})
		}
	}
	errs := d.replace(todo, func() []pending {
		made.Wait()
		return unserved
	})
	if full {
		errs = append(errs, d.removeStale(files)...)
	} else {
		for _, name := range gone {
			d.written[name].hold() // snapshots still served may need it
			delete(d.written, name)
		}
		errs = append(errs, d.removePages(gone)...)
	}
	d.swept = len(errs) == 0 // after a failure, look at the folder itself again
	d.noPages = false
	return errs
}

// pending is a file to write: a served one, whose bytes are asked for only
// when written (a compacted page is uncompressed then, one at a time), or
// one that is not served, whose temporary file was made before. A cold
// build writes 100,000: nothing of its own is made for a served one.
type pending struct {
	name string
	file *File  // the served file written, nil for one not served
	temp uint64 // a temporary file that has the bytes already, if not 0
	size int    // of a file not served: as written
	err  error  // of a file not served: why it has no temporary file
}

// replace writes files atomically, in the order given, then those unserved
// gives (not served, their temporary files made): every temporary file is
// written, then one sync flushes them all (far cheaper than one fsync each,
// and a sync of the whole file system costs the same for one file as for
// many), then each is renamed into place and the folders are synced.
func (d *disk) replace(todo []pending, unserved func() []pending) []error {
	var errs []error
	ready := 0
	defer d.sweepTemps() // those made for nothing (a page made again before it was written)
	// claim counts p's temporary file, made with the error err, as ready.
	claim := func(p *pending, err error) {
		d.takeTemp(p.temp)
		if err != nil {
			errs = append(errs, fmt.Errorf("write %s: %w", d.path(p.name), unwrapPath(err)))
			p.temp = 0
			return
		}
		ready++
	}
	for i := range todo {
		p := &todo[i]
		if d.takeTemp(p.temp) {
			ready++
			continue
		}
		body := p.file.Body()
		if body == nil && p.file.Size > 0 {
			errs = append(errs, fmt.Errorf("write %s: its bytes are lost (removed from the folder meanwhile); made again on the next retry", d.path(p.name)))
			d.missing(p.name)
			p.temp = 0
			continue
		}
		var err error
		p.temp, err = d.writeTemp(p.name, p.file.mod, body)
		claim(p, err)
	}
	served := len(todo)
	todo = append(todo, unserved()...)
	for i := served; i < len(todo); i++ {
		claim(&todo[i], todo[i].err)
	}
	if ready == 0 {
		return errs
	}
	if err := syncFS(d.dir); err != nil {
		errs = append(errs, fmt.Errorf("sync %s: %w", d.dir, err))
	}
	if d.noPages {
		errs = append(errs, d.placeStaged(todo)...)
	}
	dirs := map[string]bool{}
	syncDirs := func() {
		for dir := range dirs {
			syncDir(dir)
		}
		clear(dirs)
	}
	for _, p := range todo {
		if p.temp == 0 {
			continue
		}
		tmp := d.tempPath(p.name, p.temp)
		if !strings.Contains(p.name, "/") {
			syncDirs() // pages are in place for good before what links to them
		}
		final := d.path(p.name)
		if old := d.written[p.name]; p.file != nil && old != nil && old != p.file {
			old.hold() // snapshots still served may need the bytes this replaces
		}
		// Not os.Rename, which looks at final first (one more system call
		// a page) to refuse a folder there; rename(2) refuses it too.
		if err := unix.Rename(tmp, final); err != nil {
			if p.file != nil {
				p.file.hold() // its bytes may be only in the temporary file
			}
			os.Remove(tmp)
			errs = append(errs, fmt.Errorf("write %s: %w", final, unwrapPath(err)))
			continue
		}
		dirs[filepath.Dir(final)] = true
		if p.file != nil {
			d.written[p.name] = p.file
			p.file.storedAt(d, 0)
		} else {
			d.extra[p.name] = p.size
		}
	}
	syncDirs()
	return errs
}

// Bits of a temporary file's number: the file is in the staging folder of
// a first build, where its page goes (stagedName) or beside it, when
// another took that name first (stagedBeside: two articles wanting one
// slug; the one that keeps it is renamed there before the folder is).
const (
	stagedName   = 1 << 63
	stagedBeside = 1 << 62
	stagedAny    = stagedName | stagedBeside
)

// stagingDir is where a first build into a folder without pages writes
// them, to be renamed to articles/ whole: one rename rather than one a
// page (10,000 took 63 ms in /dev/shm, the kernel taking them one at a
// time).
func (d *disk) stagingDir() string { return filepath.Join(d.dir, tempPrefix+d.run+"-articles") }

// stagedPath is where the page name goes in the staging folder.
func (d *disk) stagedPath(name string) string {
	return filepath.Join(d.stagingDir(), filepath.FromSlash(strings.TrimPrefix(name, "articles/")))
}

// placeStaged puts in place the pages a first build wrote to the staging
// folder, once their bytes are flushed: the unclaimed ones are removed,
// those written beside their name take it, and the folder becomes
// articles/, which then holds only those pages: it need not be walked for
// stale ones. The rename replaces nothing: an articles/ that is there (an
// empty folder with its own owner, mode or ACL, a link to one, or one that
// came meanwhile) is kept, and the pages are renamed into it one by one,
// as they are where the file system cannot rename so.
func (d *disk) placeStaged(todo []pending) []error {
	d.sweepTemps() // the pages nobody claimed stay out of articles/
	var errs []error
	var placed []*pending
	for i := range todo {
		p := &todo[i]
		if p.temp&stagedAny == 0 {
			continue
		}
		if p.temp&stagedBeside != 0 {
			if err := unix.Rename(d.tempPath(p.name, p.temp), d.stagedPath(p.name)); err != nil {
				errs = append(errs, d.notPlaced(p, err))
				continue
			}
		}
		placed = append(placed, p)
	}
	root := filepath.Join(d.dir, "articles")
	err := unix.Renameat2(unix.AT_FDCWD, d.stagingDir(), unix.AT_FDCWD, root, unix.RENAME_NOREPLACE)
	d.swept = d.swept || err == nil
	dirs := map[string]bool{d.dir: true}
	if err != nil {
		kept := placed[:0]
		for _, p := range placed {
			final := d.path(p.name)
			err := unix.Rename(d.stagedPath(p.name), final)
			if errors.Is(err, unix.ENOENT) { // a folder of pages not made yet
				if err = mkdirAll(filepath.Dir(final)); err == nil {
					err = unix.Rename(d.stagedPath(p.name), final)
				}
			}
			if err != nil {
				errs = append(errs, d.notPlaced(p, err))
				continue
			}
			kept = append(kept, p)
			dirs[filepath.Dir(final)] = true
		}
		placed = kept
		os.RemoveAll(d.stagingDir()) // what could not be placed: its pages hold their bytes
	}
	for dir := range dirs {
		syncDir(dir)
	}
	for _, p := range placed {
		d.written[p.name] = p.file
		p.file.storedAt(d, 0)
		p.temp = 0 // done
	}
	return errs
}

// notPlaced is the error of a page the staging folder could not give.
func (d *disk) notPlaced(p *pending, err error) error {
	p.file.hold() // its bytes may be only in the staging folder
	p.temp = 0
	return fmt.Errorf("write %s: %w", d.path(p.name), unwrapPath(err))
}

// takeTemp claims a temporary file made by writeTemp for a rename: true if
// it was made and not claimed before.
func (d *disk) takeTemp(tmp uint64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.temps[tmp]; !ok {
		return false
	}
	delete(d.temps, tmp)
	return true
}

// sweepTemps removes the temporary files nobody claimed.
func (d *disk) sweepTemps() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for tmp, name := range d.temps {
		os.Remove(d.tempPath(name, tmp))
	}
	d.temps = map[uint64]string{} // not clear: the map of a cold build's 100,000 would stay that big
}

// writeTemp writes body to a new temporary file beside name, to be claimed
// with takeTemp. Safe to call from several goroutines.
func (d *disk) writeTemp(name string, mod int64, body []byte) (uint64, error) {
	return d.newTemp(name, mod, func(f fdWriter) error {
		_, err := f.Write(body)
		return err
	})
}

// writeTempWith is writeTemp for the bytes fill writes, through a buffer;
// it also gives how many there were.
func (d *disk) writeTempWith(name string, fill func(io.Writer) error) (uint64, int, error) {
	var n int
	tmp, err := d.newTemp(name, 0, func(f fdWriter) error {
		w := bufio.NewWriterSize(f, 64<<10)
		c := &counter{w: w}
		err := fill(c)
		if n = c.n; err != nil {
			return err
		}
		return w.Flush()
	})
	return tmp, n, err
}

// newTemp makes a temporary file beside name and has write fill it. The
// file is a bare descriptor: os.File would try to register it with Go's
// poller, which a regular file fails, and set and clear its non-blocking
// flag on the way (five system calls of a cold build's nine a page).
func (d *disk) newTemp(name string, mod int64, write func(fdWriter) error) (uint64, error) {
	var tmp uint64
	var fd int
	made := false // the folder, once it was missing
	staged := uint64(0)
	if d.noPages && strings.HasPrefix(name, "articles/") {
		staged = stagedName
	}
	for {
		if tmp = d.lastTmp.Add(1); tmp == 0 {
			continue // 0 is no temporary file
		}
		tmp |= staged
		var err error
		fd, err = retryEINTR(func() (int, error) {
			return unix.Open(d.tempPath(name, tmp), unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600)
		})
		if err == nil {
			break
		}
		if errors.Is(err, fs.ErrNotExist) && !made { // made when first needed, not looked at for each file
			if err := mkdirAll(filepath.Dir(d.tempPath(name, tmp))); err != nil {
				return 0, err
			}
			made = true
			continue
		}
		if !errors.Is(err, fs.ErrExist) { // else one of another run's, by chance
			return 0, err
		}
		if staged != 0 {
			staged = stagedBeside // another article's page has the name
		}
	}
	err := write(fdWriter(fd))
	if err == nil {
		// Whatever the umask, or a default ACL of the folder: a web server
		// reading the folder needs it.
		err = unix.Fchmod(fd, 0o644)
	}
	if err == nil && mod > time.Now().Unix() {
		// Dated past the clock (bytes that changed twice within a second,
		// see newFile): the file says so too, as a restart takes its date
		// from it, and Last-Modified never goes back.
		err = os.Chtimes(d.tempPath(name, tmp), time.Time{}, time.Unix(mod, 0))
	}
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(d.tempPath(name, tmp))
		return 0, err
	}
	d.mu.Lock()
	d.temps[tmp] = name
	d.mu.Unlock()
	return tmp, nil
}

// fdWriter writes to a file descriptor, all of what it is given.
type fdWriter int

func (f fdWriter) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		n, err := retryEINTR(func() (int, error) { return unix.Write(int(f), p[done:]) })
		if err != nil {
			return done, err
		}
		if n == 0 {
			return done, io.ErrShortWrite
		}
		done += n
	}
	return done, nil
}

// tempPath is where the temporary file tmp, which is to become name, is.
func (d *disk) tempPath(name string, tmp uint64) string {
	if tmp&stagedName != 0 {
		return d.stagedPath(name)
	}
	dir := filepath.Dir(d.path(name))
	if tmp&stagedBeside != 0 {
		dir = filepath.Dir(d.stagedPath(name))
	}
	return filepath.Join(dir, tempPrefix+d.run+"-"+strconv.FormatUint(tmp&^stagedAny, 10))
}

// removeStale deletes pages of articles that are gone, and folders left
// empty by that. Only what dropfeed writes is touched: .html files under
// articles/. The folder is walked on the first write (for pages an earlier
// run left; not when it is the staging folder just renamed, see
// placeStaged) and after a failed one; otherwise the pages written before
// and not in files are all there is to remove.
func (d *disk) removeStale(files *fileSet) []error {
	var errs []error
	var gone []string
	for name, f := range d.written {
		if files.get(name) == nil {
			f.hold() // snapshots still served may need it
			delete(d.written, name)
			gone = append(gone, name)
		}
	}
	if d.swept {
		return d.removePages(gone)
	}
	root := filepath.Join(d.dir, "articles")
	var dirs []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			dirs = append(dirs, p)
			return nil
		}
		name := filepath.ToSlash(strings.TrimPrefix(p, d.dir+string(filepath.Separator)))
		if files.get(name) == nil && strings.HasSuffix(name, ".html") {
			if err := os.Remove(p); err != nil {
				errs = append(errs, fmt.Errorf("remove %s: %w", p, unwrapPath(err)))
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, fmt.Errorf("clean %s: %w", root, unwrapPath(err)))
	}
	for _, dir := range slices.Backward(dirs) {
		if dir != root {
			os.Remove(dir) // only succeeds when empty
		}
	}
	return errs
}

// removePages deletes the given pages and the folders they leave empty.
func (d *disk) removePages(names []string) []error {
	var errs []error
	root := filepath.Join(d.dir, "articles")
	for _, name := range names {
		if !strings.HasPrefix(name, "articles/") || !strings.HasSuffix(name, ".html") {
			continue
		}
		p := d.path(name)
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove %s: %w", p, unwrapPath(err)))
		}
		for dir := filepath.Dir(p); dir != root && strings.HasPrefix(dir, root); dir = filepath.Dir(dir) {
			if os.Remove(dir) != nil { // only succeeds when empty
				break
			}
		}
	}
	return errs
}

// appendTo adds data to the end of a file that is not served, flushed to
// disk. A file the last write or recheck does not know of is not appended to:
// it may be missing or be what another run left.
func (d *disk) appendTo(name string, data []byte) error {
	p := d.path(name)
	size, ok := d.extra[name]
	if !ok {
		return fmt.Errorf("append to %s: not written by this run", p)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("append to %s: %w", p, unwrapPath(err))
	}
	info, err := f.Stat()
	if err == nil && info.Size() != int64(size) {
		err = errors.New("changed by someone else")
	}
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		delete(d.extra, name)
		return fmt.Errorf("append to %s: %w", p, unwrapPath(err))
	}
	d.extra[name] = size + len(data)
	return nil
}

func syncFS(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}

func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}

// counter counts the bytes written through it.
type counter struct {
	w io.Writer
	n int
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

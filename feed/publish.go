package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
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
	written map[string]*File  // what the folder holds, as far as we know
	extra   map[string][]byte // the same for files that are not served
	swept   bool              // written is all the folder holds: no need to walk it
}

// openDisk prepares the output folder: it is created if missing, and temporary
// files left by an earlier run are removed.
func openDisk(dir string) (*disk, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), tempPrefix) {
			err = os.Remove(p)
		}
		return err
	})
	return &disk{dir: dir, written: map[string]*File{}, extra: map[string][]byte{}}, err
}

// adopt looks at what an earlier run left in the folder: a file whose bytes
// equal the new output keeps its date (so Last-Modified survives restarts)
// and is not written again.
func (d *disk) adopt(name string, f *File) *File {
	p := filepath.Join(d.dir, filepath.FromSlash(name))
	info, err := os.Stat(p)
	if err != nil || info.Size() != int64(f.Size) {
		return f
	}
	old, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(old, f.Body()) {
		return f
	}
	f.ModTime = info.ModTime().UTC().Truncate(time.Second) // f is new: nobody else holds it yet
	d.written[name] = f
	return f
}

// recheck forgets the files written before that are no longer in the
// folder as written (a folder removed or replaced with them in it), so the
// next write puts them back.
func (d *disk) recheck() {
	for name, f := range d.written {
		if info, err := os.Stat(filepath.Join(d.dir, filepath.FromSlash(name))); err != nil || info.Size() != int64(f.Size) {
			delete(d.written, name)
		}
	}
	for name, body := range d.extra {
		if info, err := os.Stat(filepath.Join(d.dir, filepath.FromSlash(name))); err != nil || info.Size() != int64(len(body)) {
			delete(d.extra, name)
		}
	}
}

// write makes the folder hold exactly the snapshot's files (plus extra, files
// that are written but not served). It returns one error per file that could
// not be written; those are tried again on the next call.
func (d *disk) write(files map[string]*File, extra map[string][]byte) []error {
	var pages, top []string
	for name, f := range files {
		if d.written[name] == f {
			continue
		}
		if strings.Contains(name, "/") {
			pages = append(pages, name)
		} else {
			top = append(top, name)
		}
	}
	slices.Sort(pages)
	slices.Sort(top)
	var names []string
	for name, body := range extra {
		if old, ok := d.extra[name]; !ok || !bytes.Equal(old, body) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var todo []pending
	for _, name := range slices.Concat(pages, top) {
		todo = append(todo, pending{name, files[name].Body, func() { d.written[name] = files[name] }})
	}
	for _, name := range names {
		body := extra[name]
		todo = append(todo, pending{name, func() []byte { return body }, func() { d.extra[name] = body }})
	}
	errs := d.replace(todo)
	errs = append(errs, d.removeStale(files)...)
	d.swept = len(errs) == 0 // after a failure, look at the folder itself again
	return errs
}

// pending is a file to write, and what to note once it is in place. Its
// bytes are asked for only when written: a compacted page is uncompressed
// then, one at a time.
type pending struct {
	name string
	body func() []byte
	done func()
}

// replace writes files atomically, in the order given: every temporary file
// is written, then one sync flushes them all (far cheaper than one fsync
// each, and a sync of the whole file system costs the same for one file as
// for many), then each is renamed into place and the folders are synced.
func (d *disk) replace(todo []pending) []error {
	var errs []error
	temps := make(map[string]string, len(todo))
	for _, p := range todo {
		tmp, err := d.writeTemp(p.name, p.body())
		if err != nil {
			errs = append(errs, fmt.Errorf("write %s: %w", filepath.Join(d.dir, p.name), unwrapPath(err)))
			continue
		}
		temps[p.name] = tmp
	}
	if len(temps) == 0 {
		return errs
	}
	if err := syncFS(d.dir); err != nil {
		errs = append(errs, fmt.Errorf("sync %s: %w", d.dir, err))
	}
	dirs := map[string]bool{}
	syncDirs := func() {
		for dir := range dirs {
			syncDir(dir)
		}
		clear(dirs)
	}
	for _, p := range todo {
		tmp, ok := temps[p.name]
		if !ok {
			continue
		}
		if !strings.Contains(p.name, "/") {
			syncDirs() // pages are in place for good before what links to them
		}
		final := filepath.Join(d.dir, filepath.FromSlash(p.name))
		if err := os.Rename(tmp, final); err != nil {
			os.Remove(tmp)
			errs = append(errs, fmt.Errorf("write %s: %w", final, unwrapPath(err)))
			continue
		}
		dirs[filepath.Dir(final)] = true
		p.done()
	}
	syncDirs()
	return errs
}

func (d *disk) writeTemp(name string, body []byte) (string, error) {
	dir := filepath.Join(d.dir, filepath.FromSlash(path.Dir(name)))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(body)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// removeStale deletes pages of articles that are gone, and folders left
// empty by that. Only what dropfeed writes is touched: .html files under
// articles/. The folder is walked on the first write (for pages an earlier
// run left) and after a failed one; otherwise the pages written before and
// not in files are all there is to remove, which keeps a rebuild of a large
// site from listing every page.
func (d *disk) removeStale(files map[string]*File) []error {
	var errs []error
	var gone []string
	for name := range d.written {
		if _, ok := files[name]; !ok {
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
		if _, ok := files[name]; !ok && strings.HasSuffix(name, ".html") {
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
		p := filepath.Join(d.dir, filepath.FromSlash(name))
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

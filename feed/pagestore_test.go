package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Article pages are kept in the output folder, not in memory: once written,
// a page's bytes are read from there (and checked against its ETag); until
// then, and once replaced while an older snapshot may still be served,
// they are held compressed.
func TestPagesLiveInTheOutputFolder(t *testing.T) {
	srv, b := testServer(t)
	const name = "articles/sub/second.html"
	path := filepath.Join(b.cfg.OutDir, filepath.FromSlash(name))
	first := b.Current()
	f := first.File(name)
	onDisk, err := os.ReadFile(path)
	must(t, err)
	if f.held.Load() != nil || f.stored.Load() == nil || f.storedPath(f.stored.Load()) != path {
		t.Fatalf("a written page is still held in memory, or not known to be stored at %s", path)
	}
	if !bytes.Equal(f.Body(), onDisk) {
		t.Fatal("the page's bytes are not those of the folder")
	}

	// An edit replaces the file; the snapshot before still has its bytes.
	b.cfg.Now = func() time.Time { return f.ModTime().Add(time.Hour) }
	writeArticle(t, b.cfg.ArticlesDir, "sub/second.md", "Second\n---\n2020-01-01\n\nEdited.\n")
	if _, err := b.Rebuild([]string{"sub/second.md"}); err != nil {
		t.Fatal(err)
	}
	if old := first.File(name).Body(); !bytes.Equal(old, onDisk) || sumOf(old) != f.sum {
		t.Error("the page of the snapshot before lost its bytes when the file was replaced")
	}
	edited, err := os.ReadFile(path)
	must(t, err)
	if now := b.Current().File(name); !bytes.Contains(edited, []byte("Edited.")) || !bytes.Equal(now.Body(), edited) {
		t.Error("the new page is not the folder's")
	}

	// Someone removes a page from the folder: it answers 503 until the
	// builder has made it again, with the same bytes and dates.
	const seed = "articles/seed.html"
	before := b.Current().File(seed)
	seedBytes := before.Body()
	must(t, os.Remove(filepath.Join(b.cfg.OutDir, filepath.FromSlash(seed))))
	for _, method := range []string{"HEAD", "GET"} { // HEAD says what GET would
		resp, _ := do(t, method, srv.URL+"/"+seed)
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s of a page gone from the folder: %d (Retry-After %q), want 503 with Retry-After", method, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if err := b.RetryDisk(); err != nil {
		t.Fatal(err)
	}
	back, err := os.ReadFile(filepath.Join(b.cfg.OutDir, filepath.FromSlash(seed)))
	if err != nil || !bytes.Equal(back, seedBytes) {
		t.Fatalf("the page was not made again as it was: %v", err)
	}
	after := b.Current().File(seed)
	if after.ETag() != before.ETag() || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("made again with ETag %s, date %v; was %s, %v", after.ETag(), after.ModTime(), before.ETag(), before.ModTime())
	}
	resp, body := do(t, "GET", srv.URL+"/"+seed)
	if resp.StatusCode != 200 || !bytes.Equal(body, seedBytes) || resp.Header.Get("Last-Modified") != before.ModTime().Format(http.TimeFormat) {
		t.Errorf("after: %d, Last-Modified %s", resp.StatusCode, resp.Header.Get("Last-Modified"))
	}

	// Changed in place, same size: caught when read, made again as well.
	tampered := bytes.Replace(seedBytes, []byte("<html"), []byte("<HTML"), 1)
	must(t, os.WriteFile(filepath.Join(b.cfg.OutDir, filepath.FromSlash(seed)), tampered, 0o644))
	if resp, body := do(t, "GET", srv.URL+"/"+seed); resp.StatusCode != 503 || bytes.Equal(body, tampered) {
		t.Errorf("a page changed in the folder: %d, want 503 and never the changed bytes", resp.StatusCode)
	}
	if err := b.RetryDisk(); err != nil {
		t.Fatal(err)
	}
	if resp, body := do(t, "GET", srv.URL+"/"+seed); resp.StatusCode != 200 || !bytes.Equal(body, seedBytes) {
		t.Errorf("after a page changed in the folder: %d, want 200 and its own bytes", resp.StatusCode)
	}
}

// An article whose page is gone from the folder can still enter the feeds:
// its HTML is read from its file again.
func TestLostPageEntersFeeds(t *testing.T) {
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	cfg.Limit = 1
	writeArticle(t, cfg.ArticlesDir, "new.md", "New\n---\n2021-01-01\n\nThe newest.\n")
	writeArticle(t, cfg.ArticlesDir, "old.md", "Old\n---\n2020-01-01\n\nThe *older* one, [linked](x.html).\n")
	b := build(t, cfg)
	oldPage := filepath.Join(cfg.OutDir, "articles", "old.html")
	must(t, os.Remove(oldPage))
	must(t, os.Remove(filepath.Join(cfg.ArticlesDir, "new.md")))
	if _, err := b.Rebuild([]string{"new.md"}); err != nil {
		t.Fatal(err)
	}
	atom := string(b.Current().File(AtomFile).Body())
	if !strings.Contains(atom, "The &lt;em&gt;older&lt;/em&gt; one") || !strings.Contains(atom, "http://127.0.0.1/articles/x.html") {
		t.Errorf("the article entering the feed lost its content:\n%s", atom)
	}
	if err := b.RetryDisk(); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(oldPage)
	if err != nil || !bytes.Contains(page, []byte("<em>older</em>")) {
		t.Errorf("its page was not made again: %v", err)
	}
}

// Reading an older snapshot's page while the builder replaces it is served
// from the bytes held for it, and does not count as a page lost from the
// folder (which would make the builder check every file).
func TestPageReadDuringReplace(t *testing.T) {
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	clock := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	cfg.Now = func() time.Time { return clock }
	text := func(i int) string {
		return fmt.Sprintf("A\n---\n2020-01-01\n\nv%d %s\n", i, strings.Repeat("text ", 500))
	}
	writeArticle(t, cfg.ArticlesDir, "a.md", text(0))
	b := build(t, cfg)
	var stop atomic.Bool
	var nils atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for !stop.Load() {
				f := b.Current().File("articles/a.html")
				for range 20 {
					if f.Body() == nil {
						nils.Add(1)
					}
				}
			}
		})
	}
	flagged := 0
	for i := 1; i < 200; i++ {
		clock = clock.Add(time.Minute)
		writeArticle(t, cfg.ArticlesDir, "a.md", text(i))
		if _, err := b.Rebuild([]string{"a.md"}); err != nil {
			t.Fatal(err)
		}
		if b.disk.anyMissing() {
			flagged++
		}
	}
	stop.Store(true)
	wg.Wait()
	if flagged > 0 || nils.Load() > 0 {
		t.Errorf("page taken for lost after %d of 199 rebuilds; %d reads without bytes (nobody touched out/)", flagged, nils.Load())
	}
}

// A new page whose temporary file goes before it is renamed into place
// (someone cleaning out/) is made again by the next retry.
func TestNewPageLostBeforeRename(t *testing.T) {
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "x.md", "X\n---\n2020-01-01\n\nx body\n")
	b := build(t, cfg)
	writeArticle(t, cfg.ArticlesDir, "new.md", "New\n---\n2020-01-02\n\nnew body\n")
	// A rebuild, step by step, with the temporary file removed between
	// reading the article and writing out/.
	b.mu.Lock()
	must(t, b.refresh("new.md", map[string]bool{"new.md": true}))
	page := b.lib.entries["new.md"].art.page
	if page == nil || page.tempFile() == 0 {
		b.mu.Unlock()
		t.Fatal("the new article's page was not made as it was read")
	}
	must(t, os.Remove(b.disk.tempPath(page.name, page.tempFile())))
	snap, changed, err := b.render(b.lib.articles())
	must(t, err)
	if err := b.writeDisk(snap, changed); !errors.Is(err, ErrOutput) {
		t.Errorf("writing a page whose bytes are lost: %v, want ErrOutput", err)
	}
	b.cur.Store(snap)
	b.mu.Unlock()
	if err := b.RetryDisk(); err != nil {
		t.Errorf("retry: %v", err)
	}
	body := b.Current().File("articles/new.html").Body()
	onDisk, err := os.ReadFile(filepath.Join(cfg.OutDir, "articles", "new.html"))
	if body == nil || err != nil || !bytes.Equal(body, onDisk) || !bytes.Contains(body, []byte("new body")) {
		t.Fatalf("the lost page was not made again (%v)", err)
	}
}

// Temporary files are known by a number, and 0 is none: a counter that
// comes round to 0 takes the next number, and the page is still written.
func TestTempNumberNeverZero(t *testing.T) {
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "x.md", "X\n---\n2020-01-01\n\nx body\n")
	b := build(t, cfg)
	b.disk.lastTmp.Store(^uint64(0))
	writeArticle(t, cfg.ArticlesDir, "x.md", "X\n---\n2020-01-01\n\nedited body\n")
	if _, err := b.Rebuild([]string{"x.md"}); err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile(filepath.Join(cfg.OutDir, "articles", "x.html"))
	if err != nil || !bytes.Contains(onDisk, []byte("edited body")) {
		t.Errorf("the edited page is not in the output folder (%v)", err)
	}
	if body := b.Current().File("articles/x.html").Body(); !bytes.Equal(body, onDisk) {
		t.Error("the page served is not the one written")
	}
	entries, err := os.ReadDir(filepath.Join(cfg.OutDir, "articles"))
	must(t, err)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// A builder started over an output folder that has the pages already takes
// each one as it is, date and all, rather than writing it again; one
// started over a folder without pages writes them all. What counts is the
// folder when the first build begins, not when the builder was made.
func TestRestartAdoptsPages(t *testing.T) {
	cfg, _ := testConfig(t, "http://example.com/")
	writeArticle(t, cfg.ArticlesDir, "a.md", "A\n---\n2020-01-01\n\nBody of a.\n")
	writeArticle(t, cfg.ArticlesDir, "b.md", "B\n---\n2020-01-02\n\nBody of b.\n")
	first := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg.Now = func() time.Time { return first }
	late, err := NewBuilder(cfg) // made before the folder has pages, built after
	must(t, err)
	b, err := NewBuilder(cfg)
	must(t, err)
	if _, err := b.Build(); err != nil {
		t.Fatal(err)
	}
	if b.disk.noPages {
		t.Error("still taken to have no pages after a write")
	}
	info, err := os.Stat(filepath.Join(cfg.OutDir, "articles", "a.html"))
	must(t, err)

	cfg.Now = func() time.Time { return first.Add(time.Hour) }
	again, err := NewBuilder(cfg)
	must(t, err)
	for name, b := range map[string]*Builder{"restarted": again, "made before the pages were": late} {
		b.cfg.Now = cfg.Now
		if _, err := b.Build(); err != nil {
			t.Fatal(err)
		}
		f := b.Current().File(PagePath("a"))
		if !f.adopted || !f.ModTime().Equal(info.ModTime().Truncate(time.Second)) {
			t.Errorf("%s: page adopted %v, dated %v; want adopted, dated as its file, %v", name, f.adopted, f.ModTime(), info.ModTime())
		}
	}
}

// Every file of the output folder is readable by all (a web server of its
// own may serve it), whatever the umask, or a default ACL of the folder,
// which the kernel applies in place of the umask.
func TestOutputModes(t *testing.T) {
	for _, c := range []struct {
		name string
		mask int
		acl  bool
	}{{"umask 022", 0o022, false}, {"umask 077", 0o077, false}, {"default ACL u::rw-,g::---,o::---", 0o022, true}} {
		old := unix.Umask(c.mask)
		cfg, _ := testConfig(t, "http://example.com/")
		writeArticle(t, cfg.ArticlesDir, "a.md", "A\n---\n2020-01-01\n\nBody.\n")
		writeArticle(t, cfg.ArticlesDir, "sub/b.md", "B\n---\n2020-01-02\n\nBody.\n")
		if c.acl && !privateByACL(t, cfg.OutDir) {
			unix.Umask(old)
			t.Logf("%s: no default ACL on this file system", c.name)
			continue
		}
		// The first build puts its pages' folder in place whole; the
		// second makes a folder beside the pages there.
		b, err := NewBuilder(cfg)
		if err == nil {
			_, err = b.Build()
		}
		if err == nil {
			writeArticle(t, cfg.ArticlesDir, "later/c.md", "C\n---\n2020-01-03\n\nBody.\n")
			_, err = b.Build()
		}
		unix.Umask(old)
		must(t, err)
		files, dirs := 0, 0
		err = filepath.WalkDir(cfg.OutDir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			want := fs.FileMode(0o644)
			if d.IsDir() {
				if c.acl && p == cfg.OutDir {
					return nil // the user's own folder: kept as it is
				}
				dirs++
				want = 0o755
			} else {
				files++
			}
			if err == nil && info.Mode().Perm() != want {
				t.Errorf("%s: %s has mode %v, want %v", c.name, p, info.Mode().Perm(), want)
			}
			return err
		})
		must(t, err)
		if files < 7 || dirs < 3 { // the three feeds, the index, the state and the pages; articles/ and its two folders
			t.Errorf("%s: %d files and %d folders in the output folder", c.name, files, dirs)
		}
	}
}

// privateByACL makes dir with a default ACL that leaves new files readable
// by their owner alone, and reports whether a file made there 0644 comes
// out 0600 (false where the file system has no ACLs).
func privateByACL(t *testing.T, dir string) bool {
	t.Helper()
	must(t, os.MkdirAll(dir, 0o755))
	// struct posix_acl_xattr: version 2, then tag, permissions and id
	// (none) of the owner (rw-), the group (---) and the others (---).
	acl := []byte{2, 0, 0, 0}
	for _, e := range [][2]uint16{{0x01, 6}, {0x04, 0}, {0x20, 0}} {
		acl = append(acl, byte(e[0]), byte(e[0]>>8), byte(e[1]), byte(e[1]>>8), 0xFF, 0xFF, 0xFF, 0xFF)
	}
	if err := unix.Setxattr(dir, "system.posix_acl_default", acl, 0); err != nil {
		return false
	}
	probe := filepath.Join(dir, "probe")
	must(t, os.WriteFile(probe, nil, 0o644))
	info, err := os.Stat(probe)
	must(t, err)
	must(t, os.Remove(probe))
	return info.Mode().Perm() == 0o600
}

// A first build into a folder without pages writes them to a folder of
// their own and renames that to articles/, one rename for them all; pages
// of articles wanting one slug, and of sub-folders, are where they belong.
// If something came into articles/ meanwhile, the pages are renamed into
// it one by one, and it stays (a page of no article goes, as on any first
// write). Nothing of the staging folder is left.
func TestFirstBuildPagesAtOnce(t *testing.T) {
	for _, intruder := range []bool{false, true} {
		cfg, _ := testConfig(t, "https://example.com/")
		writeArticle(t, cfg.ArticlesDir, "post.md", "From md\n---\n2020-01-01\n\nmd body\n")
		writeArticle(t, cfg.ArticlesDir, "post.txt", "From txt\n---\n2020-01-02\n\ntxt body\n")
		writeArticle(t, cfg.ArticlesDir, "sub/deep.md", "Deep\n---\n2020-01-03\n\ndeep body\n")
		b, err := NewBuilder(cfg)
		must(t, err)
		// The first build, step by step, as Rebuild takes it.
		b.mu.Lock()
		b.disk.lookForPages()
		must(t, b.refresh("", nil))
		if !b.disk.noPages {
			t.Fatal("a first build into an empty folder does not stage its pages")
		}
		staged, err := os.Stat(b.disk.stagingDir())
		must(t, err)
		if _, err := os.Stat(filepath.Join(cfg.OutDir, "articles")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("articles/ is there before the pages are written (%v)", err)
		}
		note := filepath.Join(cfg.OutDir, "articles", "notes.txt")
		stray := filepath.Join(cfg.OutDir, "articles", "stray.html")
		if intruder { // a page of nobody's is removed, as any is on a first write
			must(t, os.MkdirAll(filepath.Dir(note), 0o755))
			must(t, os.WriteFile(note, []byte("mine"), 0o644))
			must(t, os.WriteFile(stray, []byte("?"), 0o644))
		}
		snap, changed, err := b.render(b.lib.articles())
		must(t, err)
		must(t, b.writeDisk(snap, changed))
		b.cur.Store(snap)
		b.mu.Unlock()

		root := filepath.Join(cfg.OutDir, "articles")
		info, err := os.Stat(root)
		must(t, err)
		if same := os.SameFile(info, staged); same == intruder {
			t.Errorf("intruder %v: articles/ is the staging folder renamed: %v", intruder, same)
		}
		if data, err := os.ReadFile(note); intruder && (err != nil || string(data) != "mine") {
			t.Errorf("the file that came into articles/ is gone (%v)", err)
		}
		if _, err := os.Stat(stray); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("intruder %v: a page of no article is left (%v)", intruder, err)
		}
		top, err := os.ReadDir(cfg.OutDir)
		must(t, err)
		for _, e := range top {
			if strings.HasPrefix(e.Name(), tempPrefix) {
				t.Errorf("intruder %v: %s left in the output folder", intruder, e.Name())
			}
		}
		pages := 0
		must(t, filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(p, ".html") {
				return err
			}
			pages++
			name := filepath.ToSlash(strings.TrimPrefix(p, cfg.OutDir+"/"))
			onDisk, err := os.ReadFile(p)
			if f := snap.File(name); f == nil || err != nil || !bytes.Equal(f.Body(), onDisk) {
				t.Errorf("intruder %v: %s on disk is not the page served (%v)", intruder, name, err)
			}
			return nil
		}))
		if pages != 3 || snap.File("articles/sub/deep.html") == nil || snap.File("articles/post.html") == nil {
			t.Errorf("intruder %v: %d pages on disk, want post, its clash and sub/deep", intruder, pages)
		}
		if strings.Contains(string(snap.File("articles/post.html").Body()), "txt body") {
			t.Errorf("articles/post.html holds post.txt's page; post.md sorts first")
		}
	}
}

// An articles/ that is there when the first build begins, empty, is kept
// with its own mode (a link to one too): the staging folder is not renamed
// over it, its pages are renamed into it one by one. A staging folder left
// by a run that stopped is removed at start.
func TestFirstBuildKeepsArticlesFolder(t *testing.T) {
	for _, link := range []bool{false, true} {
		cfg, _ := testConfig(t, "https://example.com/")
		writeArticle(t, cfg.ArticlesDir, "a.md", "A\n---\n2020-01-01\n\nbody\n")
		folder := filepath.Join(cfg.OutDir, "articles")
		must(t, os.MkdirAll(cfg.OutDir, 0o755))
		if link {
			folder = t.TempDir()
			must(t, os.Symlink(folder, filepath.Join(cfg.OutDir, "articles")))
		} else {
			must(t, os.Mkdir(folder, 0o750))
			must(t, os.Chmod(folder, 0o750)) // whatever the umask
		}
		before, err := os.Stat(folder)
		must(t, err)
		left := filepath.Join(cfg.OutDir, tempPrefix+"old-articles")
		must(t, os.MkdirAll(filepath.Join(left, "sub"), 0o755))
		must(t, os.WriteFile(filepath.Join(left, "sub", "x.html"), []byte("x"), 0o644))
		b := build(t, cfg)
		if _, err := os.Stat(left); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("link %v: a staging folder left by another run is still there (%v)", link, err)
		}
		info, err := os.Lstat(filepath.Join(cfg.OutDir, "articles"))
		if err != nil || link != (info.Mode()&fs.ModeSymlink != 0) {
			t.Fatalf("link %v: articles/ was replaced (%v)", link, err)
		}
		after, err := os.Stat(folder)
		if err != nil || !os.SameFile(before, after) || after.Mode().Perm() != before.Mode().Perm() {
			t.Errorf("link %v: the folder of pages is not the one that was there, mode %v (%v)", link, before.Mode().Perm(), err)
		}
		onDisk, err := os.ReadFile(filepath.Join(folder, "a.html"))
		if err != nil || !bytes.Equal(onDisk, b.Current().File("articles/a.html").Body()) {
			t.Errorf("link %v: the page is not in the folder (%v)", link, err)
		}
	}
}

// Two pages made for one name in a first build (two articles wanted its
// slug): the first has the name in the staging folder, the second lies
// beside it. When the second is the one published, the first goes before
// the second takes the name.
func TestStagedClashKeepsClaimedPage(t *testing.T) {
	out := t.TempDir()
	d, err := openDisk(out)
	must(t, err)
	d.lookForPages()
	name := "articles/post.html"
	first, err := d.writeTemp(name, 0, []byte("first"))
	must(t, err)
	second, err := d.writeTemp(name, 0, []byte("second"))
	must(t, err)
	if !d.noPages || first&stagedName == 0 || second&stagedBeside == 0 {
		t.Fatalf("staging %v, temporary files %x and %x: want the first at its name, the second beside it", d.noPages, first, second)
	}
	f := newFile(name, []byte("second"), nil, time.Now())
	f.body = nil
	f.storedAt(d, second)
	if errs := d.write((*fileSet)(nil).with(map[string]*File{name: f}), nil, nil); len(errs) > 0 {
		t.Fatal(errs)
	}
	entries, err := os.ReadDir(filepath.Join(out, "articles"))
	must(t, err)
	onDisk, err := os.ReadFile(filepath.Join(out, "articles", "post.html"))
	if err != nil || string(onDisk) != "second" || len(entries) != 1 {
		t.Errorf("articles/ holds %d files, post.html %q (%v); want only post.html, \"second\"", len(entries), onDisk, err)
	}
	if body := f.Body(); string(body) != "second" {
		t.Errorf("the page served reads %q", body)
	}
}

// A page's bytes are made in a buffer used again for the next page: the
// page keeps none of it, whether it was written to the folder, found
// there already (a restart), or held compressed because the folder could
// not take it.
func TestPageBytesStayTheirOwn(t *testing.T) {
	for _, how := range []string{"written", "found", "held"} {
		cfg, _ := testConfig(t, "https://example.com/")
		for i := range 30 {
			writeArticle(t, cfg.ArticlesDir, fmt.Sprintf("a%02d.md", i),
				fmt.Sprintf("Title %d\n---\n2024-01-%02d\n\n%s\n", i, 1+i%28, strings.Repeat(fmt.Sprintf("word%d ", i), 20+i)))
		}
		switch how {
		case "found":
			build(t, cfg)
		case "held":
			must(t, os.MkdirAll(cfg.OutDir, 0o755))
			must(t, os.WriteFile(filepath.Join(cfg.OutDir, "articles"), nil, 0o644)) // no folder of pages can be made
		}
		b, err := NewBuilder(cfg)
		must(t, err)
		if _, err := b.Build(); (err != nil) != (how == "held") {
			t.Fatalf("%s: build: %v", how, err)
		}
		for i := range 30 {
			name := PagePath(fmt.Sprintf("a%02d", i))
			f := b.Current().File(name)
			body := f.Body()
			if want := fmt.Sprintf("<h1>Title %d</h1>", i); !bytes.Contains(body, []byte(want)) || bytes.Count(body, []byte(fmt.Sprintf("word%d ", i))) != 19+i { // the last one ends the paragraph
				t.Fatalf("%s: %s is not its own page:\n%s", how, name, body)
			}
			if how == "found" && !f.adopted {
				t.Errorf("%s: %s was written again, not found", how, name)
			}
		}
	}
}

// A folder made in an out/ whose folders are set-group-ID (shared by a
// group) keeps that bit: only the permission bits are set.
func TestOutputFoldersKeepSetgid(t *testing.T) {
	cfg, _ := testConfig(t, "http://example.com/")
	writeArticle(t, cfg.ArticlesDir, "sub/b.md", "B\n---\n2020-01-02\n\nBody.\n")
	must(t, os.MkdirAll(cfg.OutDir, 0o755))
	must(t, os.Chmod(cfg.OutDir, 0o755|fs.ModeSetgid))
	if info, err := os.Stat(cfg.OutDir); err != nil || info.Mode()&fs.ModeSetgid == 0 {
		t.Skipf("no set-group-ID folders here: %v", err)
	}
	build(t, cfg)
	for _, dir := range []string{"articles", "articles/sub"} {
		info, err := os.Stat(filepath.Join(cfg.OutDir, dir))
		must(t, err)
		if info.Mode()&fs.ModeSetgid == 0 || info.Mode().Perm() != 0o755 {
			t.Errorf("out/%s has mode %v, want 0755 and set-group-ID", dir, info.Mode())
		}
	}
}

// holdsBytes compares a file with bytes in pieces: equal, shorter, longer,
// differing at the start, in the middle or in the last byte, and empty.
func TestHoldsBytes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	big := bytes.Repeat([]byte("0123456789abcdef"), maxScratch/16*3+5) // three pieces and a bit
	changed := func(at int) []byte {
		b := bytes.Clone(big)
		b[at] ^= 1
		return b
	}
	for _, c := range []struct {
		name       string
		file, body []byte
		want       bool
	}{
		{"equal", big, big, true},
		{"empty", nil, nil, true},
		{"file empty", nil, big[:1], false},
		{"body empty", big[:1], nil, false},
		{"file shorter", big[:len(big)-1], big, false},
		{"file longer", big, big[:len(big)-1], false},
		{"file longer by a piece", big, big[:2*maxScratch], false},
		{"first byte", changed(0), big, false},
		{"second piece", changed(maxScratch + 7), big, false},
		{"last byte", changed(len(big) - 1), big, false},
	} {
		must(t, os.WriteFile(p, c.file, 0o644))
		if got := holdsBytes(p, c.body); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if holdsBytes(filepath.Join(t.TempDir(), "none"), nil) {
		t.Error("a missing file holds nothing")
	}
}

// A file not served that cannot be made (its bytes fail as they are
// written, on another core while the served files are written) fails
// alone: it is said, by name and why, and leaves nothing in the folder;
// the others are all in place.
func TestUnservedFileFailsAlone(t *testing.T) {
	out := t.TempDir()
	d, err := openDisk(out)
	must(t, err)
	feed := newFile(RSSFile, []byte("<rss/>"), nil, time.Now())
	extra := map[string]func(io.Writer) error{
		"broken": func(w io.Writer) error {
			if _, err := io.WriteString(w, "half"); err != nil {
				return err
			}
			return errors.New("no more lines")
		},
		"whole": func(w io.Writer) error {
			_, err := io.WriteString(w, "all of it")
			return err
		},
	}
	errs := d.write((*fileSet)(nil).with(map[string]*File{RSSFile: feed}), nil, extra)
	want := "write " + filepath.Join(out, "broken") + ": no more lines"
	if len(errs) != 1 || errs[0].Error() != want {
		t.Errorf("errors %v, want only %q", errs, want)
	}
	entries, err := os.ReadDir(out)
	must(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{RSSFile, "whole"}) {
		t.Errorf("the folder holds %q, want %q", names, []string{RSSFile, "whole"})
	}
	if size, ok := d.extra["whole"]; !ok || size != len("all of it") {
		t.Errorf("the file written is known with size %d (%v), want %d", size, ok, len("all of it"))
	}
	if _, ok := d.extra["broken"]; ok {
		t.Error("the file that failed is known as written")
	}
}

package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zeebo/xxh3"
)

// TestIncrementalMatchesFresh edits a folder the way writers do (new files,
// edits of body, title and date, deletions, drafts, files that turn bad and
// are fixed, paths whose slugs clash, sub-folders), rebuilding after each
// change only for the path changed, as the watcher does. After every step
// the snapshot, and the output folder, must equal what a builder starting
// from nothing makes of the same folder (given the same state file, so that
// the "updated" dates agree).
func TestIncrementalMatchesFresh(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { incrementalMatchesFresh(t, seed) })
	}
}

func incrementalMatchesFresh(t *testing.T, seed uint64) {
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	cfg.Limit = 5 // so that articles move in and out of the feeds
	clock := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	cfg.Now = func() time.Time { return clock }
	rng := rand.New(rand.NewPCG(seed, 11))
	names := []string{"a.md", "b.md", "c.txt", "d.md", "sub/e.md", "sub/f.md", "a.txt", "g.markdown", "h.md", "deep/x/y.md", "B.md"}
	dates := []string{"2020-01-01", "2020-01-02", "2020-01-02", "11/05/2017", "2021-06-30T10:00"}
	text := func(i int) string {
		switch rng.IntN(8) {
		case 0:
			return "---\ntitle: Draft " + fmt.Sprint(i) + "\ndraft: true\n---\nhidden\n"
		case 1:
			return "\x00\x01\x02binary"
		case 2:
			return fmt.Sprintf("---\ntitle: Front %d\ndate: %s\ntags: [x, y]\n---\nBody %d with a [link](other.html).\n", i, dates[rng.IntN(len(dates))], i)
		}
		return fmt.Sprintf("Title %d\n---\n%s\n\nBody %d, *step* [rel](#top).\n", i, dates[rng.IntN(len(dates))], i)
	}
	for _, n := range names[:6] {
		writeArticle(t, cfg.ArticlesDir, n, text(0))
	}
	b := build(t, cfg)
	for step := 1; step <= 60; step++ {
		clock = clock.Add(time.Minute)
		// One path changed, or a few at once (a copy of several files, a
		// checkout): the watcher hands them over together.
		var paths []string
		for range 1 + rng.IntN(3) {
			name := names[rng.IntN(len(names))]
			if slices.Contains(paths, name) {
				continue
			}
			paths = append(paths, name)
			p := filepath.Join(cfg.ArticlesDir, filepath.FromSlash(name))
			if _, err := os.Stat(p); err == nil && rng.IntN(4) == 0 {
				must(t, os.Remove(p))
			} else {
				writeArticle(t, cfg.ArticlesDir, name, text(step))
				must(t, os.Chtimes(p, clock, clock))
			}
		}
		name := strings.Join(paths, " ")
		if rng.IntN(10) == 0 {
			paths = nil // now and then the whole folder, as after an overflow
		}
		if _, err := b.Rebuild(paths); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if d := againstFresh(t, b); d != "" {
			t.Fatalf("step %d (%s of %v): %s", step, name, paths, d)
		}
	}
}

// againstFresh compares a builder's snapshot with its output folder and
// with what a builder starting from nothing makes of the same articles
// (given the same state file): "" when all three agree.
func againstFresh(t *testing.T, b *Builder) string {
	t.Helper()
	got := snapshotBytes(b.Current())
	if err := sameAsFolder(b.cfg.OutDir, got); err != nil {
		return "output folder differs from the snapshot: " + err.Error()
	}
	freshCfg := b.cfg
	freshCfg.OutDir = t.TempDir()
	state, err := os.ReadFile(filepath.Join(b.cfg.OutDir, StateFile))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(freshCfg.OutDir, StateFile), state, 0o644))
	if d := diffFiles(got, snapshotBytes(build(t, freshCfg).Current())); d != "" {
		return "incremental and fresh builds differ: " + d
	}
	return ""
}

// Two new files that want one address, in one batch of changes: the first
// by path has it, the other a hashed one, as a fresh build gives; when one
// goes, the other keeps (or takes back) its own page.
func TestIncrementalBatchClash(t *testing.T) {
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "b.md", "B\n---\n2020-01-01\n\nb\n")
	b := build(t, cfg)
	writeArticle(t, cfg.ArticlesDir, "a.md", "A md\n---\n2020-01-02\n\nmd\n")
	writeArticle(t, cfg.ArticlesDir, "a.txt", "A txt\n---\n2020-01-03\n\ntxt\n")
	for _, step := range []struct {
		what   string
		change func()
		paths  []string
	}{
		{"a.md and a.txt at once", func() {}, []string{"a.txt", "a.md"}},
		{"a.txt deleted", func() { must(t, os.Remove(filepath.Join(cfg.ArticlesDir, "a.txt"))) }, []string{"a.txt"}},
		{"a.txt back, a.md deleted", func() {
			writeArticle(t, cfg.ArticlesDir, "a.txt", "A txt\n---\n2020-01-03\n\ntxt\n")
			must(t, os.Remove(filepath.Join(cfg.ArticlesDir, "a.md")))
		}, []string{"a.md", "a.txt"}},
	} {
		step.change()
		if _, err := b.Rebuild(step.paths); err != nil {
			t.Fatal(err)
		}
		if d := againstFresh(t, b); d != "" {
			t.Fatalf("%s: %s", step.what, d)
		}
		for _, a := range b.lib.list {
			if b.Current().File(PagePath(a.Slug)) == nil {
				t.Fatalf("%s: %s is listed without its page", step.what, a.Path)
			}
		}
	}
}

// sameAsFolder compares the files of a snapshot with the output folder.
func sameAsFolder(dir string, files map[string][]byte) error {
	onDisk := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == StateFile {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		onDisk[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		return err
	}
	if d := diffFiles(onDisk, files); d != "" {
		return fmt.Errorf("%s", d)
	}
	return nil
}

// diffFiles describes how two sets of files differ, "" when they do not.
func diffFiles(got, want map[string][]byte) string {
	var d []string
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range got {
			if !yield(n) {
				return
			}
		}
		for n := range want {
			if _, ok := got[n]; !ok && !yield(n) {
				return
			}
		}
	}) {
		g, okg := got[name]
		w, okw := want[name]
		switch {
		case !okw:
			d = append(d, name+" is extra")
		case !okg:
			d = append(d, name+" is missing")
		case !bytes.Equal(g, w):
			d = append(d, fmt.Sprintf("%s differs:\n%s\nwant:\n%s", name, g, w))
		}
	}
	return strings.Join(d, "; ")
}

// TestStateJournal: the state file gets a line per changed record, not the
// whole history, and a restart reads the lines back, a later line winning
// and a damaged one costing nothing else.
func TestStateJournal(t *testing.T) {
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	clock := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	cfg.Now = func() time.Time { return clock }
	for i := range 20 {
		writeArticle(t, cfg.ArticlesDir, fmt.Sprintf("p%02d.md", i), fmt.Sprintf("Post %d\n---\n2020-01-%02d\n\nBody.\n", i, i+1))
	}
	b := build(t, cfg)
	statePath := filepath.Join(cfg.OutDir, StateFile)
	lines := func() []string {
		data, err := os.ReadFile(statePath)
		must(t, err)
		return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	}
	if n := len(lines()); n != 20 {
		t.Fatalf("first write: %d lines, want one per article (20)", n)
	}
	// An edit appends one line; a deletion appends a "gone" line.
	edited := filepath.Join(cfg.ArticlesDir, "p03.md")
	writeArticle(t, cfg.ArticlesDir, "p03.md", "Post 3\n---\n2020-01-04\n\nBody, edited.\n")
	modTime := time.Date(2024, 3, 2, 8, 0, 0, 0, time.UTC)
	must(t, os.Chtimes(edited, modTime, modTime))
	if _, err := b.Rebuild([]string{"p03.md"}); err != nil {
		t.Fatal(err)
	}
	must(t, os.Remove(filepath.Join(cfg.ArticlesDir, "p05.md")))
	if _, err := b.Rebuild([]string{"p05.md"}); err != nil {
		t.Fatal(err)
	}
	l := lines()
	if len(l) != 22 || !strings.Contains(l[20], `"path":"p03.md"`) || !strings.Contains(l[20], `"updated":"2024-03-02T08:00:00Z"`) ||
		l[21] != `{"path":"p05.md","gone":true}` {
		t.Fatalf("after an edit and a deletion the journal ends with:\n%s", strings.Join(l[18:], "\n"))
	}
	// A damaged line (a write cut short) costs only itself.
	f, err := os.OpenFile(statePath, os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = f.WriteString(`{"path":"p07.md","hash":"00`)
	must(t, err)
	must(t, f.Close())

	again := build(t, cfg)
	var updated time.Time
	for _, a := range again.lib.list {
		if a.Path == "p03.md" {
			updated = a.Updated
		}
		if a.Path == "p05.md" {
			t.Error("a deleted article came back")
		}
		if a.Path != "p03.md" && !a.Updated.Equal(a.Published) {
			t.Errorf("%s: updated %v, want its published date %v", a.Path, a.Updated, a.Published)
		}
	}
	if !updated.Equal(modTime) {
		t.Errorf("p03.md after a restart: updated %v, want the edit's time %v", updated, modTime)
	}
	// The restart wrote the file whole again: one line per article, sorted.
	l = lines()
	if len(l) != 19 || !slices.IsSorted(l) {
		t.Errorf("after a restart: %d lines (want 19), sorted %v", len(l), slices.IsSorted(l))
	}
}

// TestStateFileHashes: a state file written by earlier versions, whose
// lines had the whole SHA-256 of each file or its start, is read as well as
// one with the XXH3-128 the records keep now: the files whose bytes it
// names keep its "updated" date (to the nanosecond), a file whose bytes
// changed gets a later one, and a damaged hash costs only its own line.
// It is written again with XXH3-128.
func TestStateFileHashes(t *testing.T) {
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	texts := map[string]string{
		"whole.md":   "Whole\n---\n2020-01-01\n\nBody.\n",
		"start.md":   "Start\n---\n2020-01-02\n\nBody.\n",
		"changed.md": "Changed\n---\n2020-01-03\n\nBody.\n",
		"long.md":    "Long\n---\n2020-01-04\n\nBody.\n",
		"short.md":   "Short\n---\n2020-01-05\n\nBody.\n",
		"nothex.md":  "Not hex\n---\n2020-01-06\n\nBody.\n",
		"xxh3.md":    "XXH3\n---\n2020-01-07\n\nBody.\n",
		// This version's record, whose hash is the start of the bytes'
		// SHA-256: only an earlier version's record is read that way, so
		// these bytes changed.
		"xxh3sha.md": "XXH3 SHA\n---\n2020-01-08\n\nBody.\n",
	}
	for name, text := range texts {
		writeArticle(t, cfg.ArticlesDir, name, text)
	}
	// A file that fails keeps its earlier version's record as it was.
	writeArticle(t, cfg.ArticlesDir, "binary.md", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00")
	mod := time.Date(2024, 6, 1, 9, 30, 0, 0, time.UTC)
	must(t, os.Chtimes(filepath.Join(cfg.ArticlesDir, "changed.md"), mod, mod))
	must(t, os.Chtimes(filepath.Join(cfg.ArticlesDir, "xxh3sha.md"), mod, mod))
	hexOf := func(text string) string {
		sum := sha256.Sum256([]byte(text))
		return hex.EncodeToString(sum[:])
	}
	xxh3Of := func(text string) string {
		sum := xxh3.Hash128([]byte(text)).Bytes()
		return "xxh3:" + hex.EncodeToString(sum[:])
	}
	stamped := time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.UTC)
	state := fmt.Sprintf(`{"path":"whole.md","hash":"%s","updated":"2024-05-01T10:00:00.123456789Z"}
{"path":"start.md","hash":"%s","updated":"2024-05-01T10:00:00.123456789Z"}
{"path":"changed.md","hash":"%s","updated":"2024-05-01T10:00:00.123456789Z"}
{"path":"long.md","hash":"%s00","updated":"2024-05-01T10:00:00Z"}
{"path":"short.md","hash":"%s","updated":"2024-05-01T10:00:00Z"}
{"path":"nothex.md","hash":"%s","updated":"2024-05-01T10:00:00Z"}
{"path":"xxh3.md","hash":"%s","updated":"2024-05-01T10:00:00.123456789Z"}
{"path":"xxh3sha.md","hash":"xxh3:%s","updated":"2024-05-01T10:00:00.123456789Z"}
{"path":"binary.md","hash":"%s","updated":"2024-05-01T10:00:00Z"}
`, hexOf(texts["whole.md"]), hexOf(texts["start.md"])[:32], hexOf("Changed\n---\n2020-01-03\n\nOld body.\n"),
		hexOf(texts["long.md"]), hexOf(texts["short.md"])[:30], strings.Repeat("zz", 16), xxh3Of(texts["xxh3.md"]),
		hexOf(texts["xxh3sha.md"])[:32], hexOf("Binary, once text\n")[:32])
	must(t, os.MkdirAll(cfg.OutDir, 0o755))
	must(t, os.WriteFile(filepath.Join(cfg.OutDir, StateFile), []byte(state), 0o644))
	b := build(t, cfg)
	// A hash that is neither (too long, too short, not hex) is no record:
	// that file's updated date is its date.
	date := func(day int) time.Time { return time.Date(2020, 1, day, 0, 0, 0, 0, time.UTC) }
	want := map[string]time.Time{"whole.md": stamped, "start.md": stamped, "changed.md": mod,
		"long.md": date(4), "short.md": date(5), "nothex.md": date(6), "xxh3.md": stamped, "xxh3sha.md": mod}
	for _, a := range b.lib.list {
		if !a.Updated.Equal(want[a.Path]) {
			t.Errorf("%s: updated %v, want %v", a.Path, a.Updated, want[a.Path])
		}
		delete(want, a.Path)
	}
	if len(want) != 0 {
		t.Errorf("not published: %v", want)
	}
	// Written whole again, each hash XXH3-128.
	data, err := os.ReadFile(filepath.Join(cfg.OutDir, StateFile))
	must(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != len(texts)+1 {
		t.Errorf("%d lines in the state file, want %d", len(lines), len(texts)+1)
	}
	for _, line := range lines {
		var l stateLine
		must(t, json.Unmarshal([]byte(line), &l))
		if l.Path == "binary.md" {
			// Not parsed since: still the earlier version's hash, and
			// written so (an earlier version reads it right).
			if want := hexOf("Binary, once text\n")[:32]; l.Hash != want {
				t.Errorf("%s: hash %q in the state file, want %q", l.Path, l.Hash, want)
			}
			continue
		}
		if l.Hash != xxh3Of(texts[l.Path]) {
			t.Errorf("%s: hash %q in the state file, want %q", l.Path, l.Hash, xxh3Of(texts[l.Path]))
		}
		if (l.Path == "whole.md" || l.Path == "start.md" || l.Path == "xxh3.md") && !l.Updated.Equal(stamped) {
			t.Errorf("%s: updated %v in the state file, want %v", l.Path, l.Updated, stamped)
		}
	}
}

// TestStateJournalCompacts: once replaced lines outnumber the live records,
// the state file is written whole again.
func TestStateJournalCompacts(t *testing.T) {
	h := newHistory("", nil)
	keep := func(string) bool { return true }
	lines := func(paths []string) int {
		var b bytes.Buffer
		must(t, h.write(&b, paths, func(string) (keptArticle, bool) { return keptArticle{}, false }))
		return bytes.Count(b.Bytes(), []byte("\n"))
	}
	a := &Article{Path: "a.md", Published: time.Unix(0, 0).UTC()}
	h.stamp(a, nil, [16]byte{1}, time.Unix(10, 0))
	paths, whole := h.journal(keep)
	if !whole {
		t.Fatal("the first write of a run is not whole")
	}
	h.written(lines(paths), whole, true)
	for i := range 1100 {
		b := &Article{Path: "a.md", Published: time.Unix(0, 0).UTC()}
		h.stamp(b, nil, [16]byte{byte(i), byte(i >> 8), 2}, time.Unix(int64(20+i), 0))
		paths, whole = h.journal(keep)
		if whole {
			if i < 1024 {
				t.Fatalf("written whole after %d appended lines for 1 record", i)
			}
			if n := lines(paths); n != 1 {
				t.Fatalf("whole file of 1 record has %d lines", n)
			}
			return
		}
		if n := lines(paths); n != 1 {
			t.Fatalf("one changed record gave %d lines", n)
		}
		h.written(lines(paths), whole, true)
	}
	t.Fatal("never written whole")
}

// A file that lost a clash and is broken when the clash goes keeps its last
// good version as it was, and its failure is told once, not on every
// rebuild that lists everything again.
func TestBrokenClashLoserToldOnce(t *testing.T) {
	cfg, logs := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "a.md", "A md\n---\n2020-01-02\n\nmd\n")
	writeArticle(t, cfg.ArticlesDir, "a.txt", "A txt\n---\n2020-01-03\n\ntxt\n")
	b := build(t, cfg)
	writeArticle(t, cfg.ArticlesDir, "a.txt", "---\ntitle: [unclosed\n---\nbroken\n")
	must(t, os.Remove(filepath.Join(cfg.ArticlesDir, "a.md")))
	for range 3 {
		if _, err := b.Rebuild(nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(logs.matching("a.txt", "last good version stays")); n != 1 {
		t.Errorf("the broken file was reported %d times, want once:\n%s", n, logs)
	}
	if f := b.Current().File(PagePath("a-" + shortHash("a.txt"))); f == nil || !bytes.Contains(f.Body(), []byte("txt")) {
		t.Error("the last good version of the broken file is not published as it was")
	}
}

// TestGoneAndBackBeforeListing: a path whose file went and came back (as
// another article) between two listings leaves the list with its new
// article only: what the list held for it is what it held when the path
// first changed.
func TestGoneAndBackBeforeListing(t *testing.T) {
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "a.md", "Old\n---\n2020-01-01\n\nOne.\n")
	writeArticle(t, cfg.ArticlesDir, "b.md", "Other\n---\n2020-01-02\n\nTwo.\n")
	b := build(t, cfg)
	l := b.lib
	l.put("a.md", nil) // seen gone: a rebuild that stopped here lists nothing
	writeArticle(t, cfg.ArticlesDir, "a.md", "New\n---\n2020-01-03\n\nThree.\n")
	files, unread, err := l.scan("a.md")
	must(t, err)
	l.update("a.md", files, unread, nil, nil)
	got := l.articles()
	var titles []string
	for _, a := range got.list {
		titles = append(titles, a.Title)
	}
	if !slices.Equal(titles, []string{"New", "Other"}) {
		t.Errorf("listed %q, want [New Other]", titles)
	}
	if len(got.removed) != 1 || got.removed[0].Title != "Old" {
		t.Errorf("removed %d articles, want the old one", len(got.removed))
	}
}

// TestScanFinds: a walk finds the article files of the folder and its
// folders, each folder's by name as filepath.WalkDir gives them (a folder's
// files where its name sorts), with their paths relative to the
// articles folder, whether it is of all of it or of one folder; it enters
// no folder whose name is ignored, nor the output folder. A walk of an
// articles folder that is not there fails.
func TestScanFinds(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.md", "a/z.md", "a/b/c.md", "a/notes.json", "a.md",
		".drafts/hidden.md", "old~/backup.md", "#tmp#/x.md", "out/articles/page.md", "z/.x.md"} {
		writeArticle(t, dir, name, "T\n---\n2020-01-01\n\nBody.\n")
	}
	l := &library{dir: dir, entries: map[string]*entry{}, skip: "out"}
	rels := func(rel string) []string {
		files, unread, err := l.scan(rel)
		must(t, err)
		if len(unread) > 0 {
			t.Errorf("scan(%q): unread %q", rel, unread)
		}
		var got []string
		for _, f := range files {
			got = append(got, f.rel)
		}
		return got
	}
	if got, want := rels(""), []string{"a/b/c.md", "a/z.md", "a.md", "b.md"}; !slices.Equal(got, want) {
		t.Errorf("scan of all found %q, want %q", got, want)
	}
	if got, want := rels("a"), []string{"a/b/c.md", "a/z.md"}; !slices.Equal(got, want) {
		t.Errorf("scan of a found %q, want %q", got, want)
	}
	if got, want := rels("a/z.md"), []string{"a/z.md"}; !slices.Equal(got, want) {
		t.Errorf("scan of a/z.md found %q, want %q", got, want)
	}
	gone := &library{dir: filepath.Join(dir, "nothing"), entries: map[string]*entry{}}
	if _, _, err := gone.scan(""); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("scan of a folder that is not there: error %v, want one that it is not", err)
	}
}

// A folder the walk of the whole articles folder cannot read keeps the
// articles it had (SPEC: a file that cannot be read never removes an
// article): the walk lists none of its files, and they are not taken for
// gone. Its files are left out here as an unreadable folder leaves them
// out (root reads any folder; TestUnreadableFolderKeepsArticles has the
// real one).
func TestUnreadFolderKeepsArticles(t *testing.T) {
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "top.md", "Top\n---\n2020-01-01\n\nOne.\n")
	writeArticle(t, cfg.ArticlesDir, "sub/in.md", "Inside\n---\n2020-01-02\n\nTwo.\n")
	writeArticle(t, cfg.ArticlesDir, "sub/deeper/more.md", "Deeper\n---\n2020-01-03\n\nThree.\n")
	writeArticle(t, cfg.ArticlesDir, "subway.md", "Subway\n---\n2020-01-04\n\nFour.\n")
	b := build(t, cfg)
	l := b.lib
	listed := func() []string {
		var titles []string
		for _, a := range l.articles().list {
			titles = append(titles, a.Title)
		}
		slices.Sort(titles)
		return titles
	}
	os.Remove(filepath.Join(cfg.ArticlesDir, "subway.md")) // gone for real: a name that starts like the folder's
	files, _, err := l.scan("")
	must(t, err)
	files = slices.DeleteFunc(files, func(f found) bool { return strings.HasPrefix(f.rel, "sub/") })
	l.update("", files, []string{"sub"}, nil, nil)
	if got, want := listed(), []string{"Deeper", "Inside", "Top"}; !slices.Equal(got, want) {
		t.Errorf("with sub unread, listed %q, want %q", got, want)
	}
	// Readable again, and one of its files gone meanwhile: that one goes.
	os.Remove(filepath.Join(cfg.ArticlesDir, "sub", "in.md"))
	files, unread, err := l.scan("")
	must(t, err)
	l.update("", files, unread, nil, nil)
	if got, want := listed(), []string{"Deeper", "Top"}; !slices.Equal(got, want) {
		t.Errorf("with sub read again, listed %q, want %q", got, want)
	}
}

// The same with a folder whose permissions shut it: a full build keeps its
// articles and says why it could not read it, and so does a restart. Root reads it all the same,
// so this runs only for another user.
func TestUnreadableFolderKeepsArticles(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads a folder of mode 0 all the same")
	}
	cfg, logs := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "top.md", "Top\n---\n2020-01-01\n\nOne.\n")
	writeArticle(t, cfg.ArticlesDir, "sub/in.md", "Inside\n---\n2020-01-02\n\nTwo.\n")
	b := build(t, cfg)
	sub := filepath.Join(cfg.ArticlesDir, "sub")
	must(t, os.Chmod(sub, 0))
	t.Cleanup(func() { os.Chmod(sub, 0o755) })
	if _, err := b.Build(); err != nil {
		t.Fatal(err)
	}
	if f := b.Current().File(PagePath("sub/in")); f == nil || !bytes.Contains(b.Current().File(JSONFile).Body(), []byte("Inside")) {
		t.Errorf("the article in the unreadable folder went:\n%s", logs)
	}
	if n := len(logs.matching("article skipped", sub, "permission denied")); n != 1 {
		t.Errorf("%d skip lines naming the folder, want 1:\n%s", n, logs)
	}
	// A restart with the folder still shut: the same.
	b = build(t, cfg)
	if f := b.Current().File(PagePath("sub/in")); f == nil || !bytes.Contains(b.Current().File(JSONFile).Body(), []byte("Inside")) {
		t.Errorf("after a restart, the article in the unreadable folder went:\n%s", logs)
	}
}

// A failure of the clock (the render budget ran out on a busy machine) is
// not held against the same bytes: read again, they are parsed again.
func TestBudgetFailureParsedAgain(t *testing.T) {
	cfg, logs := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "a.md", "Title\n---\n2020-01-01\n\n[a](b)\n")
	saved := renderBudget
	renderBudget = -time.Second
	b := build(t, cfg)
	renderBudget = saved
	if got := titles(items(t, b.Current())); len(got) != 0 {
		t.Fatalf("with no budget: %q published", got)
	}
	if _, err := b.Rebuild([]string{"a.md"}); err != nil { // as for a touch
		t.Fatal(err)
	}
	if got := titles(items(t, b.Current())); !slices.Equal(got, []string{"Title"}) {
		t.Errorf("read again with the budget back: %q, want [Title]:\n%s", got, logs)
	}
}

// The same failing bytes read again (an event with nothing changed) are
// not reported again.
func TestSameFailureSaidOnce(t *testing.T) {
	cfg, logs := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "bad.md", "---\ntitle: [unclosed\n---\n\nx\n")
	b := build(t, cfg)
	for range 3 {
		if _, err := b.Rebuild([]string{"bad.md"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(logs.matching("article skipped", "bad.md")); n != 1 {
		t.Errorf("%d skip lines for bad.md read four times, want 1:\n%s", n, logs)
	}
}

// Two article files that are hard links of one: an edit through one name
// makes an event for that name alone, and the other is read again with it.
func TestHardLinkedArticlesFollowEachOther(t *testing.T) {
	cfg, _ := testConfig(t, "http://127.0.0.1/")
	writeArticle(t, cfg.ArticlesDir, "base.md", "Base\n---\n2020-01-01\n\nv1\n")
	writeArticle(t, cfg.ArticlesDir, "other.md", "Other\n---\n2020-01-02\n\nx\n")
	must(t, os.MkdirAll(filepath.Join(cfg.ArticlesDir, "sub"), 0o755))
	must(t, os.Link(filepath.Join(cfg.ArticlesDir, "base.md"), filepath.Join(cfg.ArticlesDir, "sub", "alias.md")))
	b := build(t, cfg)
	must(t, os.WriteFile(filepath.Join(cfg.ArticlesDir, "base.md"), []byte("Base\n---\n2020-01-01\n\nv2\n"), 0o644))
	if _, err := b.Rebuild([]string{"base.md"}); err != nil { // the watcher's event names base.md alone
		t.Fatal(err)
	}
	for _, page := range []string{"base", "sub/alias"} {
		f := b.Current().File(PagePath(page))
		if f == nil || !bytes.Contains(f.Body(), []byte("v2")) {
			t.Errorf("%s: not the edited version", page)
		}
	}
}

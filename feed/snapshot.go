package feed

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/hex"
	"io"
	"iter"
	"maps"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	brrr "github.com/molecule-man/go-brrr"
	"github.com/zeebo/xxh3"
)

// Snapshot is one complete published state: every output file, by its path
// relative to the output folder. It is never changed once built; a rebuild
// makes a new one and swaps it in whole.
type Snapshot struct {
	files *fileSet
	Stats Stats
}

// File is the output file at name (a path relative to the output folder),
// nil if there is none.
func (s *Snapshot) File(name string) *File { return s.files.get(name) }

// Files are every output file and its name, in no particular order.
func (s *Snapshot) Files() iter.Seq2[string, *File] { return s.files.all }

// fileShards is how many parts a fileSet is split into.
const fileShards = 256

// fileSet is the files of a snapshot by name, split by a hash of the name
// into parts that snapshots share: a rebuild that changes a few of 100,000
// files copies only the parts those are in. No part is changed once a
// snapshot holding it is published.
type fileSet struct {
	shards [fileShards]map[string]*File
}

func shardOf(name string) int {
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(name); i++ {
		h = (h ^ uint32(name[i])) * 16777619
	}
	return int(h % fileShards)
}

// all yields every file and its name, in no particular order.
func (s *fileSet) all(yield func(string, *File) bool) {
	if s == nil {
		return
	}
	for _, m := range s.shards {
		for name, f := range m {
			if !yield(name, f) {
				return
			}
		}
	}
}

func (s *fileSet) get(name string) *File {
	if s == nil {
		return nil
	}
	return s.shards[shardOf(name)][name]
}

// with is the set with changes made: each name gets its file, or is
// removed for a nil one. s itself does not change.
func (s *fileSet) with(changes map[string]*File) *fileSet {
	n := &fileSet{}
	if s != nil {
		n.shards = s.shards
	}
	var copied [fileShards]bool
	for name, f := range changes {
		i := shardOf(name)
		if !copied[i] {
			n.shards[i], copied[i] = maps.Clone(n.shards[i]), true
			if n.shards[i] == nil {
				n.shards[i] = map[string]*File{}
			}
		}
		if f == nil {
			delete(n.shards[i], name)
		} else {
			n.shards[i][name] = f
		}
	}
	return n
}

// put adds a file to a set that is new (made by with, and not yet in a
// snapshot), in a part of it that with made or that nobody had yet.
func (s *fileSet) put(name string, f *File) {
	i := shardOf(name)
	if s.shards[i] == nil {
		s.shards[i] = map[string]*File{}
	}
	s.shards[i][name] = f
}

// File is one output: its bytes and what HTTP serves with them.
//
// There is one for each of 100,000 pages: it keeps only what it must, as
// compactly as it can (the name and not its type, the bytes of the ETag,
// the date in seconds), and points to nothing of its own once its page is
// in the output folder.
type File struct {
	name string   // in the snapshot and the output folder, slash-separated
	sum  [16]byte // of the bytes: the ETag
	mod  int64    // when these bytes were first published, in Unix seconds
	Size int      // of the bytes, uncompressed

	// The bytes, or nil for a compacted file (an article page, or a big
	// index), whose bytes are held compressed until the output folder has
	// them, then read from there (a page) or for good (an index: zipped).
	// Read them with Body.
	body   []byte
	held   atomic.Pointer[[]byte]     // a compacted file's bytes, gzipped: while the folder may not have them, or for good
	stored atomic.Pointer[storedCopy] // where the folder has a compacted file's bytes

	adopted bool // the output folder had the bytes already (known to the builder alone)
	zipped  bool // a compacted file whose held bytes are kept for good (a big index)

	once sync.Once
	p    *prepared // made by prepare, never for a compacted file
}

// prepared is what serving a file that is not compacted needs, made once.
type prepared struct {
	gzip []byte // nil when compressing does not pay
	// The identity and gzip representations, with their response headers
	// made once, so that serving a file allocates nothing of its own.
	plain, zipped representation

	// Brotli, made when a client first asks for it (see File.brotli).
	brOnce sync.Once
	br     []byte // nil when it is no smaller than gzip
	brotli representation
}

// representation is one encoding of a file as the handler sends it.
type representation struct {
	body   []byte // nil for a compacted file: see File.Body and File.Gzip
	coding string // the Content-Encoding: "" (identity), "gzip" or "br"
	sized  bool   // header has the Content-Length
	etag   string
	header []headerField // of a 200 response
	notMod []headerField // of a 304 response
}

// headerField is one response header, in the form fasthttp copies from.
// Its bytes are shared by every response that sends it and never changed.
type headerField struct {
	key   []byte // canonical form
	value []byte
}

// contentTypes of the feeds; every other output is an HTML page.
var contentTypes = map[string]string{
	RSSFile:  "application/rss+xml; charset=utf-8",
	AtomFile: "application/atom+xml; charset=utf-8",
	JSONFile: "application/feed+json; charset=utf-8",
}

// newFile wraps the bytes of an output. prev is the file published before at
// the same path, if any: equal bytes keep it (and its date), so
// Last-Modified only moves when the bytes change, and never backwards.
func newFile(name string, body []byte, prev *File, now time.Time) *File {
	sum := sumOf(body)
	mod := now.UTC().Truncate(time.Second)
	if prev != nil {
		lost := false
		if prev.sum == sum {
			old := prev.Body()
			if old != nil && bytes.Equal(old, body) {
				return prev
			}
			lost = old == nil
		}
		switch {
		case lost:
			// Gone from the output folder, and made again: the ETag,
			// a hash, says they are the same bytes, so the same date.
			mod = prev.ModTime()
		case !mod.After(prev.ModTime()):
			mod = prev.ModTime().Add(time.Second)
		}
	}
	return &File{name: name, body: body, sum: sum, mod: mod.Unix(), Size: len(body)}
}

// ModTime is when the file's bytes were first published (in seconds, UTC).
func (f *File) ModTime() time.Time { return time.Unix(f.mod, 0).UTC() }

// Type is the file's Content-Type.
func (f *File) Type() string {
	if t, ok := contentTypes[f.name]; ok {
		return t
	}
	return "text/html; charset=utf-8"
}

// Body is the file's bytes. A compacted file's are uncompressed again, or
// read from the output folder, and are nil if neither has them any more
// (someone removed or changed the file in the folder). The result must not
// be changed.
func (f *File) Body() []byte {
	if f.body != nil {
		return f.body
	}
	if z := f.held.Load(); z != nil {
		return uncompress(*z)
	}
	c := f.stored.Load()
	if c != nil {
		if b := f.readCopy(f.storedPath(c)); b != nil {
			return b
		}
	}
	// The disk writer holds the bytes again before it replaces them: a
	// read that lost that race finds them here.
	if z := f.held.Load(); z != nil {
		return uncompress(*z)
	}
	if c != nil {
		c.d.missing(f.name)
	}
	return nil
}

// readCopy reads the file's bytes from p, nil unless they are its own.
func (f *File) readCopy(p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil || len(b) != f.Size || sumOf(b) != f.sum {
		return nil
	}
	return b
}

// sumOf is the hash a file is known by (its ETag, the state file's record
// of an article's bytes, and how a copy of a page is checked): XXH3's 128
// bits, which tell apart any bytes not made to collide, at some 50 times
// the speed of SHA-256 here (0.09 µs for a page of 7.5 KB against 4.4).
func sumOf(body []byte) [16]byte { return xxh3.Hash128(body).Bytes() }

// ETag is the file's strong validator, from its bytes alone.
func (f *File) ETag() string { return f.etag("") }

func (f *File) etag(suffix string) string { return `"` + hex.EncodeToString(f.sum[:]) + suffix + `"` }

// pageLevel compresses compacted files, for keeping and for serving: one
// level, so that their gzip representation is the same bytes every time.
const pageLevel = gzip.BestSpeed

// compact keeps only the compressed bytes of a file that is seldom asked
// for (an article page): with 100,000 articles the pages would otherwise be
// most of the memory. Once the output folder has the file (stored), not
// even those are kept. Only for a new file, before anyone else holds it.
func (f *File) compact() {
	z := gzipped(f.body, pageLevel)
	f.held.Store(&z)
	f.body = nil
}

// compacted reports whether the file keeps its bytes compressed or in the
// output folder only (an article page, a zipped index).
func (f *File) compacted() bool { return f.body == nil && f.Size > 0 }

// storedCopy is where the output folder has a compacted file's bytes, and
// whom to tell when they are not there.
type storedCopy struct {
	d    *disk
	temp uint64 // the temporary file that has them, before it is renamed; 0 once the file is in place (then it is d.placed, shared)
}

// tempFile is the temporary file that has the bytes of a file not yet
// renamed into place, 0 if none.
func (f *File) tempFile() uint64 {
	if c := f.stored.Load(); c != nil {
		return c.temp
	}
	return 0
}

// storedPath is where c says the file's bytes are.
func (f *File) storedPath(c *storedCopy) string {
	if c.temp != 0 {
		return c.d.tempPath(f.name, c.temp)
	}
	return c.d.path(f.name)
}

// storedAt records that the output folder of d has a compacted file's bytes
// (at its name, or in the temporary file temp): they are read from there
// from now on.
func (f *File) storedAt(d *disk, temp uint64) {
	if f.compacted() {
		c := d.placed
		if temp != 0 {
			c = &storedCopy{d, temp}
		}
		f.stored.Store(c)
		if !f.zipped {
			f.held.Store(nil)
		}
	}
}

// zipAbove is the size above which the index is kept only gzipped (a
// variable for the tests).
var zipAbove = 4 << 20

// zip readies a big file that changes seldom and is asked for now and then
// (the index of 27,000 articles or more: 15 MB at 100,000, a twelfth of
// that gzipped) to be kept only compressed, for good: gzip clients are
// then served those bytes as they are, others have them uncompressed per
// request. The builder then stores it at once, which drops the
// uncompressed bytes (or, for an index the output folder has already,
// drops them itself). Only for a new file, before anyone else holds it.
func (f *File) zip() {
	z := gzipped(f.body, pageLevel)
	f.held.Store(&z)
	f.zipped = true
}

// hold keeps a compacted file's bytes in memory again, before the output
// folder's copy is replaced or removed: snapshots still being served may
// need them. It reports false when they are lost.
func (f *File) hold() bool {
	if !f.compacted() || f.held.Load() != nil {
		return true
	}
	var b []byte
	if c := f.stored.Load(); c != nil {
		b = f.readCopy(f.storedPath(c)) // without a report: the caller deals with the loss
	}
	if b == nil {
		return false
	}
	z := gzipped(b, pageLevel)
	f.held.Store(&z)
	return true
}

// gzippers and gunzippers keep compressors for reuse: each one allocates
// about a megabyte, far more than a page.
var (
	gzippers   [gzip.BestCompression + 1]sync.Pool
	gunzippers sync.Pool
)

// compress gzips body at level (DefaultCompression or higher), nil when that
// is not smaller.
func compress(body []byte, level int) []byte {
	if z := gzipped(body, level); len(z) < len(body) {
		return z
	}
	return nil
}

// gzipped is body gzipped at level (DefaultCompression or higher).
func gzipped(body []byte, level int) []byte {
	pool := &gzippers[max(level, 0)]
	var b bytes.Buffer
	zw, _ := pool.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(&b, level)
	} else {
		zw.Reset(&b)
	}
	zw.Write(body)
	zw.Close()
	pool.Put(zw)
	return bytes.Clone(b.Bytes()) // not the buffer's spare capacity
}

// uncompress undoes compress.
func uncompress(z []byte) []byte {
	zr := gunzipper(z)
	// The gzip trailer ends with the length; compress never makes one of 4 GiB.
	body := make([]byte, binary.LittleEndian.Uint32(z[len(z)-4:]))
	if _, err := io.ReadFull(zr, body); err != nil {
		panic("feed: bytes compressed here do not uncompress: " + err.Error()) // a bug
	}
	gunzippers.Put(zr)
	return body
}

// gunzipper is a reader of z, compressed here, from gunzippers.
func gunzipper(z []byte) *gzip.Reader {
	zr, _ := gunzippers.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(z))
	} else {
		err = zr.Reset(bytes.NewReader(z))
	}
	if err != nil {
		panic("feed: bytes compressed here do not uncompress: " + err.Error()) // a bug
	}
	return zr
}

// unzipping reads a zipped file's bytes, uncompressed as they are read; its
// Close (which fasthttp calls once the body is sent) gives back the
// decompressor.
func (f *File) unzipping() io.ReadCloser {
	return &unzipper{gunzipper(*f.held.Load())} // a zipped file holds them for good
}

type unzipper struct{ *gzip.Reader }

func (u *unzipper) Close() error {
	if u.Reader != nil {
		gunzippers.Put(u.Reader)
		u.Reader = nil
	}
	return nil
}

// Gzip is the body compressed, made on first use and kept for the life of
// the file; nil when it would not be smaller (or, for a compacted file,
// when its bytes are lost). A compacted file's is made again each time, the
// same bytes, unless held.
func (f *File) Gzip() []byte {
	if f.compacted() {
		if z := f.held.Load(); z != nil {
			return *z
		}
		if b := f.Body(); b != nil {
			return gzipped(b, pageLevel)
		}
		return nil
	}
	f.prepare()
	return f.p.gzip
}

// gzipETag and brETag are the ETags of the compressed representations: a
// different representation needs a different strong validator.
func (f *File) gzipETag() string { return f.etag("-gz") }
func (f *File) brETag() string   { return f.etag("-br") }

// representations are the identity and gzip encodings of the file, the
// second nil when compressing does not pay. A compacted file's are made for
// each request, without their bodies (Body and Gzip give them; the length
// of its gzip encoding is known only then): 100,000 pages asked for once
// each must not each keep their headers.
func (f *File) representations() (plain, zipped *representation) {
	if f.compacted() {
		lastMod := f.ModTime().Format(http.TimeFormat)
		p := f.representation(nil, f.Size, f.ETag(), "", lastMod)
		z := f.representation(nil, -1, f.gzipETag(), "gzip", lastMod)
		return &p, &z
	}
	f.prepare()
	if f.p.gzip != nil {
		return &f.p.plain, &f.p.zipped
	}
	return &f.p.plain, nil
}

// mayBrotli reports whether the file may have a brotli representation: one
// held in memory that gzip makes smaller (never a compacted file, kept
// gzipped). Only after representations.
func (f *File) mayBrotli() bool { return f.p != nil && f.p.gzip != nil }

// brotli is the brotli representation of a file that mayBrotli, made the
// first time a client asks for it, then kept with the file; nil when it is
// no smaller than gzip. Not made with the build: with the collector's
// work and a cold encoder (its tables go back to the system between
// rebuilds) it added 19 ms to every rebuild of 10,000 articles
// (bench/latency.sh). The first client to ask (and any asking meanwhile)
// waits instead: 3.5-8 ms for a feed of 200 KB, and 19-26 ms of
// compressing for the index of 10,000 articles (1.7 MB; gzip's default
// level takes 11 ms there), once per version of the file.
func (f *File) brotli() *representation {
	p := f.p
	p.brOnce.Do(func() {
		if p.br = brotliCompress(f.body, len(p.gzip)); p.br != nil {
			p.brotli = f.representation(p.br, len(p.br), f.brETag(), "br", f.ModTime().Format(http.TimeFormat))
		}
	})
	if p.br == nil {
		return nil
	}
	return &p.brotli
}

// brotliQuality and brotliWindow are how brotli compresses: quality 6
// with a window of 64 KB (2^16). On a feed of 200 KB that takes about 1 ms
// with a warm encoder, 3-4 ms with a cold one (as after the collections
// between rebuilds), and 2 MB of memory, for bytes within 1% of the
// default window's (4 MB, which costs 11 MB and 30 ms to set up). Quality
// 9 gives 1-2% fewer bytes for 33 MB; 11 takes 35-42 ms a feed for 12-13%
// fewer.
const (
	brotliQuality = 6
	brotliWindow  = 16
)

// prepare compresses the body and makes the response headers of each
// representation, once per file: the feeds when they are built (readers
// poll them), other files when first asked for.
func (f *File) prepare() {
	f.once.Do(func() {
		// The best compression costs 40 ms on the 1.8 MB index of 10,000
		// articles, for 10% fewer bytes: files that big get the default.
		level := gzip.BestCompression
		if f.Size > 1<<20 {
			level = gzip.DefaultCompression
		}
		p := &prepared{gzip: compress(f.body, level)}
		lastMod := f.ModTime().Format(http.TimeFormat)
		p.plain = f.representation(f.body, f.Size, f.ETag(), "", lastMod)
		if p.gzip != nil {
			p.zipped = f.representation(p.gzip, len(p.gzip), f.gzipETag(), "gzip", lastMod)
		}
		f.p = p
	})
}

// brotliCompress is body in brotli, nil unless that is shorter than under
// bytes.
func brotliCompress(body []byte, under int) []byte {
	var b bytes.Buffer
	b.Grow(under)
	w, err := brrr.NewWriterOptions(&b, brotliQuality, brrr.WriterOptions{LGWin: brotliWindow, SizeHint: uint(len(body))})
	if err != nil {
		panic("feed: brotli settings refused: " + err.Error()) // a bug
	}
	w.Write(body) // a bytes.Buffer takes all
	w.Close()
	if b.Len() >= under {
		return nil
	}
	return bytes.Clone(b.Bytes())
}

func (f *File) representation(body []byte, size int, etag, encoding, lastMod string) representation {
	one := func(key, value string) headerField { return headerField{[]byte(key), []byte(value)} }
	common := []headerField{
		one("ETag", etag),
		one("Cache-Control", "public, max-age=60"),
		one("Vary", "Accept-Encoding"),
	}
	r := representation{body: body, coding: encoding, sized: size >= 0, etag: etag, notMod: common}
	r.header = append(r.header, common...)
	r.header = append(r.header, one("Content-Type", f.Type()), one("Last-Modified", lastMod))
	if size >= 0 {
		r.header = append(r.header, one("Content-Length", strconv.Itoa(size)))
	}
	if encoding != "" {
		r.header = append(r.header, one("Content-Encoding", encoding))
	}
	return r
}

package feed

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"path"
	"sync"
	"time"
)

// Snapshot is one complete published state: every output file, by its path
// relative to the output folder. It is never changed once built; a rebuild
// makes a new one and swaps it in whole.
type Snapshot struct {
	Files map[string]*File
	Stats Stats
}

// File is one output: its bytes and what HTTP serves with them.
type File struct {
	Body    []byte
	ETag    string    // strong, from the bytes alone
	ModTime time.Time // when these bytes were first published
	Type    string    // Content-Type

	gzipOnce sync.Once
	gzip     []byte // nil when compressing does not pay
}

var contentTypes = map[string]string{
	".xml":  "application/xml; charset=utf-8",
	".json": "application/feed+json; charset=utf-8",
	".html": "text/html; charset=utf-8",
}

// newFile wraps the bytes of an output. prev is the file published before at
// the same path, if any: equal bytes keep it (and its date), so
// Last-Modified only moves when the bytes change, and never backwards.
func newFile(name string, body []byte, prev *File, now time.Time) *File {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	if prev != nil && prev.ETag == etag && bytes.Equal(prev.Body, body) {
		return prev
	}
	mod := now.UTC().Truncate(time.Second)
	if prev != nil && !mod.After(prev.ModTime) {
		mod = prev.ModTime.Add(time.Second)
	}
	typ := contentTypes[path.Ext(name)]
	switch name {
	case RSSFile:
		typ = "application/rss+xml; charset=utf-8"
	case AtomFile:
		typ = "application/atom+xml; charset=utf-8"
	}
	return &File{Body: body, ETag: etag, ModTime: mod, Type: typ}
}

// Gzip is the body compressed, made on first use and kept for the life of
// the file; nil when it would not be smaller.
func (f *File) Gzip() []byte {
	f.gzipOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(f.Body)
		zw.Close()
		if b.Len() < len(f.Body) {
			f.gzip = b.Bytes()
		}
	})
	return f.gzip
}

// GzipETag is the ETag of the compressed representation: a different
// representation needs a different strong validator.
func (f *File) GzipETag() string { return f.ETag[:len(f.ETag)-1] + `-gz"` }

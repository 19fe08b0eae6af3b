package feed

import (
	"bytes"
	"net/http"
	"strings"
	"time"
)

// Handler serves the current snapshot: only GET and HEAD, only the files of
// the snapshot (never a directory listing, a dot-file or anything outside
// it), with strong ETags, Last-Modified, conditional requests and gzip.
//
// The common requests (a plain or conditional GET or HEAD) are answered from
// headers prepared once per file, without allocating; requests with Range,
// If-Match, If-Unmodified-Since or If-Range go through http.ServeContent,
// which has the rules for them.
func Handler(current func() *Snapshot) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
			return
		}
		f := lookup(current(), r.URL.Path)
		if f == nil {
			http.NotFound(w, r)
			return
		}
		f.prepare()
		rep := &f.plain
		if f.zipped.present && acceptsGzip(r.Header["Accept-Encoding"]) {
			rep = &f.zipped
		}
		h := w.Header()
		body := rep.body // nil for a compacted page asked for without gzip
		if rare(r.Header) {
			for _, hf := range rep.header {
				if hf.key != "Content-Length" { // ServeContent knows the length of a range
					h[hf.key] = hf.value
				}
			}
			if body == nil {
				body = f.Body()
			}
			http.ServeContent(w, r, "", f.ModTime, bytes.NewReader(body))
			return
		}
		if notModified(r.Header, rep.etag, f.ModTime) {
			for _, hf := range rep.notMod {
				h[hf.key] = hf.value
			}
			w.WriteHeader(http.StatusNotModified)
			return
		}
		for _, hf := range rep.header {
			h[hf.key] = hf.value
		}
		if r.Method != http.MethodHead {
			if body == nil {
				body = f.Body()
			}
			w.Write(body)
		}
	})
}

// lookup finds the file a request path names in snap.
func lookup(snap *Snapshot, p string) *File {
	name, ok := fileName(p)
	if !ok || snap == nil {
		return nil
	}
	return snap.File(name)
}

// fileName maps a request path to a snapshot file name. Paths with empty,
// "." or ".." segments, or any segment that starts with a dot, map to
// nothing.
func fileName(p string) (string, bool) {
	if p == "/" {
		return IndexFile, true
	}
	name, ok := strings.CutPrefix(p, "/")
	if !ok || strings.IndexByte(name, 0) >= 0 {
		return "", false
	}
	for rest := name; ; {
		seg, more, found := strings.Cut(rest, "/")
		if seg == "" || seg[0] == '.' {
			return "", false
		}
		if !found {
			return name, true
		}
		rest = more
	}
}

// rare reports whether a request asks for something the fast path leaves to
// http.ServeContent: a range, or a precondition other than If-None-Match
// and If-Modified-Since.
func rare(h http.Header) bool {
	return len(h["Range"]) > 0 || len(h["If-Match"]) > 0 || len(h["If-Unmodified-Since"]) > 0 || len(h["If-Range"]) > 0
}

// notModified applies If-None-Match, or when there is none If-Modified-Since,
// as http.ServeContent does for GET and HEAD.
func notModified(h http.Header, etag string, modTime time.Time) bool {
	if inm := h["If-None-Match"]; len(inm) > 0 {
		for _, v := range inm {
			if etagListMatches(v, etag) {
				return true
			}
		}
		return false
	}
	ims := h["If-Modified-Since"]
	if len(ims) == 0 || modTime.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims[0])
	return err == nil && !modTime.Truncate(time.Second).After(t)
}

// etagListMatches reports whether a list of entity tags (or "*") matches
// etag by the weak comparison If-None-Match uses.
func etagListMatches(list, etag string) bool {
	etag = strings.TrimPrefix(etag, "W/")
	for {
		list = strings.TrimLeft(list, " \t,")
		if list == "" {
			return false
		}
		if list[0] == '*' {
			return true
		}
		list = strings.TrimPrefix(list, "W/")
		if list == "" || list[0] != '"' {
			return false // malformed: stop, as ServeContent does
		}
		end := strings.IndexByte(list[1:], '"')
		if end < 0 {
			return false
		}
		if list[:end+2] == etag {
			return true
		}
		list = list[end+2:]
	}
}

// acceptsGzip reads Accept-Encoding: an explicit "gzip" decides, with
// "gzip;q=0" a refusal; otherwise "*" does.
func acceptsGzip(values []string) bool {
	star := false
	for _, v := range values {
		for v != "" {
			var part string
			part, v, _ = strings.Cut(v, ",")
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.TrimSpace(coding)
			switch {
			case strings.EqualFold(coding, "gzip"):
				return !zeroQ(params)
			case coding == "*":
				star = !zeroQ(params)
			}
		}
	}
	return star
}

// zeroQ reports whether coding parameters say q=0 (0, 0.0, 0.00 or 0.000).
func zeroQ(params string) bool {
	params = strings.TrimSpace(params)
	if len(params) < 2 || (params[0] != 'q' && params[0] != 'Q') {
		return false
	}
	q := strings.TrimSpace(params[1:])
	q, ok := strings.CutPrefix(q, "=")
	if !ok {
		return false
	}
	q = strings.TrimSpace(q)
	if q == "" || q[0] != '0' {
		return false
	}
	return strings.Trim(q[1:], ".0") == "" && strings.Count(q, ".") <= 1
}

// NewServer is an HTTP server for h with timeouts that cut off slow or idle
// clients.
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
}

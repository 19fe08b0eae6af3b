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
func Handler(current func() *Snapshot) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
			return
		}
		snap := current()
		name, ok := fileName(r.URL.Path)
		var f *File
		if ok && snap != nil {
			f = snap.Files[name]
		}
		if f == nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.Type)
		h.Set("Cache-Control", "public, max-age=60")
		h.Set("Vary", "Accept-Encoding")
		body, etag := f.Body, f.ETag
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			if gz := f.Gzip(); gz != nil {
				body, etag = gz, f.GzipETag()
				h.Set("Content-Encoding", "gzip")
			}
		}
		h.Set("ETag", etag)
		http.ServeContent(w, r, "", f.ModTime, bytes.NewReader(body))
	})
}

// fileName maps a request path to a snapshot file name. Paths with empty,
// "." or ".." segments, or any segment that starts with a dot, map to
// nothing.
func fileName(p string) (string, bool) {
	if p == "/" {
		return IndexFile, true
	}
	name, ok := strings.CutPrefix(p, "/")
	if !ok || strings.ContainsRune(name, 0) {
		return "", false
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg[0] == '.' {
			return "", false
		}
	}
	return name, true
}

// acceptsGzip reads Accept-Encoding, honouring "gzip;q=0" as a refusal.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") && strings.TrimSpace(coding) != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
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

package feed

import (
	"bytes"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"
	"unsafe"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"
)

// Handler serves the current snapshot: only GET and HEAD, only the files of
// the snapshot (never a directory listing, a dot-file or anything outside
// it), with strong ETags, Last-Modified, conditional requests, gzip and
// brotli.
//
// The common requests (a plain or conditional GET or HEAD) for the feeds
// and the index are answered from headers prepared once per file, without
// allocating; article pages are read from the output folder per request,
// and an index kept only gzipped (see File.zip) is uncompressed as it is
// sent to a client that does not take gzip.
// Requests with Range, If-Match, If-Unmodified-Since or If-Range go through
// http.ServeContent, which has the rules for them.
func Handler(current func() *Snapshot) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		req, res := &ctx.Request.Header, &ctx.Response.Header
		head := req.IsHead()
		if !head && !req.IsGet() {
			res.Set("Allow", "GET, HEAD")
			textError(ctx, "405 method not allowed", fasthttp.StatusMethodNotAllowed)
			return
		}
		p, ok := requestPath(req.RequestURI())
		if !ok {
			textError(ctx, "400 bad request", fasthttp.StatusBadRequest)
			return
		}
		f := lookup(current(), p) // the one snapshot this response comes from
		if f == nil {
			textError(ctx, "404 page not found", fasthttp.StatusNotFound)
			return
		}
		rep, zipped := f.representations()
		best, withoutBr := chooseCoding(req.PeekAll("Accept-Encoding"), zipped != nil, f.mayBrotli())
		if best == brCoding {
			if br := f.brotli(); br != nil {
				rep = br
			} else {
				best = withoutBr // brotli did not pay
			}
		}
		if best == gzipCoding {
			rep = zipped
		}
		if rare(req) {
			serveContent(ctx, f, rep)
			return
		}
		if notModified(req, rep.etag, f.ModTime()) {
			setHeader(res, rep.notMod)
			res.SetStatusCode(fasthttp.StatusNotModified)
			return
		}
		body := rep.body // nil for a compacted page
		if body == nil && !head && rep.coding == "" && f.zipped {
			// The index of 100,000 articles is 18 MB: uncompressed as it
			// is sent, not held whole (a Range or precondition request,
			// answered by serveContent below, still has it whole).
			setHeader(res, rep.header)
			ctx.Response.SetBodyStream(f.unzipping(), f.Size)
			return
		}
		// A HEAD of a page not held (read from the output folder) reads
		// it too, so that it answers as a GET would when the page is
		// gone; of the index kept gzipped, it needs nothing.
		if body == nil && (!head || !rep.sized || !f.zipped) {
			if body = rep.load(f); body == nil {
				missing(ctx)
				return
			}
		}
		setHeader(res, rep.header)
		if !rep.sized {
			res.SetContentLength(len(body))
		}
		if !head { // a HEAD response keeps the Content-Length set above
			ctx.Response.SetBodyRaw(body) // never changed: shared by every response
		}
	}
}

// load gives the body of a representation that does not hold it (only a
// compacted file's: identity or gzip).
func (r *representation) load(f *File) []byte {
	if r.coding == "gzip" {
		return f.Gzip()
	}
	return f.Body()
}

func setHeader(h *fasthttp.ResponseHeader, fields []headerField) {
	for _, hf := range fields {
		h.SetCanonical(hf.key, hf.value)
	}
}

// textError answers with a short plain text message, as http.Error does.
func textError(ctx *fasthttp.RequestCtx, msg string, code int) {
	h := &ctx.Response.Header
	h.SetContentType("text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.SetStatusCode(code)
	ctx.Response.SetBodyString(msg + "\n")
}

// serveContent answers a rare request with http.ServeContent, through
// fasthttp's adaptor to net/http, so that ranges and preconditions follow
// the standard library's rules exactly.
func serveContent(ctx *fasthttp.RequestCtx, f *File, rep *representation) {
	body := rep.body
	if body == nil {
		if body = rep.load(f); body == nil {
			missing(ctx)
			return
		}
	}
	fasthttpadaptor.NewFastHTTPHandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, hf := range rep.header {
			if k := string(hf.key); k != "Content-Length" { // ServeContent knows the length of a range
				h.Set(k, string(hf.value))
			}
		}
		http.ServeContent(w, r, "", f.ModTime(), bytes.NewReader(body))
	})(ctx)
}

// missing answers for a page whose bytes the output folder lost (someone
// removed or changed it there): the builder makes it again shortly.
func missing(ctx *fasthttp.RequestCtx) {
	textError(ctx, "503 page missing from the output folder: it is being made again", fasthttp.StatusServiceUnavailable)
	ctx.Response.Header.Set("Retry-After", "3")
}

// requestPath is the path of a request target, unescaped as net/http's
// URL.Path is but not cleaned: fileName refuses what cleaning would hide.
// The result may share target's bytes, so it must not outlive the request.
func requestPath(target []byte) (string, bool) {
	t := b2s(target)
	if i := strings.IndexByte(t, '?'); i >= 0 {
		t = t[:i]
	}
	if !strings.HasPrefix(t, "/") {
		// The absolute form (http://host/path) names a path after its host;
		// anything else (such as "*") names no file.
		if _, rest, ok := strings.Cut(t, "://"); ok {
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				t = rest[i:]
			}
		}
	}
	if strings.IndexByte(t, '%') < 0 {
		return t, true
	}
	p, err := url.PathUnescape(t)
	return p, err == nil
}

// b2s is b as a string without a copy; b must not change while it is used.
func b2s(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

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
func rare(h *fasthttp.RequestHeader) bool {
	return h.Peek("Range") != nil || h.Peek("If-Match") != nil || h.Peek("If-Unmodified-Since") != nil || h.Peek("If-Range") != nil
}

// notModified applies If-None-Match, or when there is none If-Modified-Since,
// as http.ServeContent does for GET and HEAD.
func notModified(h *fasthttp.RequestHeader, etag string, modTime time.Time) bool {
	if inm := h.PeekAll("If-None-Match"); len(inm) > 0 {
		for _, v := range inm {
			if etagListMatches(b2s(v), etag) {
				return true
			}
		}
		return false
	}
	ims := h.Peek("If-Modified-Since")
	if ims == nil || modTime.IsZero() {
		return false
	}
	t, err := http.ParseTime(string(ims))
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

// coding is a content coding a response may have.
type coding int

const (
	identityCoding coding = iota
	gzipCoding
	brCoding
)

// chooseCoding reads Accept-Encoding and picks, among the codings the file
// has, the one the client weighs highest (best), and the one it would be
// without brotli (for a file whose brotli turns out no smaller than its
// gzip); brotli when it ties with gzip (it is the smaller), identity when
// the client accepts neither, or names identity with a higher weight. A
// coding the client does not name has the weight of "*", or none when "*"
// is not named either; q=0 refuses it. Identity is never refused: it is
// what the handler has when nothing else is accepted. The first mention of
// a coding counts; "x-gzip" is gzip (RFC 9110, 8.4.1.3).
func chooseCoding(values [][]byte, hasGzip, hasBr bool) (best, withoutBr coding) {
	gz, br, star, id := -1, -1, -1, -1
	for _, b := range values {
		for v := b2s(b); v != ""; {
			var part string
			part, v, _ = strings.Cut(v, ",")
			name, params, _ := strings.Cut(part, ";")
			switch name = strings.TrimSpace(name); {
			case gz < 0 && (strings.EqualFold(name, "gzip") || strings.EqualFold(name, "x-gzip")):
				gz = weight(params)
			case br < 0 && strings.EqualFold(name, "br"):
				br = weight(params)
			case star < 0 && name == "*":
				star = weight(params)
			case id < 0 && strings.EqualFold(name, "identity"):
				id = weight(params)
			}
		}
	}
	if gz < 0 {
		gz = star
	}
	if br < 0 {
		br = star
	}
	withoutBr = identityCoding
	if hasGzip && gz > 0 && gz >= id {
		withoutBr = gzipCoding
	}
	if hasBr && br > 0 && br >= id && (br >= gz || !hasGzip) {
		return brCoding, withoutBr
	}
	return withoutBr, withoutBr
}

// weight is the q parameter of a coding, in thousandths: 1000 without
// one. A q that is not a valid number counts as 1000, so that only a
// clear zero (0, 0.0, 0.00 or 0.000) refuses.
func weight(params string) int {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		key, value, ok := strings.Cut(p, "=")
		if ok && strings.EqualFold(strings.TrimSpace(key), "q") {
			return qvalue(strings.TrimSpace(value))
		}
	}
	return 1000
}

// qvalue reads "0", "0.5", "1.000" and the like (RFC 9110's qvalue) as
// thousandths; anything else is 1000.
func qvalue(s string) int {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 1000
	}
	n := int(s[0]-'0') * 1000
	if len(s) > 1 {
		if s[1] != '.' {
			return 1000
		}
		for i, scale := 2, 100; i < len(s); i, scale = i+1, scale/10 {
			if s[i] < '0' || s[i] > '9' {
				return 1000
			}
			n += int(s[i]-'0') * scale
		}
	}
	return min(n, 1000)
}

// NewServer is an HTTP server for h with timeouts that cut off slow or idle
// clients, and a limit on the size of a request's headers.
func NewServer(h fasthttp.RequestHandler) *fasthttp.Server {
	return &fasthttp.Server{
		Handler: h,
		// The whole request, headers included, must arrive within
		// ReadTimeout: a client trickling its headers is cut off.
		ReadTimeout:  5 * time.Second,
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  60 * time.Second,
		// The read buffer bounds the request line and headers: more is
		// answered 431.
		ReadBufferSize: 32 << 10,
		// GET and HEAD have no body: one sent along is never read whole.
		StreamRequestBody:     true,
		LazyRequestTime:       true, // the handler never asks: no clock read per request
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		CloseOnShutdown:       true,
		// Paths are read raw by requestPath, never normalized; no forms.
		DisablePreParseMultipartForm: true,
		// A client's malformed request is answered, not logged: it is not
		// dropfeed's error, and a log line each would let anyone flood
		// the log.
		Logger:    quiet{},
		ConnState: yieldWhenIdle,
	}
}

// yieldWhenIdle lets the other connections' goroutines run once a response
// is sent, before this connection reads its next request. Read at once,
// the socket is still empty (the client has not even had the response),
// so Go's net package makes a read that fails with EAGAIN and parks the
// goroutine until the poller wakes it: a system call and a poll per
// request. By the time the others have been served, the client has
// usually sent the next request, which is then read in one call.
// Measured with 32 connections on one core: reads per 304 response went
// from 2.00 to 1.02, and requests a second rose by 9-13% (bench/RESULTS.md);
// on two cores, 304s rose by 11% and identity stayed about the same. With
// one connection there is nothing else to run and the yield returns at
// once. (fasthttp also calls it when a response is held back to go out
// with the next of pipelined requests: a yield for nothing.)
func yieldWhenIdle(_ net.Conn, state fasthttp.ConnState) {
	if state == fasthttp.StateIdle {
		runtime.Gosched()
	}
}

type quiet struct{}

func (quiet) Printf(string, ...any) {}

package feed

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/valyala/fasthttp"
)

// hostileSkips are the corpus files that must be skipped, each with a word
// its log line must hold. Every other file must be published, but for the
// few in hostileHeavy, which may also be skipped as too complex when the
// machine (or the race detector) makes them slow.
var hostileSkips = map[string]string{
	"binary.md":                "binary",
	"png-header.md":            "binary",
	"control-chars.md":         "binary",
	"empty.md":                 "empty",
	"whitespace-only.md":       "empty",
	"front-matter-unclosed.md": "closing ---",
	"yaml-bomb-tags.md":        "tag must be a word",
	"yaml-list.md":             "not a map",
	"yaml-scalar.md":           "not a map",
	"yaml-invalid.md":          "front matter",
	"yaml-duplicate-keys.md":   "already defined",
	"yaml-self-alias.md":       "front matter",
	"yaml-tabs.md":             "front matter",
	"yaml-wrong-types.md":      "front matter",
	"brackets-bomb.md":         "too complex",
	// Made by the test: they cannot live in git.
	"huge.md":        "limit",
	"passwd.md":      "outside the articles folder",
	"loop.md":        "symbolic link",
	"loop-a.md":      "symbolic link",
	"dangling.md":    "symbolic link",
	"y.md":           "not a regular file",
	"socket.md":      "not a regular file",
	"parent-link.md": "outside the articles folder",
}

var hostileHeavy = map[string]bool{
	"table.md": true, "nested-quotes.md": true, "nested-quotes-spaced.md": true, "nested-lists.md": true,
	"emphasis.md": true, "backticks.md": true, "brackets.md": true, "html-nesting.md": true,
	"reference-links.md": true, "long-line.md": true, "many-tags.md": true, "brackets-links.md": true,
}

// hostileTitles are titles some corpus files must come out with.
var hostileTitles = map[string]string{
	"bom-utf8.md":                "BOM title",
	"bom-twice.md":               "Two BOMs",
	"utf16le-bom.md":             "UTF-16 LE title é",
	"utf16be-bom.md":             "UTF-16 BE title",
	"utf32le-bom.md":             "UTF-32 title",
	"crlf.md":                    "CRLF title",
	"lone-cr.md":                 "Lone CR title",
	"mixed-endings.md":           "Mixed endings",
	"control-in-front-matter.md": "Ctl title",
	"cdata.md":                   "CDATA ]]> in title",
	"date-year0.md":              "Year zero",
	"date-9999.md":               "Year 9999",
	"date-1900.md":               "Year 1900",
	"date-1969.md":               "Before epoch",
	"hash-only.md":               "hash only",
	"alias.md":                   "Aliased",
}

// hostileNames are file names that become titles (the files have none).
var hostileNames = []string{"new\nline.md", "bad\xff\xfeutf8.md", "ctl\x01\x1b.md", "\x01\x02.md", "---.md",
	"<script>alert(1)<\\script>.md", "quote\"amp&.md", strings.Repeat("long", 60) + ".md", " spaces .md"}

const hostileNameBody = "body of a file with a hostile name"

// hostileFolder fills dir with the corpus, good articles between them, and
// the hostile files git cannot hold: a file over the size limit, symbolic
// links out of the folder and in loops, a FIFO, a socket, a file without
// read permission and a folder named like an article.
func hostileFolder(t *testing.T, dir string, light bool) (good []string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join("testdata", "hostile"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) < 40 {
		t.Fatalf("the hostile corpus has %d files, want at least 40", len(ents))
	}
	for _, e := range ents {
		if light && hostileHeavy[e.Name()] {
			continue
		}
		b, err := os.ReadFile(filepath.Join("testdata", "hostile", e.Name()))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644))
	}
	for i := range 5 {
		title := fmt.Sprintf("Good article %d", i)
		good = append(good, title)
		must(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("good-%d.md", i)), []byte(article(title, "Fine *text*.")), 0o644))
	}
	huge := bytes.Repeat([]byte("word "), (MaxArticleSize+1)/5+1)[:MaxArticleSize+1]
	must(t, os.WriteFile(filepath.Join(dir, "huge.md"), huge, 0o644))
	if !light {
		// Minutes of goldmark's time without the render budget.
		must(t, os.WriteFile(filepath.Join(dir, "brackets-bomb.md"), []byte(article("Bomb", strings.Repeat("[a](", 100000))), 0o644))
	}
	// 30,000 lines of text, then a million "@" in code: minutes when each
	// text looked at every "@" (linkableText, in review), which runs outside
	// the render budget; while watching, "After the storm" then never comes.
	// It must be published, in both folders: it parses in 0.4 s here with
	// -race, far within the budget (300,000 lines and 600,000 "@" took
	// 2.9 s, and CI once skipped them).
	good = append(good, "At signs in code")
	at := strings.Repeat("a\n", 30000) + "\n```\n" + strings.Repeat("@", 1000000) + "\n```"
	must(t, os.WriteFile(filepath.Join(dir, "at-signs.md"), []byte(article("At signs in code", at)), 0o644))
	must(t, os.Symlink("/etc/passwd", filepath.Join(dir, "passwd.md")))
	outside := filepath.Join(t.TempDir(), "outside.md")
	must(t, os.WriteFile(outside, []byte(article("Outside", "x")), 0o644))
	must(t, os.Symlink(outside, filepath.Join(dir, "parent-link.md")))
	must(t, os.Symlink("loop.md", filepath.Join(dir, "loop.md")))
	must(t, os.Symlink("loop-b.md", filepath.Join(dir, "loop-a.md")))
	must(t, os.Symlink("loop-a.md", filepath.Join(dir, "loop-b.md")))
	must(t, os.Symlink("nowhere.md", filepath.Join(dir, "dangling.md")))
	must(t, os.WriteFile(filepath.Join(dir, "target.data"), []byte(article("Aliased", "x")), 0o644))
	must(t, os.Symlink("target.data", filepath.Join(dir, "alias.md"))) // inside: followed
	must(t, os.Symlink("/etc", filepath.Join(dir, "etc")))             // a folder link: not walked
	must(t, syscall.Mkfifo(filepath.Join(dir, "y.md"), 0o644))
	if ln, err := net.Listen("unix", filepath.Join(dir, "socket.md")); err == nil {
		t.Cleanup(func() { ln.Close() })
	} else {
		hostileSkipsMissing(t, "socket.md", err)
	}
	for _, name := range hostileNames {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte("# \n\n"+hostileNameBody+"\n"), 0o644))
	}
	must(t, os.MkdirAll(filepath.Join(dir, "x.md"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "x.md", "inner.md"), []byte(article("Inside x.md", "x")), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "unreadable.md"), []byte(article("Unreadable", "x")), 0o000))
	if os.Geteuid() != 0 {
		hostileSkips["unreadable.md"] = "permission denied"
	} // root reads it all the same: then it is published like any other
	return good
}

func hostileSkipsMissing(t *testing.T, name string, err error) {
	t.Logf("%s not made (%v): not tested", name, err)
	delete(hostileSkips, name)
}

var skipLine = regexp.MustCompile(`msg="article skipped" file=("(?:[^"\\]|\\.)*"|\S+) reason=("(?:[^"\\]|\\.)*"|\S+)`)

// The hostile corpus, read at start and again while watching: no panic, no
// hang, one log line naming each skipped file and why, feeds still valid
// with every good article present, nothing unsafe let through.
func TestHostileCorpus(t *testing.T) {
	var good []string
	w := startWatch(t, func(dir string) { good = hostileFolder(t, dir, false) }, nil)
	w.settle()
	checkHostile(t, w, "", good, false)

	// The same files arriving while the watcher runs, in a sub-folder; a
	// FIFO must not block it. The slow ones were shown above: left out, to
	// keep the test quick.
	sub := w.path("live")
	must(t, os.MkdirAll(sub, 0o755))
	hostileFolder(t, sub, true)
	w.put("after.md", article("After the storm", "x")) // the watcher still works
	for i := 0; !bytes.Contains(w.b.Current().File(JSONFile).Body(), []byte("After the storm")); i++ {
		if i == 3000 {
			t.Fatalf("the article written after the hostile files never came:\n%s", w.logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.settle()
	checkHostile(t, w, "live/", good, true)
}

func checkHostile(t *testing.T, w *watched, prefix string, good []string, light bool) {
	t.Helper()
	// One skip line per skipped file, naming it and saying why.
	skipped := map[string][]string{}
	for _, m := range skipLine.FindAllStringSubmatch(w.logs.String(), -1) {
		if name, err := strconv.Unquote(m[1]); err == nil {
			m[1] = name // slog quotes names with odd characters
		}
		rel, err := filepath.Rel(w.dir, m[1])
		must(t, err)
		skipped[filepath.ToSlash(rel)] = append(skipped[filepath.ToSlash(rel)], m[2])
	}
	for name, why := range hostileSkips {
		if light && name == "brackets-bomb.md" {
			continue
		}
		lines := skipped[prefix+name]
		if len(lines) != 1 || !strings.Contains(lines[0], why) {
			t.Errorf("%s%s: want one skip line saying %q, got %q; its lines:\n%s", prefix, name, why, lines, strings.Join(w.logs.matching(prefix+name), "\n"))
		}
	}
	s := w.b.Current()
	var doc struct{ Items []jsonItem }
	must(t, json.Unmarshal(s.File(JSONFile).Body(), &doc))
	published := map[string]int{} // titles, and how many articles have each
	for _, it := range doc.Items {
		published[it.Title]++
		if it.Title == "" || !utf8.ValidString(it.Title) || strings.ContainsFunc(it.Title, xmlForbidden) {
			t.Errorf("title %q: empty, not UTF-8 or not fit for XML", it.Title)
		}
	}
	named := 0
	for _, it := range doc.Items {
		if strings.Contains(it.Content, hostileNameBody) {
			named++
		}
	}
	if want := len(hostileNames) * (1 + strings.Count(prefix, "/")); named != want {
		t.Errorf("%d articles with hostile names published, want %d", named, want)
	}
	for _, title := range good { // in the folder, and again in live/ once it is there
		if n, want := published[title], 1+strings.Count(prefix, "/"); n != want {
			t.Errorf("good article %q published %d times, want %d", title, n, want)
		}
	}
	for name, title := range hostileTitles {
		if _, ok := published[title]; !ok {
			t.Errorf("%s: no article titled %q", name, title)
		}
	}
	ents, _ := os.ReadDir(filepath.Join("testdata", "hostile"))
	for _, e := range ents {
		name := prefix + e.Name()
		if _, skip := hostileSkips[e.Name()]; skip || e.Name() == "draft-only.md" {
			continue
		}
		lines := skipped[name]
		if len(lines) > 0 && !(hostileHeavy[e.Name()] && len(lines) == 1 && strings.Contains(lines[0], "too complex")) {
			t.Errorf("%s skipped: %q", name, lines)
		}
	}
	if _, ok := published["Outside"]; ok {
		t.Error("a symbolic link out of the articles folder was followed")
	}
	if _, ok := published["Inside x.md"]; !ok {
		t.Error("the article inside the folder named x.md is missing")
	}

	// Every output valid, nothing unsafe in it.
	for name, f := range s.Files() {
		switch {
		case name == RSSFile || name == AtomFile:
			if err := wellFormedXML(f.Body()); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		case strings.HasSuffix(name, ".html"):
			// The article's part of the page: the template around it has
			// its own <meta> and <style>.
			body := string(f.Body())
			body = body[strings.Index(body, "<main>"):strings.Index(body, "</main>")]
			if bad := unsafeHTML(body); bad != "" {
				t.Errorf("%s holds %s", name, bad)
			}
		}
	}
	for _, name := range []string{RSSFile, AtomFile, JSONFile} {
		feed, err := gofeed.NewParser().ParseString(string(s.File(name).Body()))
		if err != nil {
			t.Errorf("gofeed cannot read %s: %v", name, err)
			continue
		}
		if len(feed.Items) != len(doc.Items) {
			t.Errorf("%s has %d items, the JSON feed %d", name, len(feed.Items), len(doc.Items))
		}
		for _, it := range feed.Items {
			if bad := unsafeHTML(it.Content); bad != "" {
				t.Errorf("%s: %q holds %s", name, it.Title, bad)
			}
		}
	}
	if st := s.Stats; st.Published != len(doc.Items) {
		t.Errorf("stats say %d published, the feed has %d", st.Published, len(doc.Items))
	}
}

// A FIFO that appears while watching does not block a rebuild; nor does a
// file whose reading never ends (a FIFO with a writer that never closes).
func TestHostileFIFOWhileWatching(t *testing.T) {
	w := startWatch(t, nil, nil)
	w.exactly()
	must(t, syscall.Mkfifo(w.path("pipe.md"), 0o644))
	// A writer that holds the FIFO open, so a blocking read would wait for
	// ever.
	done := make(chan struct{})
	go func() {
		f, err := os.OpenFile(w.path("pipe.md"), os.O_WRONLY, 0)
		if err == nil {
			<-done
			f.Close()
		}
	}()
	t.Cleanup(func() {
		close(done)
		if r, err := os.OpenFile(w.path("pipe.md"), os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			r.Close() // unblocks the writer's open if it never happened
		}
	})
	w.put("after.md", article("After the pipe", "x"))
	w.exactly("After the pipe")
	for range 300 {
		if len(w.logs.matching("article skipped", "pipe.md", "not a regular file")) == 1 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("no skip line for the FIFO:\n%s", w.logs)
}

// Markdown over its time budget is an error that says why; quotes nested
// past the cap are flattened, not refused.
func TestHostileRenderBudget(t *testing.T) {
	saved := renderBudget
	renderBudget = 0 // everything is too complex
	defer func() { renderBudget = saved }()
	_, _, err := Parse(Source{Path: "a.md", Data: []byte(article("T", "[x](y)")), ModTime: fuzzModTime}, ParseOptions{BaseURL: fuzzBase, Loc: time.UTC})
	if !errors.Is(err, errTooComplex) {
		t.Fatalf("want errTooComplex, got %v", err)
	}
	renderBudget = saved
	a, _, err := Parse(Source{Path: "a.md", Data: []byte(article("T", "> "+strings.Repeat(">", 100000)+" deep")), ModTime: fuzzModTime}, ParseOptions{BaseURL: fuzzBase, Loc: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if depth := strings.Count(a.HTML, "<blockquote>"); depth != maxQuoteDepth {
		t.Errorf("quotes nested %d deep, want the cap of %d", depth, maxQuoteDepth)
	}
}

// serveOn serves b's snapshots on a real listener on 127.0.0.1 with
// NewServer's settings, changed by tune if given, until the test ends.
func serveOn(t *testing.T, b *Builder, tune func(*fasthttp.Server)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	srv := NewServer(Handler(b.Current))
	if tune != nil {
		tune(srv)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		// A connection the client dialled for a request that another one
		// took sends nothing: shutting down would wait for its read
		// timeout (5 s: one run of TestServeBrotliAtOnce in 20 took that,
		// none of 40 once idle connections were closed first).
		client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.ShutdownWithContext(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		// A test that ends at once may shut down before Serve took the
		// listener: closing it ends that Serve too.
		ln.Close()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

func builtWith(t *testing.T, n int) (*Builder, Config) {
	t.Helper()
	cfg, _ := robustConfig(t)
	must(t, os.MkdirAll(cfg.ArticlesDir, 0o755))
	for i := range n {
		must(t, os.WriteFile(filepath.Join(cfg.ArticlesDir, fmt.Sprintf("a%02d.md", i)), []byte(article(fmt.Sprintf("A%d", i), "x")), 0o644))
	}
	b, err := NewBuilder(cfg)
	must(t, err)
	_, err = b.First()
	must(t, err)
	return b, cfg
}

// rawRequest sends req as it is and reads one response.
func rawRequest(t *testing.T, addr, req string) (status int, body string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	must(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	// A server that answers before reading the whole request (431 to
	// headers too big) and closes makes the rest of the write fail: its
	// answer is read all the same, from what arrived before.
	_, werr := io.WriteString(c, req)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil && werr != nil {
		return 0, ""
	}
	if err != nil {
		t.Fatalf("%.80q: %v", req, err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A client that trickles its headers is cut off by the server's timeouts.
func TestHostileHTTPSlowClient(t *testing.T) {
	srv := NewServer(nil)
	// ReadTimeout covers the request's headers: fasthttp sets the deadline
	// once, when a request begins, and not again per byte.
	if srv.ReadTimeout <= 0 || srv.ReadTimeout > 10*time.Second ||
		srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.ReadBufferSize <= 0 || srv.ReadBufferSize > 1<<20 {
		t.Errorf("NewServer lacks timeouts or a header limit: %+v", srv)
	}
	b, _ := builtWith(t, 1)
	// The same server with the read timeout shortened, so the test need
	// not wait the five seconds.
	addr := serveOn(t, b, func(s *fasthttp.Server) { s.ReadTimeout = 200 * time.Millisecond })
	c, err := net.Dial("tcp", addr)
	must(t, err)
	defer c.Close()
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, c) // until the server closes the connection
		close(closed)
	}()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
	for i := range 200 { // one byte every 50 ms: 10 s at most
		select {
		case <-closed:
			t.Logf("cut off after %d trickled bytes", i)
			return
		case <-time.After(50 * time.Millisecond):
			c.Write([]byte("a"))
		}
	}
	t.Fatal("a client trickling its headers was never cut off")
}

// 1,000 connections reading the feeds while 100 rebuilds change them: every
// body is one whole version, the one its ETag names.
func TestHostileHTTPConcurrentRebuilds(t *testing.T) {
	b, cfg := builtWith(t, 20)
	addr := serveOn(t, b, nil)
	paths := []string{"/" + JSONFile, "/" + RSSFile, "/" + IndexFile, "/articles/a00.html"}
	var mu sync.Mutex
	versions := map[string]bool{} // name, ETag and hash of the bytes
	record := func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range paths {
			f := b.Current().File(strings.TrimPrefix(p, "/"))
			versions[fmt.Sprintf("%s %s %x", p, f.ETag(), sha256.Sum256(f.Body()))] = true
		}
	}
	record()

	type seen struct{ key, problem string }
	results := make([][]seen, 1000)
	var rebuilding atomic.Bool
	rebuilding.Store(true)
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	ready.Add(len(results))
	for i := range results {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			ready.Done()
			if err != nil {
				results[i] = append(results[i], seen{problem: err.Error()})
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(4 * time.Minute))
			r := bufio.NewReader(c)
			// Ten requests spread over the rebuilds, then one more once
			// they are done, on the same connection held open throughout.
			for n := 0; n < 11; n++ {
				if n == 10 {
					for range 2400 {
						if !rebuilding.Load() {
							break
						}
						time.Sleep(50 * time.Millisecond)
					}
				} else if n > 0 {
					time.Sleep(time.Duration(100+(i*7+n*13)%200) * time.Millisecond)
				}
				p := paths[(i+n)%len(paths)]
				if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", p); err != nil {
					results[i] = append(results[i], seen{problem: err.Error()})
					return
				}
				resp, err := http.ReadResponse(r, nil)
				if err != nil {
					results[i] = append(results[i], seen{problem: err.Error()})
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				s := seen{key: fmt.Sprintf("%s %s %x", p, resp.Header.Get("ETag"), sha256.Sum256(body))}
				switch {
				case err != nil || resp.StatusCode != 200:
					s.problem = fmt.Sprintf("%s: status %d, %v", p, resp.StatusCode, err)
				case p == "/"+JSONFile && !json.Valid(body):
					s.problem = "feed.json is not whole"
				case p == "/"+RSSFile && wellFormedXML(body) != nil:
					s.problem = "rss.xml is not whole"
				}
				results[i] = append(results[i], s)
			}
		})
	}
	ready.Wait() // every connection open before the rebuilds start
	began := time.Now()
	defer func() { t.Logf("rebuilds took %v", time.Since(began)) }()
	for i := range 100 {
		name := fmt.Sprintf("a%02d.md", i%20)
		must(t, os.WriteFile(filepath.Join(cfg.ArticlesDir, name), []byte(article(fmt.Sprintf("A%d v%d", i%20, i), strings.Repeat("more ", i))), 0o644))
		if _, err := b.Rebuild([]string{name}); err != nil {
			t.Fatal(err)
		}
		record()
	}
	rebuilding.Store(false)
	wg.Wait()
	total, bad := 0, 0
	for _, rs := range results {
		for _, s := range rs {
			total++
			if s.problem == "" && !versions[s.key] {
				s.problem = "body and ETag of no published version: " + s.key
			}
			if s.problem != "" {
				if bad++; bad <= 10 {
					t.Error(s.problem)
				}
			}
		}
	}
	if bad > 0 || total < len(results) {
		t.Errorf("%d of %d responses bad", bad, total)
	}
	t.Logf("%d responses over %d connections, %d versions", total, len(results), len(versions))
}

// Paths that try to leave out/ or reach what is not served, URLs and
// headers too long: all 4xx, and never a byte of a file outside out/.
func TestHostileHTTPPaths(t *testing.T) {
	b, cfg := builtWith(t, 1)
	secret := "TOP-SECRET-" + fmt.Sprint(time.Now().UnixNano())
	must(t, os.WriteFile(filepath.Join(filepath.Dir(cfg.OutDir), "secret.txt"), []byte(secret), 0o644))
	must(t, os.WriteFile(filepath.Join(cfg.OutDir, "articles", "secret.txt"), []byte(secret), 0o644))
	addr := serveOn(t, b, nil)
	paths := []string{
		"/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/%2e%2e%2fsecret.txt", "/%2E%2E/%2E%2E/etc/passwd",
		"/articles/../../secret.txt", "/articles/%2e%2e/%2e%2e/secret.txt", "/articles/..%5c..%5csecret.txt",
		"/..\\secret.txt", "/articles/secret.txt", "/.dropfeed-state.json", "/%2edropfeed-state.json",
		"/articles/.%2e/.dropfeed-state.json", "/rss.xml%00", "/rss.xml%00.html", "/%00", "/articles/a00.html%00.txt",
		"/articles/", "/articles", "//etc/passwd", "/etc/passwd", "/articles//a00.html", "/./rss.xml", "/articles/./a00.html",
		"/%", "/%zz", "/" + strings.Repeat("a", 100<<10), "/rss.xml?" + strings.Repeat("q", 100<<10),
		"/" + strings.Repeat("../", 5000) + "etc/passwd", "http://evil/../../etc/passwd", "*",
	}
	for _, p := range paths {
		status, body := rawRequest(t, addr, "GET "+p+" HTTP/1.1\r\nHost: x\r\n\r\n")
		if status < 400 || status > 499 {
			t.Errorf("GET %.60q: status %d, want 4xx", p, status)
		}
		if strings.Contains(body, secret) || strings.Contains(body, "root:") {
			t.Errorf("GET %.60q served a file outside out/", p)
		}
	}
	huge := "GET /rss.xml HTTP/1.1\r\nHost: x\r\nX-Huge: " + strings.Repeat("h", 1<<20) + "\r\n\r\n"
	if status, _ := rawRequest(t, addr, huge); status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("1 MiB header: status %d, want 431", status)
	}
	many := "GET /rss.xml HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Many: m\r\n", 10000) + "\r\n"
	if status, _ := rawRequest(t, addr, many); status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("10,000 headers: status %d, want 431", status)
	}
	// And the server still serves.
	if status, _ := rawRequest(t, addr, "GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n"); status != 200 {
		t.Errorf("after the abuse: status %d", status)
	}
}

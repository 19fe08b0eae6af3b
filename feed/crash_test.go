package feed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// dropfeedBinary builds the command into a temporary folder.
func dropfeedBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dropfeed")
	cmd := exec.Command("go", "build", "-o", bin, "dropfeed")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// kill -9 at random moments while articles pour in, several rounds; after a
// last clean start, out/ must be byte for byte what a fresh build makes,
// with no temporary file left behind.
func TestCrashDuringBulkDrop(t *testing.T) {
	bin := dropfeedBinary(t)
	root := t.TempDir()
	articles, out := filepath.Join(root, "articles"), filepath.Join(root, "out")
	addr := freeAddr(t)
	flags := []string{"-articles", articles, "-out", out, "-addr", addr, "-base-url", "https://example.com/"}
	rng := rand.New(rand.NewPCG(1, 2))
	total := 0
	drop := func(n int) {
		for range n {
			name := filepath.Join(articles, fmt.Sprintf("r%02d", total%7), fmt.Sprintf("a%04d.md", total))
			os.MkdirAll(filepath.Dir(name), 0o755)
			text := fmt.Sprintf("Article %d\n---\n2024-01-%02d\n\nBody of %d, *with* [a link](x.html).\n", total, total%28+1, total)
			if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
				t.Error(err)
			}
			total++
		}
	}
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, flags...)
		var logs bytes.Buffer
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	const rounds = 5
	for round := range rounds {
		cmd := start()
		// Let it get somewhere, drop a batch, and kill it at a random
		// moment: during the first build, the watch, a rebuild or a write.
		time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		done := make(chan struct{})
		n := 150 + rng.IntN(150)
		go func() {
			defer close(done)
			drop(n)
		}()
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		must(t, cmd.Process.Signal(syscall.SIGKILL))
		cmd.Wait()
		<-done
		// Whatever the moment, every file in out/ is whole.
		temps := 0
		for name, b := range readTree(t, out) {
			switch {
			case strings.HasPrefix(filepath.Base(name), tempPrefix):
				temps++
			case name == RSSFile || name == AtomFile:
				if err := wellFormedXML(b); err != nil {
					t.Errorf("round %d: %s is not whole: %v", round, name, err)
				}
			case name == JSONFile:
				if !json.Valid(b) {
					t.Errorf("round %d: %s is not whole", round, name)
				}
			case name == StateFile: // a journal: whole lines of JSON
				for i, line := range bytes.SplitAfter(b, []byte("\n")) {
					if len(line) > 0 && (!bytes.HasSuffix(line, []byte("\n")) || !json.Valid(line)) {
						t.Errorf("round %d: line %d of %s is not whole: %q", round, i+1, name, line)
					}
				}
			case strings.HasSuffix(name, ".html"):
				if !bytes.HasSuffix(b, []byte("</html>\n")) {
					t.Errorf("round %d: %s is not whole", round, name)
				}
			}
		}
		t.Logf("round %d: killed with %d articles dropped, %d temporary files left", round, total, temps)
	}

	// The last start: it must catch up with everything, then stop cleanly.
	cmd := start()
	want := fmt.Sprintf("Article %d<", total-1)
	ok := false
	for range 600 { // up to a minute
		if resp, err := http.Get("http://" + addr + "/"); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Count(string(body), "<li>") == total {
				ok = true
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	must(t, cmd.Process.Signal(syscall.SIGTERM))
	if err := cmd.Wait(); err != nil {
		t.Errorf("dropfeed did not stop cleanly: %v\n%s", err, cmd.Stderr)
	}
	if !ok {
		t.Fatalf("the index never listed all %d articles (looking for %q)\n%s", total, want, cmd.Stderr)
	}

	fresh := filepath.Join(root, "fresh")
	build := exec.Command(bin, append([]string{"build"}, append(flags[:2:2], "-out", fresh, "-addr", addr, "-base-url", "https://example.com/")...)...)
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("dropfeed build: %v\n%s", err, b)
	}
	got, wantTree := readTree(t, out), readTree(t, fresh)
	delete(got, ".gitkeep")
	for name, b := range wantTree {
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s differs from a fresh build", name)
		}
	}
	for name := range got {
		if _, ok := wantTree[name]; !ok {
			t.Errorf("%s is in out/ but not in a fresh build", name)
		}
	}
	if len(wantTree) != total+5 { // pages, three feeds, index, state
		t.Errorf("a fresh build has %d files for %d articles", len(wantTree), total)
	}
}

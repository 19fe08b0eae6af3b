package main

import (
	"bytes"
	"errors"
	"io"
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

// binary is dropfeed built once for the tests that run it as a user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dropfeed-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "dropfeed")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, env []string, args ...string) (stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), env...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return errb.String(), exit.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return errb.String(), 0
}

func TestBadFlagsExit2WithOneLine(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o644)
	site := t.TempDir()
	tests := []struct {
		args []string
		env  []string
		says string
	}{
		{args: []string{"build", "-base-url", "::not a url"}, says: "-base-url"},
		{args: []string{"build", "-base-url", "ftp://example.com/"}, says: "-base-url"},
		{args: []string{"build", "-limit", "0"}, says: "-limit"},
		{args: []string{"build", "-limit", "many"}, says: "-limit"},
		{args: []string{"build", "-tz", "Mars/Olympus"}, says: "-tz"},
		{args: []string{"build", "-lang", "en english"}, says: "-lang"},
		{args: []string{"build", "-nope"}, says: "-nope"},
		{args: []string{"publish"}, says: "unknown command"},
		{args: []string{"build", "-articles", filepath.Join(file, "sub")}, says: "articles folder"},
		{args: []string{"build", "-articles", filepath.Join(site, "articles"), "-out", site}, says: "output folder"},
		{args: []string{"-addr", busy.Addr().String()}, says: "-addr"},
		{args: []string{"build", "-addr", "127.0.0.1:99999"}, says: "-addr"},
		{args: []string{"build"}, env: []string{"DROPFEED_LIMIT=-3"}, says: "DROPFEED_LIMIT"},
	}
	for _, tt := range tests {
		stderr, code := run(t, tt.env, tt.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 2 || len(lines) != 1 || !strings.Contains(stderr, tt.says) || strings.Contains(stderr, "goroutine") {
			t.Errorf("dropfeed %q %q: exit %d, stderr %q; want exit 2 and one line naming %s", tt.args, tt.env, code, stderr, tt.says)
		}
	}
}

// Without -base-url, links name the address served on, with a host they
// can be followed to.
func TestDefaultBaseURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/",
		":8080":          "http://localhost:8080/",
		"0.0.0.0:9000":   "http://localhost:9000/",
		"[::]:8080":      "http://localhost:8080/",
		"[::1]:8081":     "http://[::1]:8081/",
		"[::1]:80":       "http://[::1]/",
		"127.0.0.1:http": "http://127.0.0.1/",
		"example.org:80": "http://example.org/",
	} {
		cfg, err := configure([]string{"-addr", addr})
		if err != nil || cfg.BaseURL.String() != want {
			t.Errorf("-addr %s: base URL %v, %v; want %s", addr, cfg.BaseURL, err, want)
		}
	}
}

// A DROPFEED_ variable set but empty is as good as not set.
func TestEmptyEnvironmentIgnored(t *testing.T) {
	t.Setenv("DROPFEED_LIMIT", "")
	t.Setenv("DROPFEED_STRICT", "")
	t.Setenv("DROPFEED_TITLE", "")
	cfg, err := configure(nil)
	if err != nil || cfg.Limit != 50 || cfg.Strict || cfg.Title != "dropfeed" {
		t.Errorf("empty DROPFEED_ variables: %v, limit %d, strict %v, title %q", err, cfg.Limit, cfg.Strict, cfg.Title)
	}
}

func TestHelpListsFlags(t *testing.T) {
	stderr, code := run(t, nil, "-h")
	if code != 0 {
		t.Errorf("-h exits %d", code)
	}
	for _, f := range []string{"-articles", "-out", "-addr", "-base-url", "-title", "-description", "-author", "-lang", "-limit", "-tz", "-strict", "DROPFEED_"} {
		if !strings.Contains(stderr, f) {
			t.Errorf("-h does not mention %s", f)
		}
	}
}

func TestBuildCommand(t *testing.T) {
	dir := t.TempDir()
	articles, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	os.MkdirAll(articles, 0o755)
	os.WriteFile(filepath.Join(articles, "a.md"), []byte("A title\n---\n2020-01-01\n\nBody.\n"), 0o644)
	os.WriteFile(filepath.Join(articles, "empty.md"), nil, 0o644)
	env := []string{"DROPFEED_ARTICLES=" + articles, "DROPFEED_OUT=" + out, "DROPFEED_BASE_URL=https://env.example/", "DROPFEED_TITLE=From env"}

	if stderr, code := run(t, env, "build", "-title", "From flag"); code != 0 {
		t.Fatalf("build exits %d: %s", code, stderr)
	}
	rss, err := os.ReadFile(filepath.Join(out, "rss.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<title>From flag</title>", "https://env.example/articles/a.html", "<title>A title</title>"} {
		if !strings.Contains(string(rss), want) {
			t.Errorf("rss.xml lacks %s: the flag must win over the environment, which must apply", want)
		}
	}
	// One article was skipped: fine without -strict, an error with it.
	if stderr, code := run(t, env, "build", "-strict"); code == 0 || !strings.Contains(stderr, "skipped") {
		t.Errorf("build -strict with a skipped article: exit %d, %q", code, stderr)
	}
}

// start starts a server and waits until it listens on addr.
func start(t *testing.T, cmd *exec.Cmd, addr string, errb *bytes.Buffer) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatalf("the server never listened on %s: %s", addr, errb.String())
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// A file that cannot be read is skipped, and published once its permissions
// let it be read: chmod alone changes neither its size nor its date. (As
// root, whom permissions do not stop, the server runs as nobody.)
func TestServePublishesFileMadeReadable(t *testing.T) {
	dir, err := os.MkdirTemp("", "dropfeed-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	articles := filepath.Join(dir, "articles")
	os.Mkdir(articles, 0o755)
	locked := filepath.Join(articles, "locked.md")
	os.WriteFile(filepath.Join(articles, "open.md"), []byte("Open\n---\n2024-01-02\n\nbody\n"), 0o644)
	os.WriteFile(locked, []byte("Locked\n---\n2024-01-01\n\nbody\n"), 0o644)
	// An article that is a link, in a folder made unreadable later.
	os.Mkdir(filepath.Join(articles, "sub"), 0o755)
	os.Symlink(filepath.Join("..", "open.md"), filepath.Join(articles, "sub", "alias.md"))
	addr := freeAddr(t)
	cmd := exec.Command(binary, "-addr", addr, "-articles", articles, "-out", filepath.Join(dir, "out"))
	if os.Getuid() == 0 {
		const nobody = 65534
		for _, p := range []string{filepath.Dir(binary), dir} {
			os.Chmod(p, 0o755)
		}
		filepath.WalkDir(dir, func(p string, _ os.DirEntry, _ error) error { return os.Chown(p, nobody, nobody) })
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
	must(t, os.Chmod(locked, 0))
	var errb bytes.Buffer
	cmd.Stderr = &errb
	start(t, cmd, addr, &errb)
	// The log, once the server is stopped (it is written to until then).
	log := func() string {
		cmd.Process.Kill()
		cmd.Wait()
		return errb.String()
	}
	defer log()
	titles := func() string {
		resp, err := http.Get("http://" + addr + "/feed.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	if got := titles(); !strings.Contains(got, `"Open"`) || strings.Contains(got, `"Locked"`) {
		t.Fatalf("feed.json before the chmod: %s\nlog: %s", got, log())
	}
	// Read whole again (the folder moved away and back, then a new
	// article): the unreadable file is not reported again.
	must(t, os.Rename(articles, articles+".away"))
	time.Sleep(200 * time.Millisecond) // the watcher sees it go
	must(t, os.Rename(articles+".away", articles))
	os.WriteFile(filepath.Join(articles, "new.md"), []byte("New\n---\n2024-01-03\n\nbody\n"), 0o644)
	for i := 0; i < 1000 && !strings.Contains(titles(), `"New"`); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	// A folder that cannot be read keeps what it had, and holds up no
	// other change, in its rebuild (its own event's, at once) or later
	// ones (each looks at the link in it again).
	must(t, os.Chmod(filepath.Join(articles, "sub"), 0))
	defer os.Chmod(filepath.Join(articles, "sub"), 0o755)
	must(t, os.Chmod(locked, 0o644))
	var got string
	for range 1000 {
		if got = titles(); strings.Contains(got, `"Locked"`) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	logged := log()
	if !strings.Contains(got, `"Locked"`) {
		t.Errorf("never published after chmod 644: %s\nlog: %s", got, logged)
	}
	n := 0
	for line := range strings.Lines(logged) {
		if strings.Contains(line, "locked.md") && strings.Contains(line, "permission denied") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d log lines say locked.md cannot be read, want one: %s", n, logged)
	}
	if !strings.Contains(logged, `articles/sub reason="permission denied"`) {
		t.Errorf("no log line names the folder that cannot be read: %s", logged)
	}
	if !strings.Contains(logged, "folder is back") {
		t.Errorf("the folder was not read again after it came back: %s", logged)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestServeStopsOnSignal(t *testing.T) {
	addr := freeAddr(t)
	dir := t.TempDir()
	cmd := exec.Command(binary, "-addr", addr, "-articles", filepath.Join(dir, "in"), "-out", filepath.Join(dir, "out"))
	var errb bytes.Buffer
	cmd.Stderr = &errb
	start(t, cmd, addr, &errb)
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v; stderr %s", err, errb.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no exit within 10 s of SIGTERM")
	}
	if !strings.Contains(errb.String(), "msg=serving") || !strings.Contains(errb.String(), addr) {
		t.Errorf("no log line with the listening address: %s", errb.String())
	}
}

// TestServeRuntimeDefaults: a server runs on one core and at GOGC=25, and
// a build from nothing of a small folder at GOGC=200, unless the user set
// GOMAXPROCS, or GOGC or GOMEMLIMIT, which then win.
func TestServeRuntimeDefaults(t *testing.T) {
	cases := []struct {
		env       []string
		cores, gc int
	}{
		{nil, 1, 25},
		{[]string{"GOMAXPROCS", "2"}, 0, 25},
		{[]string{"GOGC", "100"}, 1, 0},
		{[]string{"GOMEMLIMIT", "1GiB"}, 1, 0},
		{[]string{"GOMAXPROCS", ""}, 1, 25}, // empty: the runtime ignores it too
	}
	for _, c := range cases {
		for _, k := range []string{"GOMAXPROCS", "GOGC", "GOMEMLIMIT"} {
			t.Setenv(k, "") // put back as it was when the test ends
			os.Unsetenv(k)
		}
		if c.env != nil {
			os.Setenv(c.env[0], c.env[1])
		}
		cfg, err := configure(nil)
		if err != nil {
			t.Fatal(err)
		}
		buildGC := 0
		if c.gc > 0 {
			buildGC = 200
		}
		if cfg.ServeCores != c.cores || cfg.ServeGC != c.gc || cfg.BuildGC != buildGC {
			t.Errorf("with %v: ServeCores %d, ServeGC %d, BuildGC %d; want %d, %d, %d", c.env, cfg.ServeCores, cfg.ServeGC, cfg.BuildGC, c.cores, c.gc, buildGC)
		}
	}
}

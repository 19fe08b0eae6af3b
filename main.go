// Command dropfeed publishes a folder of articles as RSS, Atom and JSON feeds
// and serves them, rebuilding as soon as an article file changes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // -tz works on machines without a zone database

	"dropfeed/feed"
)

const usage = `Usage:
  dropfeed [flags]         build, then watch the articles and serve the feeds
  dropfeed build [flags]   build the output folder once and exit

Every flag can also be set as DROPFEED_<NAME> (for example DROPFEED_BASE_URL);
a flag on the command line wins.

Flags:
`

func main() {
	cmd, args := "serve", os.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd != "serve" && cmd != "build" {
		fail(2, fmt.Errorf("unknown command %q (want build, or none to serve)", cmd))
	}
	cfg, err := configure(args)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fail(2, err)
	}
	b, err := feed.NewBuilder(cfg)
	if err != nil {
		fail(2, err)
	}
	if cmd == "build" {
		if _, err := b.First(); err != nil {
			fail(1, err)
		}
		return
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fail(2, fmt.Errorf("-addr %s: %w", cfg.Addr, errors.Unwrap(err)))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := b.Serve(ctx, ln); err != nil {
		fail(1, err)
	}
}

func fail(code int, err error) {
	fmt.Fprintln(os.Stderr, "dropfeed:", err)
	os.Exit(code)
}

// configure reads the flags, then DROPFEED_* variables for flags not given.
func configure(args []string) (feed.Config, error) {
	fs := flag.NewFlagSet("dropfeed", flag.ContinueOnError)
	articles := fs.String("articles", "articles", "folder of article `files`")
	out := fs.String("out", "out", "output `folder`")
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to serve on")
	baseURL := fs.String("base-url", "", "public `URL` of the site, used in links and ids (default http://<addr>/)")
	title := fs.String("title", "dropfeed", "feed `title`")
	description := fs.String("description", "Articles published with dropfeed", "feed `description`")
	author := fs.String("author", "", "feed `author`, for articles that name none")
	lang := fs.String("lang", "en", "`language` of the articles (BCP 47, e.g. en, de-CH)")
	limit := fs.Int("limit", 50, "`entries` per feed, newest first")
	tz := fs.String("tz", "UTC", "time `zone` for dates written without one (e.g. Europe/Berlin)")
	strict := fs.Bool("strict", false, "fail when any article is skipped")
	fs.SetOutput(os.Stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	var quiet strings.Builder
	fs.SetOutput(&quiet) // flag's own error message is replaced by ours
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stderr)
			fs.Usage()
		}
		return feed.Config{}, err
	}
	if fs.NArg() > 0 {
		return feed.Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// source names where a value came from, for error messages.
	source := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) { source[f.Name] = "-" + f.Name })
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "DROPFEED_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		// Set but empty counts as not set, as the Go runtime's own
		// variables do.
		if v := os.Getenv(name); v != "" && !given[f.Name] && envErr == nil {
			source[f.Name] = name
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s=%q: %v", name, v, err)
			}
		}
	})
	if envErr != nil {
		return feed.Config{}, envErr
	}

	cfg := feed.Config{
		ArticlesDir: *articles,
		OutDir:      *out,
		Addr:        *addr,
		Strict:      *strict,
		Log:         slog.New(slog.NewTextHandler(os.Stderr, nil)),
		Progress:    isTerminal(os.Stderr),
	}
	// Measured (bench/RESULTS.md): serving costs least per request on one
	// core, and a collector at GOGC=25, with memory given back after a
	// rebuild that leaves more than 16 MiB of it, keeps a server of 100,000
	// articles near its live heap; the first build and rebuilds still use
	// every core. A build from nothing of a folder of up to 20,000 files is
	// 11% faster at GOGC=200. Settings of the user's own win.
	if os.Getenv("GOMAXPROCS") == "" { // the runtime ignores an empty one too
		cfg.ServeCores = 1
	}
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		cfg.ServeGC = 25
		cfg.BuildGC = 200
	}
	cfg.Site = feed.Site{Title: *title, Description: *description, Author: *author, Lang: *lang, Limit: *limit}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return cfg, fmt.Errorf("%s %q: want host:port, such as 127.0.0.1:8080", source["addr"], *addr)
	}
	n, err := net.LookupPort("tcp", port) // a number, or a service name such as http
	if err != nil {
		return cfg, fmt.Errorf("%s %q: the port must be a number up to 65535 or a service name such as http", source["addr"], *addr)
	}
	if *baseURL == "" {
		// Links must name a host: listening on every interface (":8080",
		// "0.0.0.0:8080") gives links to this machine, and the README
		// says to set -base-url for readers elsewhere.
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			host = "localhost"
		}
		if n != 80 {
			host = net.JoinHostPort(host, strconv.Itoa(n))
		} else if strings.Contains(host, ":") {
			host = "[" + host + "]" // an IPv6 address
		}
		*baseURL = "http://" + host + "/"
	}
	u, err := url.Parse(*baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cfg, fmt.Errorf("%s %q: want an absolute http or https URL, such as https://example.com/blog/", source["base-url"], *baseURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment, u.RawPath = "", "", ""
	cfg.BaseURL = u
	if cfg.Loc, err = time.LoadLocation(*tz); err != nil {
		return cfg, fmt.Errorf("%s %q: not a known time zone (try UTC or Europe/Berlin)", source["tz"], *tz)
	}
	if *limit < 1 {
		return cfg, fmt.Errorf("%s %d: want at least 1", source["limit"], *limit)
	}
	if *lang != "" && !langTag.MatchString(*lang) {
		return cfg, fmt.Errorf("%s %q: want a language tag such as en or de-CH", source["lang"], *lang)
	}
	if strings.TrimSpace(*title) == "" {
		return cfg, fmt.Errorf("%s: must not be empty", source["title"])
	}
	return cfg, nil
}

var langTag = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)

func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

package feed_test

import (
	"bytes"
	"flag"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"testing"
	"time"

	"dropfeed/feed"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden (then read every line of the diff)")

// goldenArticles is the subset of the conformance corpus whose feeds are
// pinned byte for byte: relative links, front matter with every key, a title
// with markup, right-to-left text, and an explicit id that is not a URI.
var goldenArticles = []string{
	"01-iso-date.md",
	"12-front-matter.md",
	"16-markup-title.md",
	"18-arabic.md",
	"22-plain-id.md",
}

// TestGolden renders the three feeds of goldenArticles and compares them
// with testdata/golden byte for byte. Those files were generated once with
// -update and then checked by hand, line by line.
func TestGolden(t *testing.T) {
	base, _ := url.Parse("https://example.org/blog/")
	site := feed.Site{
		BaseURL:     base,
		Title:       "Golden feed",
		Description: "Five articles, pinned byte for byte",
		Author:      "Golden Desk",
		Lang:        "en",
		Limit:       50,
	}
	var list []*feed.Article
	for _, name := range goldenArticles {
		data, err := os.ReadFile(filepath.Join(confDir, "articles", name))
		if err != nil {
			t.Fatal(err)
		}
		// Every golden article is dated, so the modification time is unused.
		src := feed.Source{Path: path.Clean(name), Data: data, ModTime: time.Unix(0, 0)}
		a, warnings, err := feed.Parse(src, feed.ParseOptions{BaseURL: base, Loc: time.UTC})
		if err != nil || len(warnings) > 0 {
			t.Fatalf("%s: %v %q", name, err, warnings)
		}
		list = append(list, &a)
	}
	feed.Newest(list)
	rss, atom, jsonFeed, err := site.Feeds(list)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{feed.RSSFile: rss, feed.AtomFile: atom, feed.JSONFile: jsonFeed} {
		file := filepath.Join("testdata", "golden", name)
		if *update {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run go test -run TestGolden -update to create it, then check it by hand)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s; if the change is meant, run go test -run TestGolden -update and read the diff line by line\ngot:\n%s", name, file, got)
		}
	}
}

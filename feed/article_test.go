package feed

import (
	"net/url"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

var testBase, _ = url.Parse("https://example.com/blog/")

var testModTime = time.Date(2020, 2, 3, 4, 5, 6, 0, time.UTC)

func parseTest(t *testing.T, path, text string) (Article, []string) {
	t.Helper()
	a, warnings, err := Parse(Source{Path: path, Data: []byte(text), ModTime: testModTime}, ParseOptions{BaseURL: testBase, Loc: time.UTC})
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return a, warnings
}

const seedTitle = "No secret message: Lavrov didn't deliver anything from Putin to Trump, says presidential aide"

func TestParseSeed(t *testing.T) {
	data, err := os.ReadFile("testdata/seed.txt")
	if err != nil {
		t.Fatal(err)
	}
	a, warnings := parseTest(t, "seed.txt", string(data))
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if a.Title != seedTitle {
		t.Errorf("title = %q", a.Title)
	}
	if want := time.Date(2017, 5, 11, 0, 0, 0, 0, time.UTC); !a.Published.Equal(want) || a.Published.Weekday() != time.Thursday {
		t.Errorf("published = %v, want %v (a Thursday)", a.Published, want)
	}
	if a.Undated {
		t.Error("the seed has a date line, but the article is marked undated")
	}
	if strings.Contains(a.HTML, "---") || strings.Contains(a.HTML, "<hr") || strings.Contains(a.HTML, "<h2") {
		t.Errorf("the closing --- survived (as text, a rule or a setext heading):\n%s", a.HTML)
	}
	if strings.Contains(a.HTML, "11/05/2017") {
		t.Error("the date line leaked into the body")
	}
	page := "https://example.com/blog/articles/seed.html"
	if want := `<a href="` + page + `">Trump: Meeting with Russian FM Lavrov was &#39;very good&#39;</a>`; !strings.Contains(a.HTML, want) {
		t.Errorf("body lacks the absolute Read more link %s:\n%s", want, a.HTML)
	}
	if want := "<em>“Of course, the fact that the conversation is being held is rather positive. The presidents have</em>"; !strings.Contains(a.HTML, want) {
		t.Errorf("body lacks the italic quote:\n%s", a.HTML)
	}
	if !strings.HasPrefix(a.HTML, "<p>US President Donald Trump and Russian President Vladimir Putin") {
		t.Errorf("body does not start with the first paragraph:\n%.200s", a.HTML)
	}
	if !strings.HasSuffix(strings.TrimSpace(a.HTML), "touched upon crisis in Syria.</p>") {
		t.Errorf("body does not end with the last paragraph:\n%s", a.HTML[max(0, len(a.HTML)-200):])
	}
	if a.Slug != "seed" {
		t.Errorf("slug = %q", a.Slug)
	}
	if !strings.HasPrefix(a.Summary, "US President Donald Trump and Russian President") || strings.ContainsAny(a.Summary, "<>") {
		t.Errorf("summary = %q", a.Summary)
	}
}

func TestParseHeaderStyles(t *testing.T) {
	tests := []struct {
		name, path, text     string
		title, body, notBody string
		published            time.Time
		undated              bool
		author, summary, id  string
		tags                 []string
		draft                bool
		slug                 string
		updated              time.Time
	}{
		{
			name: "plain", path: "a.md",
			text:  "\n\nThe title\n\n---\n\n2017-05-11\n\nBody text.\n",
			title: "The title", body: "<p>Body text.</p>", published: time.Date(2017, 5, 11, 0, 0, 0, 0, time.UTC),
		},
		{
			name: "plain, CRLF and BOM", path: "b.md",
			text:  "\uFEFFThe title\r\n---\r\n11 May 2017\r\n\r\nBody *text*.\r\n---\r\n",
			title: "The title", body: "<p>Body <em>text</em>.</p>", notBody: "<hr", published: time.Date(2017, 5, 11, 0, 0, 0, 0, time.UTC),
		},
		{
			name: "plain, lone CR", path: "c.md",
			text:  "The title\r---\rMay 11, 2017\r\rBody.\r",
			title: "The title", body: "<p>Body.</p>", published: time.Date(2017, 5, 11, 0, 0, 0, 0, time.UTC),
		},
		{
			name: "plain, the line after --- is not a date: it is body", path: "d.md",
			text:  "The title\n---\nFirst line of the body.\n\nSecond.\n",
			title: "The title", body: "<p>First line of the body.</p>", published: testModTime, undated: true,
		},
		{
			name: "front matter", path: "e.md",
			text:  "---\ntitle: \"Front & matter\"\ndate: 2017-05-11T09:30:00+03:00\nupdated: 2017-05-12\nauthor: Ann Writer\ntags: [go, feeds, go]\nsummary: A short summary.\nslug: custom\nid: urn:example:42\nunknown: ignored\n---\n\nBody.\n",
			title: "Front & matter", body: "<p>Body.</p>", published: time.Date(2017, 5, 11, 6, 30, 0, 0, time.UTC),
			updated: time.Date(2017, 5, 12, 0, 0, 0, 0, time.UTC),
			author:  "Ann Writer", summary: "A short summary.", id: "urn:example:42", tags: []string{"go", "feeds"}, slug: "custom",
		},
		{
			name: "front matter, tags as a string, draft", path: "f.md",
			text:  "---\ntitle: Draft\ndate: 11.05.2017\ntags: one, two\ndraft: true\n---\nBody.\n",
			title: "Draft", body: "<p>Body.</p>", published: time.Date(2017, 5, 11, 0, 0, 0, 0, time.UTC), tags: []string{"one", "two"}, draft: true,
		},
		{
			name: "front matter, title from a # line", path: "g.md",
			text:  "---\ndate: 2017-05-11\n---\n# Heading title\n\nBody.\n",
			title: "Heading title", body: "<p>Body.</p>", notBody: "<h1", published: time.Date(2017, 5, 11, 0, 0, 0, 0, time.UTC),
		},
		{
			name: "neither style", path: "sub/Folder/My Note.md",
			text:  "# A heading title\nBody straight after.\n\nMore.\n",
			title: "A heading title", body: "<p>Body straight after.</p>", published: testModTime, undated: true, slug: "sub/folder/my-note",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := parseTest(t, tt.path, tt.text)
			if a.Title != tt.title {
				t.Errorf("title = %q, want %q", a.Title, tt.title)
			}
			if !strings.Contains(a.HTML, tt.body) {
				t.Errorf("body lacks %q:\n%s", tt.body, a.HTML)
			}
			if tt.notBody != "" && strings.Contains(a.HTML, tt.notBody) {
				t.Errorf("body holds %q:\n%s", tt.notBody, a.HTML)
			}
			if !a.Published.Equal(tt.published) || a.Undated != tt.undated {
				t.Errorf("published = %v (undated %v), want %v (undated %v)", a.Published, a.Undated, tt.published, tt.undated)
			}
			wantUpdated := tt.updated
			if wantUpdated.IsZero() {
				wantUpdated = tt.published
			}
			if !a.Updated.Equal(wantUpdated) {
				t.Errorf("updated = %v, want %v", a.Updated, wantUpdated)
			}
			if a.Author != tt.author || a.ID != tt.id || a.Draft != tt.draft {
				t.Errorf("author %q id %q draft %v, want %q %q %v", a.Author, a.ID, a.Draft, tt.author, tt.id, tt.draft)
			}
			if tt.summary != "" && a.Summary != tt.summary {
				t.Errorf("summary = %q, want %q", a.Summary, tt.summary)
			}
			if strings.Join(a.Tags, "|") != strings.Join(tt.tags, "|") {
				t.Errorf("tags = %q, want %q", a.Tags, tt.tags)
			}
			if tt.slug != "" && a.Slug != tt.slug {
				t.Errorf("slug = %q, want %q", a.Slug, tt.slug)
			}
		})
	}
}

func TestParseFallbacks(t *testing.T) {
	tests := []struct {
		name, path, text string
		title            string
		warning          string
	}{
		{"no date", "a.md", "Title\n\nBody.\n", "Title", "no date: using the file's modification time"},
		{"bad date in front matter", "b.md", "---\ntitle: T\ndate: someday\n---\nBody\n", "T", `date "someday" is not a date in any known form`},
		{"no title", "my-first_post.md", "---\ndate: 2017-05-11\n---\nBody only.\n", "my first post", `no title: using "my first post" from the file name`},
		{"invalid UTF-8 repaired", "c.md", "Ti\xfftle\n---\n2017-05-11\nBody\n", "Ti\uFFFDtle", "invalid UTF-8 replaced by U+FFFD"},
		{"form feed and NUL in a title", "d.md", "Ti\x0ct\x00le\n---\n2017-05-11\nBody\n", "Title", "control characters removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, warnings := parseTest(t, tt.path, tt.text)
			if a.Title != tt.title {
				t.Errorf("title = %q, want %q", a.Title, tt.title)
			}
			if !strings.Contains(strings.Join(warnings, "\n"), tt.warning) {
				t.Errorf("warnings %q lack %q", warnings, tt.warning)
			}
			if a.Published.IsZero() {
				t.Error("published is zero")
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ name, text, reason string }{
		{"empty", "", "file is empty"},
		{"whitespace only", " \n\t\n", "file is empty"},
		{"binary", "\x00\x01\x02\x03PNG\x00\x00\x00\x00", "binary data"},
		{"front matter not closed", "---\ntitle: x\n", "no closing ---"},
		{"front matter not a map", "---\n- a\n- b\n---\nbody", "not a map"},
		{"front matter bad YAML", "---\ntitle: [unclosed\n---\nbody", "front matter"},
		{"too big", strings.Repeat("x", MaxArticleSize+1), "over the 10 MiB limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse(Source{Path: "x.md", Data: []byte(tt.text), ModTime: testModTime}, ParseOptions{BaseURL: testBase, Loc: time.UTC})
			if err == nil || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.reason)
			}
		})
	}
}

func TestParseSanitisesAndResolvesLinks(t *testing.T) {
	a, _ := parseTest(t, "notes/links.md", strings.Join([]string{
		"Links", "---", "2017-05-11", "",
		"[rel](other.html) [up](../x.png) [frag](#part) [abs](https://golang.org/)",
		"![img](pics/a.png)",
		`<a href="javascript:alert(1)">js</a> <img src="x.png" onerror="alert(2)"> <script>alert(3)</script>`,
		`<a href="data:text/html,hi">data</a> <b>kept</b>`,
		"", "| a | b |", "|---|---|", "| 1 | 2 |", "", "~~gone~~ and https://example.org/auto",
	}, "\n"))
	for _, want := range []string{
		`href="https://example.com/blog/articles/notes/other.html"`,
		`href="https://example.com/blog/articles/x.png"`,
		`href="https://example.com/blog/articles/notes/links.html#part"`,
		`href="https://golang.org/"`,
		`src="https://example.com/blog/articles/notes/pics/a.png"`,
		`src="https://example.com/blog/articles/notes/x.png"`,
		"<b>kept</b>", "<table>", "<del>gone</del>", `<a href="https://example.org/auto">`,
	} {
		if !strings.Contains(a.HTML, want) {
			t.Errorf("HTML lacks %s:\n%s", want, a.HTML)
		}
	}
	for _, bad := range []string{"javascript:", "onerror", "<script", "alert(3)", "data:"} {
		if strings.Contains(a.HTML, bad) {
			t.Errorf("HTML holds %s:\n%s", bad, a.HTML)
		}
	}
}

func TestSlugOf(t *testing.T) {
	tests := []struct{ path, explicit, want string }{
		{"hello.md", "", "hello"},
		{"Hello World!.md", "", "hello-world"},
		{"sub/dir/Post 1.markdown", "", "sub/dir/post-1"},
		{"sub/post.md", "Custom Slug", "sub/custom-slug"},
		{"Ünïcode ñame.txt", "", "ünïcode-ñame"},
		{"---.md", "", ""}, // nothing left: a hash of the path
	}
	for _, tt := range tests {
		got := SlugOf(tt.path, tt.explicit)
		if tt.want == "" {
			if len(got) != 12 || strings.ContainsAny(got, "-/.") {
				t.Errorf("SlugOf(%q) = %q, want a 12-digit hash", tt.path, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("SlugOf(%q, %q) = %q, want %q", tt.path, tt.explicit, got, tt.want)
		}
	}
}

func TestIsArticleName(t *testing.T) {
	for name, want := range map[string]bool{
		"a.md": true, "a.markdown": true, "a.txt": true, "A.MD": true,
		".hidden.md": false, "a.md~": false, "a.md.swp": false, ".a.md.swp": false, ".#a.md": false,
		"#a.md#": false, "a.tmp": false, "a.md.part": false, "a.md.crdownload": false, "a.html": false, "a": false,
	} {
		if got := IsArticleName(name); got != want {
			t.Errorf("IsArticleName(%q) = %v, want %v", name, got, want)
		}
	}
}

// An article keeps what it needs of its file, not the file: in every
// header style, 100 articles of 30 KB parsed and kept (without their HTML,
// which a Builder puts away in their pages) hold well under what their
// files took. A title that was a piece of the file's text kept all of it:
// 3 MB here.
func TestArticleKeepsNotItsFile(t *testing.T) {
	body := strings.Repeat("body ", 6000)
	for style, head := range map[string]string{
		"plain":        "Plain title here\n---\n2020-01-01\n\n",
		"markdown":     "# Markdown title\n\n",
		"front matter": "---\ntitle: Front\nauthor: Ann\ndate: 2020-01-01\n---\n",
		"no title key": "---\ndate: 2020-01-01\n---\n# Title in the body\n\n",
	} {
		kept := make([]Article, 0, 100)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range cap(kept) {
			a, _ := parseTest(t, "a.md", head+body)
			a.HTML = ""
			kept = append(kept, a)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 1<<20 {
			t.Errorf("%s: 100 articles of 30 KB keep %d KB", style, grew>>10)
		}
		runtime.KeepAlive(kept)
	}
}

func TestTextLinesJoin(t *testing.T) {
	for _, text := range []string{"", "\n", "a", "a\n", "\nb\n\nc d\n", "a\r\nb\n---\n"} {
		tl := textLines{text: text, lines: strings.Split(text, "\n")}
		for from := 0; from <= len(tl.lines); from++ {
			for to := 0; to <= len(tl.lines); to++ {
				want := ""
				if from < to {
					want = strings.Join(tl.lines[from:to], "\n")
				}
				if got := tl.join(from, to); got != want {
					t.Errorf("%q lines %d to %d: %q, want %q", text, from, to, got, want)
				}
			}
		}
	}
}

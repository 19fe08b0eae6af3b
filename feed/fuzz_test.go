package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
)

var fuzzBase, _ = url.Parse("https://example.com/blog/")

var fuzzModTime = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// fuzzSeeds are the starting inputs of both targets: the hostile corpus and
// a few hand-written headers of each style.
func fuzzSeeds(f *testing.F) {
	f.Add([]byte("Title\n\n---\n11/05/2017\n\nBody *text*.\n---\n"))
	f.Add([]byte("---\ntitle: T\ndate: 2017-05-11\ntags: [a, b]\n---\nbody [x](y) <script>x</script>\n"))
	f.Add([]byte("# Heading only\n"))
	f.Add([]byte("\xef\xbb\xbfT\r\n---\r\n2017-05-11T09:30:00+03:00\r\nb]]>c\r"))
	f.Add([]byte("---\na: &a [x, *a]\n---\n"))
	ents, _ := os.ReadDir(filepath.Join("testdata", "hostile"))
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("testdata", "hostile", e.Name()))
		if err == nil && len(b) <= 16<<10 {
			f.Add(b)
		}
	}
}

// checkArticle is what every parsed article must satisfy, whatever the
// bytes were.
func checkArticle(t *testing.T, a Article) {
	t.Helper()
	for name, s := range map[string]string{"title": a.Title, "summary": a.Summary, "html": a.HTML, "author": a.Author, "slug": a.Slug, "id": a.ID} {
		if !utf8.ValidString(s) {
			t.Fatalf("%s is not valid UTF-8: %q", name, s)
		}
		if strings.ContainsFunc(s, xmlForbidden) {
			t.Fatalf("%s holds a character XML forbids: %q", name, s)
		}
	}
	if a.Title == "" || strings.ContainsAny(a.Title, "\n\r") {
		t.Fatalf("title %q is empty or not one line", a.Title)
	}
	if a.Published.IsZero() || a.Updated.Before(a.Published) {
		t.Fatalf("published %v, updated %v", a.Published, a.Updated)
	}
	if bad := unsafeHTML(a.HTML); bad != "" {
		t.Fatalf("html keeps %s: %q", bad, a.HTML)
	}
	if a.Slug == "" || strings.Contains(a.Slug, "..") || strings.HasPrefix(a.Slug, "/") {
		t.Fatalf("slug %q", a.Slug)
	}
}

func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, _, err := Parse(Source{Path: "dir/a post.md", Data: data, ModTime: fuzzModTime}, ParseOptions{BaseURL: fuzzBase, Loc: time.UTC})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("error without a reason")
			}
			return
		}
		checkArticle(t, a)
	})
}

// FuzzRender runs the whole path from bytes to the three feeds, the index
// and the page: the XML must be well-formed and the JSON valid, always.
func FuzzRender(f *testing.F) {
	fuzzSeeds(f)
	site := Site{BaseURL: fuzzBase, Title: "T", Description: "D", Lang: "en", Limit: 10}
	frame, err := site.pageFrame()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, _, err := Parse(Source{Path: "a.md", Data: data, ModTime: fuzzModTime}, ParseOptions{BaseURL: fuzzBase, Loc: time.UTC})
		if err != nil {
			return
		}
		checkArticle(t, a)
		good, _, _ := Parse(Source{Path: "good.md", Data: []byte("Good\n---\n2020-01-01\nfine"), ModTime: fuzzModTime}, ParseOptions{BaseURL: fuzzBase, Loc: time.UTC})
		list := []*Article{&a, &good}
		Newest(list)
		rss, atom, js, err := site.Feeds(list)
		if err != nil {
			t.Fatalf("feeds: %v", err)
		}
		for name, doc := range map[string][]byte{"rss": rss, "atom": atom} {
			if err := wellFormedXML(doc); err != nil {
				t.Fatalf("%s is not well-formed: %v\n%s", name, err, doc)
			}
		}
		var v map[string]any
		if err := json.Unmarshal(js, &v); err != nil || !utf8.Valid(js) {
			t.Fatalf("json feed: %v\n%s", err, js)
		}
		if items, _ := v["items"].([]any); len(items) != 2 {
			t.Fatalf("json feed has %d items, want 2", len(items))
		}
		if page := frame.page(&a); !bytes.Contains(page, []byte(a.HTML)) {
			t.Fatalf("the page does not hold the article's HTML:\n%s", page)
		}
		if _, err := site.Index(list); err != nil {
			t.Fatalf("index: %v", err)
		}
	})
}

// unsafeHTML names what the sanitiser should have removed from s: a script
// or style element, an event handler, or an address that runs code.
func unsafeHTML(s string) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return ""
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "object", "embed", "form", "base", "meta":
				return "<" + tok.Data + ">"
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.Map(func(r rune) rune {
					if r <= ' ' {
						return -1
					}
					return r
				}, a.Val))
				if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
					return a.Key + "="
				}
				for _, scheme := range []string{"javascript:", "vbscript:", "data:"} {
					if strings.HasPrefix(v, scheme) {
						return a.Key + "=" + a.Val
					}
				}
			}
		}
	}
}

// wellFormedXML checks an XML document with encoding/xml, which also refuses
// characters XML 1.0 forbids.
func wellFormedXML(doc []byte) error {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	depth, elems := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if elems == 0 || depth != 0 {
				return errors.New("no root element, or unclosed elements")
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			elems++
		case xml.EndElement:
			depth--
		}
	}
}

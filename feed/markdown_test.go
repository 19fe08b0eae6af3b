package feed

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	xhtml "golang.org/x/net/html"
)

// markdownCases are bodies on the edges of the short ways renderBody and
// summaryOf take: links of every shape, references, titles and text with
// quotes and entities, code languages, list starts, table alignments.
var markdownCases = []string{
	"plain text", "[a](b) [c](../d/e.html) [f](#g) [h](?i=1&j=2) [k](//l/m) [n](<o p>) [q](r%20s)",
	"[a](http://[::1]:bad) [b](%zz) [c]( d ) [e](héllo) [f](HTTP://UP/) [g](mailto:x@y.z) [h](/)",
	"[a](javascript:alert(1)) [b](vbscript:x) [c](data:text/html,x) [d](tel:1)",
	"![img](a.png \"ti'tle\") ![a & <b> \"c\"](//cdn/i.png) ![*em* `c`](x)",
	"<http://a.b/c?d=e&f=g> <mailto:x@y.z> <x@y.com> www.example.com/p https://x.org/a_b(c)",
	"[t](/u \"a 'b' & <c>\") [ref] [x][ref]\n\n[ref]: /r \"T\"",
	"```go\"><x\nfunc() { a < b && c > d }\n```\n\n`a & b`\n\n    indented",
	"7. seven\n8. eight\n\n- a\n  - b", "| l | c | r |\n|:--|:-:|--:|\n| [1](x) | 2 | 3 |",
	"&amp; &lt; &gt; &quot; &#39; &copy; &#x1B; &#0; &#13; &nbsp; &bogus; &AMP; &amp",
	"a < b > c \"q\" 's' ~~del~~ *em* **strong**\n\n---\n\n# H\n\nline  \nbreak\n\n> quote",
	"\u00a0nbsp\u2028sep\u3000ideographic \u0085next \u00ad", "a\\<b\\> \\[c\\](d)",
	"<textarea>a <b>b</b></textarea> <TITLE>t</TITLE> <p title='a>b'>c</p> <!-- d --> <B>e</B><br/>f",
	"`a < b` `c > d` `e & f` `g \" h` `\x00`\n\n    x < y\n\n    x > y\n\n```\nx & y\n```\n\n```\nx \" y\n```",
	"a < b\n\nc > d\n\ne & f\n\ng \" h\n\ni \\* j\n\nk \x00 l\n\n[m](/n \"o < p\") [q](/r \"s \\\" t\")",
	"  [a]: /b\n[c]: /d 'e'\nnot [a] [c]\n\nx\n[f]: /g\n\n[f] \t[h]: /i\n\n[h]\n\n> [j]: /k\n\n[j]\n\n- [l]:\n  /m\n\n[l]",
	"<h1 class=x>T</h1>body&amp;more <pre>\r\nx\ry</pre> <noscript>n</noscript> <xmp><i>x</i></xmp> <img alt='<>' src=a>",
}

// FuzzMarkdown checks the short ways against the long ones they stand for:
// parseBody against markdown's own parser, markdown's parser and writer
// against goldmark's own (stock), sanitizeOwn against the policy over
// absolutize, and summaryOf against the tokenizer over the whole text.
func FuzzMarkdown(f *testing.F) {
	for _, md := range markdownCases {
		f.Add(md)
	}
	page, _ := url.Parse("https://example.com/blog/articles/a%20b.html")
	var buf []byte // one for every call, as renderBody's scratch is
	f.Fuzz(func(t *testing.T, md string) {
		if !utf8.ValidString(md) {
			return // Parse repairs it first; goldmark may split a bad sequence
		}
		src := []byte(md)
		doc := linkedParse(src)
		var out bytes.Buffer
		if err := markdown.Renderer().Render(&out, src, doc); err != nil {
			t.Fatal(err)
		}
		if fast := renderTree(src, parseBody(src, parser.NewContext())); fast != out.String() {
			t.Fatalf("parseBody(%q) renders\n %q\nnot as markdown does\n %q", src, fast, out.Bytes())
		}
		var slow bytes.Buffer
		stockDoc := stock.Parser().Parse(text.NewReader(src))
		trimBeforeBreaks(src, stockDoc)
		if err := stock.Renderer().Render(&slow, src, stockDoc); err != nil {
			t.Fatal(err)
		}
		if slow.String() != out.String() {
			t.Fatalf("%q renders as\n %q\nand with goldmark's own parser and writer as\n %q", src, out.Bytes(), slow.Bytes())
		}
		want := policy.SanitizeBytes(absolutize(out.Bytes(), page))
		raw := rawHTMLNode(doc)
		if hasRawHTML(src, doc) != raw {
			t.Fatalf("hasRawHTML(%q) = %v, its tree says %v", src, !raw, raw)
		}
		if !raw {
			if got, ok := sanitizeOwn(out.Bytes(), page, &buf); ok && got != string(want) {
				t.Fatalf("sanitizeOwn(%q)\n got %q\nwant %q", out.Bytes(), got, want)
			}
		}
		for _, n := range []int{0, 1, 10, 280} {
			if got, want := summaryOf(string(want), n), truncateWords(wholeText(string(want)), n); got != want {
				t.Fatalf("summaryOf(%q, %d) = %q, want %q", out.Bytes(), n, got, want)
			}
		}
	})
}

// stock is markdown as goldmark makes it: without its own parser
// (refDefs, budget) and writer (plainWriter).
var stock = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
	goldmark.WithRendererOptions(html.WithUnsafe()),
)

// wholeText is the text of HTML as the summary was first made: every text
// token, a space for every block tag, then oneLine.
func wholeText(h string) string {
	var out strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(h))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return strings.Join(strings.FieldsFunc(out.String(), unicode.IsSpace), " ")
		case xhtml.TextToken:
			out.Write(z.Text())
		case xhtml.StartTagToken, xhtml.EndTagToken, xhtml.SelfClosingTagToken:
			if name, _ := z.TagName(); blockTags[string(name)] {
				out.WriteByte(' ')
			}
		}
	}
}

// linkedParse parses src as parseBody stands for: with linkify asked at
// every space, and the white space before line breaks trimmed.
func linkedParse(src []byte) ast.Node {
	doc := markdown.Parser().Parse(text.NewReader(src))
	trimBeforeBreaks(src, doc)
	return doc
}

func renderTree(src []byte, doc ast.Node) string {
	var out bytes.Buffer
	markdown.Renderer().Render(&out, src, doc) // a bytes.Buffer takes every write
	return out.String()
}

// TestParseBodyLinks checks when parseBody parses a second time, with
// linkify: when the text (not a link's target) has an "@", or an address
// outside code. In "a`b@c.com`" linkify takes "a`b@c.com" for an address
// before the code span is seen.
func TestParseBodyLinks(t *testing.T) {
	for _, tc := range []struct {
		md       string
		linkable bool
	}{
		{"see https://example.com/a today", true}, {"www.example.com", true}, {"(ftp://a.b/c)", true},
		{"write to me@example.com", true}, {"*http://a.b*", true}, {"[http://a.b](/c)", true},
		{"x a`b@c.com` y", true}, {"`b@c.com`", true},
		{"[a](https://example.com/b) and [c](http://d/e \"f\")", false}, {"<https://example.com/> <a@b.com>", false},
		{"`http://a.b` and\n\n    www.example.com", false}, {"[r]\n\n[r]: https://example.com/r", false},
		{"![i](https://a/b.png) http not ftp nor www", false},
		{strings.Repeat("[a](http://b) ", maxLinkHints+1), true}, // too many places to look up: parsed with linkify
		{"```\n" + strings.Repeat("@", maxLinkHints-1) + "\n```\n\n`a` b@c.org", true},
		{"```\n" + strings.Repeat("www.@ ", maxLinkHints/2-2) + "\n```\n\n[a](http://www.b) c", false},
	} {
		src := []byte(tc.md)
		doc := unlinked.Parser().Parse(text.NewReader(src))
		if got := linkableText(src, doc); got != tc.linkable {
			t.Errorf("%q: linkable %v, want %v", tc.md, got, tc.linkable)
		}
		got, want := renderTree(src, parseBody(src, parser.NewContext())), renderTree(src, linkedParse(src))
		if got != want {
			t.Errorf("%q: parseBody renders %q, markdown %q", tc.md, got, want)
		}
		if tc.linkable && !strings.ContainsAny(tc.md[:1], "[`") && !strings.Contains(got, "<a href=") {
			t.Errorf("%q: no link in %q", tc.md, got)
		}
	}
}

// The second parse, with linkify, counts against the same time budget as
// the first.
func TestParseBodyBudget(t *testing.T) {
	src := []byte("see www.example.com, [a](b) and *c*\n\n- d\n- e\n")
	calls := func(parse func(pc parser.Context)) int {
		d := &deadline{at: time.Now().Add(time.Hour)}
		pc := parser.NewContext()
		pc.Set(deadlineKey, d)
		parse(pc)
		return d.calls
	}
	first := calls(func(pc parser.Context) { unlinked.Parser().Parse(text.NewReader(src), parser.WithContext(pc)) })
	second := calls(func(pc parser.Context) { markdown.Parser().Parse(text.NewReader(src), parser.WithContext(pc)) })
	if both := calls(func(pc parser.Context) { parseBody(src, pc) }); first == 0 || second == 0 || both != first+second {
		t.Errorf("the budget was asked %d times, want %d + %d", both, first, second)
	}
}

// With linkify, goldmark keeps white space before a line break when there
// are two or more characters of it: trimBeforeBreaks drops it, as the parse
// without linkify does and CommonMark says.
func TestTrimBeforeBreaks(t *testing.T) {
	for md, want := range map[string]string{
		"a \t\nwww.example.com":    "<p>a\n<a href=\"http://www.example.com\">www.example.com</a></p>\n",
		"a b    \nwww.example.com": "<p>a b<br>\n<a href=\"http://www.example.com\">www.example.com</a></p>\n",
		"a  \\\nwww.example.com":   "<p>a  <br>\n<a href=\"http://www.example.com\">www.example.com</a></p>\n",
		"*a* \t \n`b`   \nx@y.org": "<p><em>a</em>\n<code>b</code><br>\n<a href=\"mailto:x@y.org\">x@y.org</a></p>\n",
	} {
		src := []byte(md)
		if got := renderTree(src, parseBody(src, parser.NewContext())); got != want {
			t.Errorf("%q renders %q, want %q", md, got, want)
		}
	}
}

// TestParseBodyShort compares parseBody with markdown (and the trimming)
// on every body of up to five characters of spaces, tabs, line ends,
// backslashes, emphasis and a parenthesis: where the text is split and
// trimmed, and where linkify is asked. It never makes a link (the fuzz
// test and TestParseBodyLinks do).
func TestParseBodyShort(t *testing.T) {
	alphabet := []byte("0 \t\n\\*_(")
	var try func(md []byte)
	try = func(md []byte) {
		if got, want := renderTree(md, parseBody(md, parser.NewContext())), renderTree(md, linkedParse(md)); got != want {
			t.Fatalf("%q: parseBody renders %q, markdown %q", md, got, want)
		}
		if len(md) < 5 {
			for _, c := range alphabet {
				try(append(md, c))
			}
		}
	}
	try(nil)
}

// FuzzKeptLink checks that a link keptLink passes is one the policy keeps
// byte for byte (TestKeptLink, that the common ones are passed).
func FuzzKeptLink(f *testing.F) {
	for _, v := range []string{"http://127.0.0.1:8080/articles/a.html", "https://example.com/a/b?c=d;e#f",
		"http://[::1]/", "http://a/%2F%20", "HTTP://A/", "http://a/b%zz", "http://a b/", "http://a/é",
		"http://a/\"x", "http://a/&amp;", "http://a/&lt;", "https://x/a'b", "http:///a", "http://a/./b/../c",
		"http://user:pw@a/", "http://a/?", "http://a/#", "http://a/b/../c", "http://a/./", "http://a/b/..", "http://a/.b", "http://a", "http://a:bad/", "https:x", "http://a/\x00", "javascript://a/", "http://a/?\u00a0", "http://a/?x\u0085", "http://a/?x\u3000"} {
		f.Add(v)
	}
	page, _ := url.Parse("https://example.com/blog/articles/a%20b.html")
	f.Fuzz(func(t *testing.T, v string) {
		tag := `<a href="` + v + `">`
		if keptLink([]byte(tag)) {
			if clean := policy.Sanitize(tag); clean != tag {
				t.Fatalf("keptLink(%q), but the policy gives %q", tag, clean)
			}
		}
		if keptAsIs([]byte(tag)) {
			if abs := absolutizeLinks([]byte(tag), page); string(abs) != tag || !keptLink(abs) {
				t.Fatalf("keptAsIs(%q), but absolutizeLinks gives %q (kept: %v)", tag, abs, keptLink(abs))
			}
		}
	})
}

func TestKeptLink(t *testing.T) {
	for _, v := range []string{"http://127.0.0.1:8080/articles/a.html", "https://example.com/a/b?c=d;e#f", "http://a/%2F%20"} {
		if tag := `<a href="` + v + `">`; !keptLink([]byte(tag)) || !keptAsIs([]byte(tag)) {
			t.Errorf("keptLink(%q) = %v, keptAsIs %v, want both", tag, keptLink([]byte(tag)), keptAsIs([]byte(tag)))
		}
	}
	// Kept, once made absolute: their dot segments go.
	for _, v := range []string{"http://a/b/../c", "http://a/./b", "https://a/b/.."} {
		if tag := `<a href="` + v + `">`; !keptLink([]byte(tag)) || keptAsIs([]byte(tag)) {
			t.Errorf("keptLink(%q) = %v, keptAsIs %v, want true and false", tag, keptLink([]byte(tag)), keptAsIs([]byte(tag)))
		}
	}
	for _, tag := range []string{`<a href="">`, `<a href=">`, `<a href="javascript://a/">`, `<a href="/a">`,
		`<a href="http://a/&amp;">`, `<a href="HTTP://A/">`, `<a href="http://a/é">`, `<a title="t" href="http://a/">`,
		"<a href=\"http://a/?\u00a0\">", "<a href=\"http://a/?x\u2028\">", "<a href=\"http://a/\x7f\">"} {
		if keptLink([]byte(tag)) {
			t.Errorf("keptLink(%q) = true, want false", tag)
		}
	}
}

// summaryOf hands HTML it cannot read tag by tag to the tokenizer: what
// the tokenizer reads as raw text, comments, and what is no tag to it. The
// policy lets none of it through; these are given to summaryOf directly.
func TestSummaryOfOddHTML(t *testing.T) {
	for _, h := range []string{
		"<p>a</p><textarea>b <i>c</i> d</textarea>e", "x<script>if (a<b) {}</script>y", "<title>a<p>b</title>c",
		"a<!-- <p> -->b", "a< p>b", "a<P>b</P>c", "<p>a<1>b", "a<", "a<p", "<p>&amp;lt;&#x41;&bogus;</p>",
	} {
		for _, n := range []int{0, 3, 280} {
			if got, want := summaryOf(h, n), truncateWords(wholeText(h), n); got != want {
				t.Errorf("summaryOf(%q, %d) = %q, want %q", h, n, got, want)
			}
		}
	}
}

// simplePages are pages simpleBase resolves against (the first four) and
// pages it refuses (the others).
var simplePages = []string{"https://example.com/blog/articles/a.html", "http://127.0.0.1:8080/articles/x-y_z~1.html",
	"http://[::1]/", "https://example.com/a/b/", "https://example.com/a%20b/c.html", "https://user@example.com/a.html",
	"https://example.com/a/./b.html", "https://example.com/a//b.html", "https://example.com/a.html?q=1",
	"https://example.com/a&b.html", "https://example.com/é.html", "ftp://example.com/a.html"}

// FuzzSimpleLink checks that a tag simpleBase resolves is what
// absolutizeLinks makes of it, kept by keptLink as simpleBase says
// (TestSimpleLink, that the plain forms are resolved).
func FuzzSimpleLink(f *testing.F) {
	for _, v := range []string{"#", "#a", "#a/b", "#a#b", "#..", "/", "/a", "/a/", "//a", "/a//b", "/./a", "/a/..",
		"a.html", "a/b.html", "./a", "../a", "a/../b", ".", "..", "a:b", "a?b", "a b", "a%20b", "~a", "-", "a&amp;b", "#é", ""} {
		for i := range simplePages {
			f.Add(v, i)
		}
	}
	f.Fuzz(func(t *testing.T, v string, i int) {
		page, err := url.Parse(simplePages[uint(i)%uint(len(simplePages))])
		if err != nil {
			t.Fatal(err)
		}
		tag := []byte(`<a href="` + v + `">`)
		base := newSimpleBase(page)
		if abs, ok := base.resolve(tag); ok {
			if want := absolutizeLinks(tag, page); string(abs) != string(want) {
				t.Fatalf("resolve(%q) against %s gives %q, absolutizeLinks %q", tag, page, abs, want)
			}
			if keptLink(abs) != base.kept {
				t.Fatalf("resolve(%q) against %s gives %q, kept %v, but keptLink says %v", tag, page, abs, base.kept, keptLink(abs))
			}
		}
	})
}

func TestSimpleLink(t *testing.T) {
	for _, p := range simplePages[:4] {
		page, _ := url.Parse(p)
		if !newSimpleBase(page).ok {
			t.Errorf("newSimpleBase(%s) refuses, want it to resolve", p)
		}
	}
	page, _ := url.Parse("https://example.com/blog/articles/a.html")
	b := newSimpleBase(page)
	if !b.ok || !b.kept {
		t.Fatalf("newSimpleBase(%s): resolves %v, its links kept %v; want both", page, b.ok, b.kept)
	}
	for v, want := range map[string]string{
		"#":          "https://example.com/blog/articles/a.html",
		"#part":      "https://example.com/blog/articles/a.html#part",
		"/":          "https://example.com/",
		"/tags/go/":  "https://example.com/tags/go/",
		"b.html":     "https://example.com/blog/articles/b.html",
		"sub/c.html": "https://example.com/blog/articles/sub/c.html",
		"../c.html":  "",
		"a b.html":   "",
		"mailto:x":   "",
	} {
		abs, ok := b.resolve([]byte(`<a href="` + v + `">`))
		if got := strings.TrimSuffix(strings.TrimPrefix(string(abs), `<a href="`), `">`); ok != (want != "") || got != want {
			t.Errorf("resolve(%q) = %q, %v; want %q", v, got, ok, want)
		}
	}
	for _, p := range simplePages[4:] {
		page, _ := url.Parse(p)
		if newSimpleBase(page).ok {
			t.Errorf("newSimpleBase(%s) resolves, want it to refuse", p)
		}
	}
}

package feed

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"
)

// pageTemplates are the frames of the index and of an article's page; mark
// stands for the index's rows and for a page's article block, which are
// written by hand (see Index and pageFrame).
var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"mark": func() template.HTML { return fillMark },
}).Parse(`
{{define "head"}}<!DOCTYPE html>
<html{{with .Site.Lang}} lang="{{.}}"{{end}}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="alternate" type="application/rss+xml" title="{{.Site.Title}} (RSS)" href="{{.Links.RSS}}">
<link rel="alternate" type="application/atom+xml" title="{{.Site.Title}} (Atom)" href="{{.Links.Atom}}">
<link rel="alternate" type="application/feed+json" title="{{.Site.Title}} (JSON Feed)" href="{{.Links.JSON}}">
<style>body{max-width:42rem;margin:2rem auto;padding:0 1rem;font:1.05rem/1.6 system-ui,sans-serif}time{color:#666}</style>
</head>
<body>
{{end}}
{{define "index"}}{{template "head" .}}<header><h1>{{.Site.Title}}</h1>{{with .Site.Description}}<p>{{.}}</p>{{end}}
<p>Subscribe: <a href="{{.Links.RSS}}">RSS</a> · <a href="{{.Links.Atom}}">Atom</a> · <a href="{{.Links.JSON}}">JSON Feed</a></p></header>
<main><ul>
{{mark}}</ul></main>
</body>
</html>
{{end}}
{{define "page"}}{{template "head" .}}<header><p><a href="{{.Site.BaseURL}}">{{.Site.Title}}</a></p></header>
<main><article>
{{mark}}
</article></main>
</body>
</html>
{{end}}
`))

type feedLinks struct{ RSS, Atom, JSON string }

type pageData struct {
	Site  Site
	Links feedLinks
	Title string
}

func (s Site) pageData(title string) pageData {
	return pageData{Site: s, Title: title, Links: feedLinks{s.url(RSSFile), s.url(AtomFile), s.url(JSONFile)}}
}

// Index renders index.html: every published article, newest first.
func (s Site) Index(list []*Article) ([]byte, error) {
	// The page is rendered around a mark, then the rows are put in its
	// place: the index of 100,000 articles is 15 MB.
	head, tail, err := around("index", s.pageData(s.Title))
	if err != nil {
		return nil, err
	}
	r := s.rows()
	n := len(head) + len(tail)
	for _, a := range list { // all but the escapes: one allocation, mostly
		n += rowBytes + len(r.prefix) + len(a.Slug) + len(a.Title) + 2*len(time.RFC3339)
	}
	out := make([]byte, 0, n)
	out = append(out, head...)
	for _, a := range list {
		out = r.append(out, a)
	}
	return append(out, tail...), nil
}

// rowMaker writes the index's line for an article:
//
//	<li><a href="PERMALINK">TITLE</a> <time datetime="RFC 3339">2 January 2006</time></li>
//
// escaped as html/template escapes them (TestIndexRowsMatchTemplate holds
// it to a template doing the same). By hand, because a template run per
// line costs 20 µs: 2 s of CPU for an index of 100,000 articles, made
// again whenever an article comes, goes or changes title or date.
type rowMaker struct {
	s      Site
	prefix []byte // the escaped address of the articles folder, with its slash
}

func (s Site) rows() rowMaker {
	r := rowMaker{s: s, prefix: appendURLAttr(nil, s.url("articles/"))}
	if string(r.prefix) == refusedURL {
		r.prefix = nil // no address below it is any better
	}
	return r
}

// rowBytes is the length of a line without its address, title and dates.
const rowBytes = len(`<li><a href=""></a> <time datetime=""></time></li>` + "\n")

func (r rowMaker) append(b []byte, a *Article) []byte {
	b = append(b, `<li><a href="`...)
	if r.prefix != nil && plainSlug(a.Slug) {
		b = append(append(append(b, r.prefix...), a.Slug...), ".html"...)
	} else {
		b = appendURLAttr(b, r.s.Permalink(a))
	}
	b = append(b, `">`...)
	b = appendEscaped(b, a.Title, templateEscapes)
	b = appendTime(append(b, "</a> "...), a.Published)
	return append(b, "</li>\n"...)
}

// appendTime writes the date of the index's lines and of a page:
//
//	<time datetime="RFC 3339">2 January 2006</time>
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, `<time datetime="`...)
	var iso [64]byte
	b = appendEscaped(b, t.AppendFormat(iso[:0], time.RFC3339), templateEscapes)
	b = append(b, `">`...)
	b = t.AppendFormat(b, "2 January 2006")
	return append(b, "</time>"...)
}

// sameRows reports whether the index keeps every line where it was when
// the articles added replace those removed: each added one is the new
// version of a removed one, at the same place in the list (same date) and
// with the same line (same address, title and date as written).
func (s Site) sameRows(added, removed []*Article) bool {
	if len(added) != len(removed) {
		return false
	}
	old := make(map[string]*Article, len(removed))
	for _, a := range removed {
		old[a.Path] = a
	}
	r := s.rows()
	for _, a := range added {
		o := old[a.Path]
		if o == nil || !o.Published.Equal(a.Published) || !bytes.Equal(r.append(nil, o), r.append(nil, a)) {
			return false
		}
	}
	return true
}

// plainSlug reports whether a slug is its own address below the articles
// folder, escaping nothing: lower-case ASCII letters, digits, '-', '_' and
// '/' (a slug has no dots: no segment to resolve).
func plainSlug(slug string) bool {
	for i := 0; i < len(slug); i++ {
		c := slug[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '/') {
			return false
		}
	}
	return true
}

// appendURLAttr appends an address for a quoted attribute, as html/template
// does: one with a scheme other than http, https or mailto is refused,
// bytes an address may not hold are percent-encoded (valid escapes are
// kept), and the result is escaped as an attribute.
func appendURLAttr(b []byte, u string) []byte {
	if scheme, _, ok := strings.Cut(u, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		return append(b, refusedURL...)
	}
	const hex = "0123456789abcdef"
	var norm []byte
	start := 0
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0,
			c == '%' && i+2 < len(u) && isHexDigit(u[i+1]) && isHexDigit(u[i+2]):
			continue
		}
		norm = append(append(norm, u[start:i]...), '%', hex[c>>4], hex[c&15])
		start = i + 1
	}
	if norm != nil {
		u = string(append(norm, u[start:]...))
	}
	return appendEscaped(b, u, templateEscapes)
}

// refusedURL is what html/template writes for an address it refuses.
const refusedURL = "#ZgotmplZ"

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// fillMark stands for what is written by hand into a frame; no text of the
// site holds it (XML forbids NUL, and text is made XML-safe).
const fillMark = "\x00fill\x00"

// around renders the template name, and gives what comes before its mark
// and after it.
func around(name string, d pageData) (head, tail []byte, err error) {
	var b bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&b, name, d); err != nil {
		return nil, nil, err
	}
	head, tail, ok := bytes.Cut(b.Bytes(), []byte(fillMark))
	if !ok {
		return nil, nil, fmt.Errorf("%s template lost its mark", name) // a bug
	}
	return head, tail, nil
}

// pageFrame is what every page of a site shares, rendered once by the
// template around the parts that are the article's; a page is then put
// together by hand (TestPagesMatchTemplate holds it to the template that
// made whole pages before), in 2 µs rather than the template's 27.
type pageFrame struct {
	head []byte // up to the title's text
	site []byte // the rest of the title: " · " and the site's title, escaped
	mid  []byte // from the title's end to the article's block
	tail []byte // after the article's block
}

func (s Site) pageFrame() (*pageFrame, error) {
	head, tail, err := around("page", s.pageData(""))
	if err != nil {
		return nil, err
	}
	// Every text of the site is escaped, so the template's own tags are
	// the only "<title>".
	head, mid, ok := bytes.Cut(head, []byte("<title></title>"))
	if !ok {
		return nil, errors.New("page template lost its title") // a bug
	}
	return &pageFrame{
		head: append(head[:len(head):len(head)], "<title>"...),
		site: appendEscaped([]byte(" · "), s.Title, templateEscapes),
		mid:  append([]byte("</title>"), mid...),
		tail: tail,
	}, nil
}

// page is an article's page: the frame around its title and its block,
//
//	<h1>TITLE</h1>
//	<p><time datetime="RFC 3339">2 January 2006</time> · AUTHOR · <span class="tag">TAG</span>…</p>
//	HTML
//
// escaped as html/template escapes them (the HTML is sanitised already).
func (f *pageFrame) page(a *Article) []byte { return f.appendPage(nil, a) }

// appendPage is page, written into b's room.
func (f *pageFrame) appendPage(b []byte, a *Article) []byte {
	n := len(f.head) + len(f.site) + len(f.mid) + len(f.tail) + len(a.HTML) +
		2*len(a.Title) + len(a.Author) + 2*len(time.RFC3339) + 64
	for _, t := range a.Tags {
		n += len(t) + len(` · <span class="tag"></span>`)
	}
	b = slices.Grow(b[:0], n+n/16) // room for a few escapes
	b = append(b, f.head...)
	b = appendEscaped(b, a.Title, templateEscapes)
	b = append(b, f.site...)
	b = append(b, f.mid...)
	b = append(b, "<h1>"...)
	b = appendEscaped(b, a.Title, templateEscapes)
	b = appendTime(append(b, "</h1>\n<p>"...), a.Published)
	if a.Author != "" {
		b = appendEscaped(append(b, " · "...), a.Author, templateEscapes)
	}
	for _, t := range a.Tags {
		b = append(b, ` · <span class="tag">`...)
		b = append(appendEscaped(b, t, templateEscapes), "</span>"...)
	}
	b = append(b, "</p>\n"...)
	b = append(b, a.HTML...)
	return append(b, f.tail...)
}

// htmlAt gives where page put html in body, a page it made; -1 if it is
// not there.
func (f *pageFrame) htmlAt(body []byte, html string) int {
	at := len(body) - len(f.tail) - len(html)
	if at < 0 || string(body[at:at+len(html)]) != html {
		return -1
	}
	return at
}

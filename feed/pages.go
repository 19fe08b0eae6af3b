package feed

import (
	"bytes"
	"errors"
	"html/template"
	"time"
)

var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"date": func(t time.Time) string { return t.Format("2 January 2006") },
	"iso":  func(t time.Time) string { return t.Format(time.RFC3339) },
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
{{.Rows}}</ul></main>
</body>
</html>
{{end}}
{{define "row"}}<li><a href="{{.Site.Permalink .Article}}">{{.Article.Title}}</a> <time datetime="{{iso .Article.Published}}">{{date .Article.Published}}</time></li>
{{end}}
{{define "page"}}{{template "head" .}}<header><p><a href="{{.Site.BaseURL}}">{{.Site.Title}}</a></p></header>
<main><article>
<h1>{{.Article.Title}}</h1>
<p><time datetime="{{iso .Article.Published}}">{{date .Article.Published}}</time>{{with .Article.Author}} · {{.}}{{end}}{{range .Article.Tags}} · <span class="tag">{{.}}</span>{{end}}</p>
{{.Body}}
</article></main>
</body>
</html>
{{end}}
`))

type feedLinks struct{ RSS, Atom, JSON string }

type pageData struct {
	Site    Site
	Links   feedLinks
	Title   string
	Rows    template.HTML // the index's list items, each made by IndexRow
	Article *Article
	Body    template.HTML
}

func (s Site) pageData(title string) pageData {
	return pageData{Site: s, Title: title, Links: feedLinks{s.url(RSSFile), s.url(AtomFile), s.url(JSONFile)}}
}

// Index renders index.html: every published article, newest first.
func (s Site) Index(list []*Article) ([]byte, error) {
	rows := make([][]byte, len(list))
	for i, a := range list {
		var err error
		if rows[i], err = s.IndexRow(a); err != nil {
			return nil, err
		}
	}
	return s.IndexOf(rows)
}

// IndexRow renders an article's line in the index. A rebuild keeps the rows
// of unchanged articles, so the index of many articles is a join, not a
// template run per article.
func (s Site) IndexRow(a *Article) ([]byte, error) {
	d := s.pageData("")
	d.Article = a
	return execute("row", d, 0)
}

// IndexOf renders index.html around rows made by IndexRow, newest first.
func (s Site) IndexOf(rows [][]byte) ([]byte, error) {
	index, _, err := s.indexOf(rows)
	return index, err
}

// indexOf is IndexOf, and where in the index the first row starts.
func (s Site) indexOf(rows [][]byte) (index []byte, start int, err error) {
	// The page is rendered around a mark, then the rows (each escaped by
	// its template) are copied in its place: the index of 100,000 articles
	// is 15 MB, made on every rebuild, in one exact allocation.
	d := s.pageData(s.Title)
	d.Rows = rowsMark
	frame, err := execute("index", d, 0)
	if err != nil {
		return nil, 0, err
	}
	head, tail, ok := bytes.Cut(frame, []byte(rowsMark))
	if !ok {
		return nil, 0, errors.New("index template lost its rows") // a bug
	}
	n := len(head) + len(tail)
	for _, r := range rows {
		n += len(r)
	}
	out := make([]byte, 0, n)
	out = append(out, head...)
	for _, r := range rows {
		out = append(out, r...)
	}
	return append(out, tail...), len(head), nil
}

// rowsMark stands for the rows of the index; no text of the site holds it
// (XML forbids NUL, and text is made XML-safe).
const rowsMark = "\x00rows\x00"

// Page renders one article's page.
func (s Site) Page(a *Article) ([]byte, error) {
	d := s.pageData(a.Title + " · " + s.Title)
	d.Article = a
	d.Body = template.HTML(a.HTML) // sanitised by renderBody
	return execute("page", d, 0)
}

func execute(name string, d pageData, size int) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(size)
	if err := pageTemplates.ExecuteTemplate(&b, name, d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

package feed

import (
	"encoding/xml"
	"html"
	"strings"
	"time"

	"github.com/gorilla/feeds"
)

// atomDoc is gorilla/feeds' Atom feed with what it lacks: xml:lang, a self
// link beside the alternate one, a generator, categories, published dates,
// titles and summaries that stay plain text, and an author on the feed for
// entries that have none.
type atomDoc struct {
	XMLName   xml.Name         `xml:"feed"`
	Xmlns     string           `xml:"xmlns,attr"`
	Lang      string           `xml:"xml:lang,attr,omitempty"`
	Title     *atomText        `xml:"title"`
	Subtitle  *atomText        `xml:"subtitle"`
	ID        string           `xml:"id"`
	Updated   string           `xml:"updated"`
	Links     []feeds.AtomLink `xml:"link"`
	Author    *feeds.AtomAuthor
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomEntry struct {
	XMLName    xml.Name         `xml:"entry"`
	Title      *atomText        `xml:"title"`
	Links      []feeds.AtomLink `xml:"link"`
	ID         string           `xml:"id"`
	Published  string           `xml:"published"`
	Updated    string           `xml:"updated"`
	Author     *feeds.AtomAuthor
	Categories []atomCategory `xml:"category"`
	Summary    *atomText      `xml:"summary"`
	Content    *feeds.AtomContent
}

// atomText is an Atom text construct holding plain text. Text with markup
// characters goes as escaped HTML: in type="text" a literal "<b>" is valid,
// but validators flag it and some readers render it.
type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// plainAtomText is the text construct of plain text s; nil (the element
// left out) when s is empty. Titles never are.
func plainAtomText(s string) *atomText {
	switch {
	case s == "":
		return nil
	case strings.ContainsAny(s, "<&"):
		return &atomText{Type: "html", Body: html.EscapeString(s)}
	}
	return &atomText{Type: "text", Body: s}
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

func (d *atomDoc) FeedXml() any { return d }

func (s Site) atom(f *feeds.Feed, list []*Article) ([]byte, error) {
	af := (&feeds.Atom{Feed: f}).AtomFeed()
	author := s.Author
	if author == "" {
		author = s.Title // RFC 4287 wants an author for every entry
	}
	doc := &atomDoc{
		Xmlns:    af.Xmlns,
		Lang:     s.Lang,
		Title:    plainAtomText(af.Title),
		Subtitle: plainAtomText(af.Subtitle),
		ID:       s.BaseURL.String(),
		Updated:  f.Updated.Format(time.RFC3339),
		Links: []feeds.AtomLink{
			{Href: s.BaseURL.String(), Rel: "alternate", Type: "text/html"},
			{Href: s.url(AtomFile), Rel: "self", Type: "application/atom+xml"},
		},
		Author:    &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: author}},
		Generator: generator,
	}
	for i, e := range af.Entries {
		a := list[i]
		ent := atomEntry{
			Title:     plainAtomText(a.Title),
			Links:     []feeds.AtomLink{{Href: s.Permalink(a), Rel: "alternate", Type: "text/html"}},
			ID:        s.atomID(a),
			Published: a.Published.Format(time.RFC3339),
			Updated:   a.Updated.Format(time.RFC3339),
			Author:    e.Author,
			Summary:   plainAtomText(a.Summary),
			Content:   e.Content,
		}
		for _, t := range a.Tags {
			ent.Categories = append(ent.Categories, atomCategory{Term: t})
		}
		doc.Entries = append(doc.Entries, ent)
	}
	return toXML(doc)
}

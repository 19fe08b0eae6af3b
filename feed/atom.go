package feed

import (
	"encoding/xml"
	"time"

	"github.com/gorilla/feeds"
)

// atomDoc is gorilla/feeds' Atom feed with what it lacks: xml:lang, a self
// link beside the alternate one, a generator, categories, published dates,
// a plain-text summary and an author on the feed for entries that have none.
type atomDoc struct {
	XMLName   xml.Name         `xml:"feed"`
	Xmlns     string           `xml:"xmlns,attr"`
	Lang      string           `xml:"xml:lang,attr,omitempty"`
	Title     string           `xml:"title"`
	Subtitle  string           `xml:"subtitle,omitempty"`
	ID        string           `xml:"id"`
	Updated   string           `xml:"updated"`
	Links     []feeds.AtomLink `xml:"link"`
	Author    *feeds.AtomAuthor
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomEntry struct {
	XMLName    xml.Name         `xml:"entry"`
	Title      string           `xml:"title"`
	Links      []feeds.AtomLink `xml:"link"`
	ID         string           `xml:"id"`
	Published  string           `xml:"published"`
	Updated    string           `xml:"updated"`
	Author     *feeds.AtomAuthor
	Categories []atomCategory `xml:"category"`
	Summary    *feeds.AtomSummary
	Content    *feeds.AtomContent
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
		Title:    af.Title,
		Subtitle: af.Subtitle,
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
			Title:     e.Title,
			Links:     []feeds.AtomLink{{Href: s.Permalink(a), Rel: "alternate", Type: "text/html"}},
			ID:        s.atomID(a),
			Published: a.Published.Format(time.RFC3339),
			Updated:   a.Updated.Format(time.RFC3339),
			Author:    e.Author,
			Content:   e.Content,
		}
		if a.Summary != "" {
			ent.Summary = &feeds.AtomSummary{Content: a.Summary, Type: "text"}
		}
		for _, t := range a.Tags {
			ent.Categories = append(ent.Categories, atomCategory{Term: t})
		}
		doc.Entries = append(doc.Entries, ent)
	}
	return toXML(doc)
}

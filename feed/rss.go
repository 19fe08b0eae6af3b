package feed

import (
	"encoding/xml"
	"html"
	"time"

	"github.com/gorilla/feeds"
)

// rssDoc is gorilla/feeds' RSS 2.0 channel with what it lacks: the content,
// atom and dc namespaces, an atom:link rel="self", dc:creator for authors
// given by name, and one category per tag.
type rssDoc struct {
	XMLName   xml.Name   `xml:"rss"`
	Version   string     `xml:"version,attr"`
	NSContent string     `xml:"xmlns:content,attr"`
	NSAtom    string     `xml:"xmlns:atom,attr"`
	NSDC      string     `xml:"xmlns:dc,attr"`
	Channel   rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Self          atomLink  `xml:"atom:link"`
	Language      string    `xml:"language,omitempty"`
	Creator       string    `xml:"dc:creator,omitempty"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Generator     string    `xml:"generator"`
	Docs          string    `xml:"docs"`
	Items         []rssItem `xml:"item"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	*feeds.RssItem
	Creator    string   `xml:"dc:creator,omitempty"`
	Categories []string `xml:"category"`
}

func (d *rssDoc) FeedXml() any { return d }

func (s Site) rss(f *feeds.Feed, list []*Article) ([]byte, error) {
	ch := (&feeds.Rss{Feed: f}).RssFeed()
	doc := &rssDoc{
		Version:   "2.0",
		NSContent: "http://purl.org/rss/1.0/modules/content/",
		NSAtom:    "http://www.w3.org/2005/Atom",
		NSDC:      "http://purl.org/dc/elements/1.1/",
		Channel: rssChannel{
			Title:         ch.Title,
			Link:          ch.Link,
			Description:   html.EscapeString(ch.Description),
			Self:          atomLink{Href: s.url(RSSFile), Rel: "self", Type: "application/rss+xml"},
			Language:      s.Lang,
			Creator:       s.Author,
			LastBuildDate: f.Updated.Format(time.RFC1123Z),
			Generator:     generator,
			Docs:          "https://www.rssboard.org/rss-specification",
		},
	}
	for i, it := range ch.Items {
		a := list[i]
		it.Author = "" // RSS wants an e-mail address there; names go to dc:creator
		// Readers take a description as HTML: escape the plain summary so a
		// literal "<b>" or "&amp;" shows as written.
		it.Description = html.EscapeString(a.Summary)
		it.PubDate = a.Published.Format(time.RFC1123Z)
		doc.Channel.Items = append(doc.Channel.Items, rssItem{RssItem: it, Creator: a.Author, Categories: a.Tags})
	}
	return toXML(doc)
}

// toXML marshals a feed document through gorilla/feeds, adding the final
// newline a text file ends with.
func toXML(doc feeds.XmlFeed) ([]byte, error) {
	s, err := feeds.ToXML(doc)
	if err != nil {
		return nil, err
	}
	return []byte(s + "\n"), nil
}

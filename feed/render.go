package feed

import (
	"cmp"
	"crypto/sha1"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/gorilla/feeds"
)

// Site is the feed-level metadata every output shares.
type Site struct {
	BaseURL     *url.URL // ends in /
	Title       string
	Description string
	Author      string
	Lang        string
	Limit       int // entries per feed
}

// The files Render produces besides the article pages.
const (
	RSSFile   = "rss.xml"
	AtomFile  = "atom.xml"
	JSONFile  = "feed.json"
	IndexFile = "index.html"
)

const generator = "dropfeed"

// PagePath is where an article's page lives, relative to the output folder.
func PagePath(slug string) string { return "articles/" + slug + ".html" }

func (s Site) url(rel string) string {
	return s.BaseURL.ResolveReference(&url.URL{Path: rel}).String()
}

// Permalink is the public address of an article's page.
func (s Site) Permalink(a *Article) string { return s.url(PagePath(a.Slug)) }

// entryID is the id an entry keeps for life: the permalink (which depends
// only on the file's path), or the front matter's explicit id.
func (s Site) entryID(a *Article) (id string, isPermalink bool) {
	if a.ID != "" {
		return a.ID, false
	}
	return s.Permalink(a), true
}

// atomID is entryID as an IRI, as Atom requires: an explicit id that is not
// an absolute URI becomes a name-based UUID URN of itself.
func (s Site) atomID(a *Article) string {
	id, _ := s.entryID(a)
	if u, err := url.Parse(id); err == nil && u.IsAbs() {
		return id
	}
	h := sha1.Sum([]byte("dropfeed:" + id))
	h[6] = h[6]&0x0F | 0x50
	h[8] = h[8]&0x3F | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// Newest orders articles newest first; ties go by path, so the order never
// depends on how the files were found.
func Newest(list []*Article) { slices.SortFunc(list, newer) }

// newer is the order of Newest.
func newer(a, b *Article) int {
	if c := b.Published.Compare(a.Published); c != 0 {
		return c
	}
	return cmp.Compare(a.Path, b.Path)
}

// feedItems is the generic model gorilla/feeds works from, built once for all
// three formats. list must be sorted newest first and already limited.
func (s Site) feedItems(list []*Article) *feeds.Feed {
	f := &feeds.Feed{
		Title:       s.Title,
		Description: s.Description,
		Link:        &feeds.Link{Href: s.BaseURL.String()},
		Updated:     feedUpdated(list),
	}
	if s.Author != "" {
		f.Author = &feeds.Author{Name: s.Author}
	}
	for _, a := range list {
		id, perma := s.entryID(a)
		it := &feeds.Item{
			Title:       a.Title,
			Link:        &feeds.Link{Href: s.Permalink(a)},
			Description: a.Summary,
			Id:          id,
			IsPermaLink: fmt.Sprint(perma),
			Created:     a.Published,
			Updated:     a.Updated,
			Content:     a.HTML,
		}
		if a.Author != "" {
			it.Author = &feeds.Author{Name: a.Author}
		}
		f.Items = append(f.Items, it)
	}
	return f
}

// feedUpdated is the newest entry's update time: the feed changes only when
// an entry does, never with the clock.
func feedUpdated(list []*Article) time.Time {
	var t time.Time
	for _, a := range list {
		if a.Updated.After(t) {
			t = a.Updated
		}
	}
	if t.IsZero() {
		t = time.Unix(0, 0).UTC()
	}
	return t
}

// Feeds renders the three feeds of the newest Limit published articles.
// list must be sorted with Newest and hold no drafts.
func (s Site) Feeds(list []*Article) (rss, atom, jsonFeed []byte, err error) {
	var out [3][]byte
	for i, m := range s.feedMakers(list) {
		if out[i], err = m.make(); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", m.what, err)
		}
	}
	return out[0], out[1], out[2], nil
}

// feedMaker makes one file of the site: its name, what it is (for errors),
// and what makes its bytes.
type feedMaker struct {
	name, what string
	make       func() ([]byte, error)
}

// feedMakers are the makers of the three feeds of Feeds, in its order:
// each may run on a core of its own.
func (s Site) feedMakers(list []*Article) []feedMaker {
	list = list[:min(len(list), s.Limit)]
	f := s.feedItems(list)
	return []feedMaker{
		{RSSFile, "rss", func() ([]byte, error) { return s.rss(f, list) }},
		{AtomFile, "atom", func() ([]byte, error) { return s.atom(f, list) }},
		{JSONFile, "json feed", func() ([]byte, error) { return s.jsonFeed(f, list) }},
	}
}

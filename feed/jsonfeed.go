package feed

import (
	"bytes"
	"encoding/json"

	"github.com/gorilla/feeds"
)

// jsonFeed is gorilla/feeds' JSON Feed 1.1 with the feed address, language
// and tags it leaves out, and the items and content it leaves out when they
// are empty, which JSON Feed 1.1 requires: "items" even with no article,
// and "content_html" (or content_text) in every item, even of an article
// with no body.
func (s Site) jsonFeed(f *feeds.Feed, list []*Article) ([]byte, error) {
	jf := (&feeds.JSON{Feed: f}).JSONFeed()
	jf.FeedUrl = s.url(JSONFile)
	jf.Language = s.Lang
	out := jsonFeedOut{JSONFeed: jf, Items: make([]jsonEntry, len(jf.Items))}
	for i, it := range jf.Items {
		it.Tags = list[i].Tags
		out.Items[i] = jsonEntry{JSONItem: it, ContentHTML: it.ContentHTML}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // content_html reads better unescaped; both are valid JSON
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// jsonFeedOut and jsonEntry put in what feeds.JSONFeed and feeds.JSONItem
// leave out when empty: a field of the same name outside the embedded
// struct is the one encoding/json writes (it then comes after the embedded
// fields: content_html last in each item).
type jsonFeedOut struct {
	*feeds.JSONFeed
	Items []jsonEntry `json:"items"`
}

type jsonEntry struct {
	*feeds.JSONItem
	ContentHTML string `json:"content_html"`
}

package feed

import (
	"bytes"
	"encoding/json"

	"github.com/gorilla/feeds"
)

// jsonFeed is gorilla/feeds' JSON Feed 1.1 with the feed address, language
// and tags it leaves out.
func (s Site) jsonFeed(f *feeds.Feed, list []*Article) ([]byte, error) {
	jf := (&feeds.JSON{Feed: f}).JSONFeed()
	jf.FeedUrl = s.url(JSONFile)
	jf.Language = s.Lang
	for i, it := range jf.Items {
		it.Tags = list[i].Tags
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // content_html reads better unescaped; both are valid JSON
	enc.SetIndent("", "  ")
	if err := enc.Encode(jf); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

package feed

import (
	"bytes"
	"net/url"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
	xhtml "golang.org/x/net/html"
)

// markdown is CommonMark with the GFM tables, strikethrough and autolinks.
// Raw HTML passes through goldmark and is then cleaned by policy.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
	goldmark.WithRendererOptions(html.WithUnsafe()),
)

// policy keeps the HTML a writer may use in an article and drops scripts,
// event handlers, styles and any URL that is not http, https or mailto.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(false)
	return p
}()

// renderBody turns a Markdown body into safe HTML whose links and images
// point at absolute addresses, resolved against page (the article's own
// address), so they work in any feed reader.
func renderBody(body string, page *url.URL) (string, error) {
	var raw bytes.Buffer
	if err := markdown.Convert([]byte(body), &raw); err != nil {
		return "", err
	}
	// Links are made absolute first, so "#part" and "other.html" are judged
	// by the policy as the addresses a reader will follow.
	// Character references such as &#x1B; come out as the characters
	// themselves: drop those XML forbids, so any feed can carry the HTML.
	return xmlSafe(policy.Sanitize(absolutize(raw.Bytes(), page))), nil
}

// urlAttrs are the attributes that hold an address in the HTML the policy
// lets through.
var urlAttrs = map[string]bool{"href": true, "src": true, "cite": true}

// absolutize rewrites every address attribute of HTML so it is absolute,
// resolved against page.
func absolutize(safe []byte, page *url.URL) string {
	var out strings.Builder
	out.Grow(len(safe) + len(safe)/8)
	z := xhtml.NewTokenizer(bytes.NewReader(safe))
	for {
		if z.Next() == xhtml.ErrorToken {
			return out.String()
		}
		tok := z.Token()
		if tok.Type == xhtml.StartTagToken || tok.Type == xhtml.SelfClosingTagToken {
			for i, a := range tok.Attr {
				if !urlAttrs[a.Key] {
					continue
				}
				if ref, err := url.Parse(strings.TrimSpace(a.Val)); err == nil {
					tok.Attr[i].Val = page.ResolveReference(ref).String()
				}
			}
		}
		out.WriteString(tok.String())
	}
}

// blockTags separate words; inline tags (em, a, code) do not.
var blockTags = map[string]bool{
	"p": true, "br": true, "li": true, "ul": true, "ol": true, "div": true, "pre": true,
	"blockquote": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"tr": true, "td": true, "th": true, "table": true, "hr": true, "img": true, "dd": true, "dt": true,
}

// plainText is the text of sanitised HTML with the tags removed and white
// space collapsed: what a summary shows.
func plainText(safe string) string {
	var out strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(safe))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return oneLine(out.String())
		case xhtml.TextToken:
			out.Write(z.Text())
		case xhtml.StartTagToken, xhtml.EndTagToken, xhtml.SelfClosingTagToken:
			if name, _ := z.TagName(); blockTags[string(name)] {
				out.WriteByte(' ')
			}
		}
	}
}

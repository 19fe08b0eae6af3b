package feed

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	xhtml "golang.org/x/net/html"
)

// markdown is CommonMark with the GFM tables, strikethrough and autolinks.
// Raw HTML passes through goldmark and is then cleaned by policy.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
	goldmark.WithRendererOptions(html.WithUnsafe()),
	goldmark.WithParserOptions(
		parser.WithInlineParsers(util.Prioritized(budget{}, 0)),
		parser.WithBlockParsers(util.Prioritized(budget{}, 0)),
	),
)

// renderBudget is how long one article's Markdown may take. goldmark needs
// time that grows with the square of the input for some shapes (tens of
// thousands of "[a](" or nested block quotes); such an article is skipped
// with errTooComplex rather than holding up every rebuild. Ordinary articles
// take milliseconds, so only hostile files ever come near it.
var renderBudget = 3 * time.Second

var errTooComplex = errors.New("too complex to render (deeply nested, or tens of thousands of brackets)")

var deadlineKey = parser.NewContextKey()

// budget is a parser that never parses anything: goldmark asks it first at
// every block and at every character that may start a link, emphasis or
// code, and it stops the conversion once the deadline has passed.
type budget struct{}

func (budget) check(pc parser.Context) {
	if d, ok := pc.Get(deadlineKey).(time.Time); ok && time.Now().After(d) {
		panic(errTooComplex)
	}
}

func (budget) Trigger() []byte { return []byte("[]!(<*_`~> -+") }

func (b budget) Parse(_ ast.Node, _ text.Reader, pc parser.Context) ast.Node {
	b.check(pc)
	return nil
}

func (b budget) Open(_ ast.Node, _ text.Reader, pc parser.Context) (ast.Node, parser.State) {
	b.check(pc)
	return nil, parser.NoChildren
}

func (budget) Continue(ast.Node, text.Reader, parser.Context) parser.State { return parser.Close }
func (budget) Close(ast.Node, text.Reader, parser.Context)                 {}
func (budget) CanInterruptParagraph() bool                                 { return true }
func (budget) CanAcceptIndentedLine() bool                                 { return true }

// maxQuoteDepth is the deepest block quote kept; no writer means more, and
// goldmark's time grows with the square of the depth.
const maxQuoteDepth = 32

// capQuoteDepth drops the ">" markers of each line beyond maxQuoteDepth.
func capQuoteDepth(body string) string {
	if !strings.Contains(body, ">>") && !strings.Contains(body, "> >") {
		return body
	}
	lines := strings.Split(body, "\n")
	for i, line := range lines {
		depth, j, cut := 0, 0, 0
		for j < len(line) {
			k := j
			for k < len(line) && k-j < 4 && line[k] == ' ' {
				k++
			}
			if k == len(line) || line[k] != '>' {
				break
			}
			if depth++; depth == maxQuoteDepth {
				cut = k + 1
			}
			j = k + 1
		}
		if depth > maxQuoteDepth {
			lines[i] = line[:cut] + " " + line[j:]
		}
	}
	return strings.Join(lines, "\n")
}

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
func renderBody(body string, page *url.URL) (_ string, err error) {
	var raw bytes.Buffer
	pc := parser.NewContext()
	pc.Set(deadlineKey, time.Now().Add(renderBudget))
	defer func() {
		if r := recover(); r != nil {
			if r != errTooComplex {
				panic(r)
			}
			err = errTooComplex
		}
	}()
	if err := markdown.Convert([]byte(capQuoteDepth(body)), &raw, parser.WithContext(pc)); err != nil {
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

package feed

import (
	"bytes"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
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
	goldmark.WithParser(newParser(budget{})),
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
	goldmark.WithRendererOptions(html.WithUnsafe(), html.WithWriter(plainWriter{html.DefaultWriter})),
)

// unlinked is markdown without the autolinks of bare addresses (linkify),
// which goldmark asks at every space of the text: a fifth of the parse, for
// a link most articles do not have. parseBody uses it first.
var unlinked = goldmark.New(
	goldmark.WithParser(newParser(spacelessBudget{})),
	goldmark.WithExtensions(extension.Table, extension.Strikethrough),
)

// newParser is goldmark's parser with budget asked first, and the link
// reference definitions looked for only where they can be (refDefs).
func newParser(inline parser.InlineParser) parser.Parser {
	return parser.NewParser(
		parser.WithBlockParsers(append(parser.DefaultBlockParsers(), util.Prioritized(budget{}, 0))...),
		parser.WithInlineParsers(append(parser.DefaultInlineParsers(), util.Prioritized(inline, 0))...),
		parser.WithParagraphTransformers(util.Prioritized(refDefs{}, 100)),
	)
}

// refDefs is goldmark's transformer of paragraphs into link reference
// definitions ("[label]: /address"), asked only of a paragraph whose first
// byte other than white space is "[". goldmark's would make a reader for
// every paragraph only to stop at that byte: a twentieth of the parse.
type refDefs struct{}

func (refDefs) Transform(p *ast.Paragraph, reader text.Reader, pc parser.Context) {
	if c, ok := firstNonSpace(p.Lines(), reader.Source()); ok && c != '[' {
		return
	}
	parser.LinkReferenceParagraphTransformer.Transform(p, reader, pc)
}

// firstNonSpace is the first byte of lines that is not white space, as
// goldmark tells it; ok is false if there is none.
func firstNonSpace(lines *text.Segments, src []byte) (c byte, ok bool) {
	for i := range lines.Len() {
		line := lines.At(i)
		for _, c := range line.Value(src) {
			if !util.IsSpace(c) {
				return c, true
			}
		}
	}
	return 0, false
}

// plainWriter is goldmark's writer of text, which looks at every byte for
// what it must escape or resolve (a tenth of a 3 KB article's parse), with
// a shortcut: text that has none of those bytes, most of an article's, is
// written as it is.
type plainWriter struct{ html.Writer }

func (w plainWriter) Write(b util.BufWriter, src []byte) {
	if plainText(src, &unescaped) {
		_, _ = b.Write(src)
		return
	}
	w.Writer.Write(b, src)
}

func (w plainWriter) RawWrite(b util.BufWriter, src []byte) {
	if plainText(src, &unescapedRaw) {
		_, _ = b.Write(src)
		return
	}
	w.Writer.RawWrite(b, src)
}

// plainText reports whether src has no byte that special marks.
func plainText(src []byte, special *[256]bool) bool {
	for _, c := range src {
		if special[c] {
			return false
		}
	}
	return true
}

// unescapedRaw are the bytes goldmark's RawWrite changes: those HTML
// escapes, and NUL (U+FFFD). unescaped adds what its Write resolves too:
// backslash escapes and character references.
var unescapedRaw, unescaped = func() (raw, all [256]bool) {
	for _, c := range []byte{0, '"', '&', '<', '>'} {
		raw[c] = true
	}
	all = raw
	all['\\'] = true
	return raw, all
}()

// parseBody parses a Markdown body as markdown does. It parses without
// linkify, then again with it only if that could change anything: linkify
// starts a link only at "http:", "https:", "ftp:", "www." or an address
// with "@", and until it does, the two parsers take the same steps (but
// for where they split the text, which trimBeforeBreaks mends). Those
// bytes are no trigger of any other parser, so wherever linkify would
// start, the first parse has them in a text node. A body whose text has
// none (its link targets may) is parsed once.
func parseBody(src []byte, pc parser.Context) ast.Node {
	doc := unlinked.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
	if !linkableText(src, doc) {
		return doc
	}
	again := parser.NewContext() // the first parse's references and state stay with it
	again.Set(deadlineKey, pc.Get(deadlineKey))
	doc = markdown.Parser().Parse(text.NewReader(src), parser.WithContext(again))
	trimBeforeBreaks(src, doc)
	return doc
}

// linkSchemes and linkWWW start what linkify takes for an address (but
// for an "@"); a scheme counts with its ":".
var linkSchemes, linkWWW = [][]byte{[]byte("http"), []byte("https"), []byte("ftp")}, []byte("www.")

// maxLinkHints is the most places linkableText compares text nodes with;
// a body with more (hostile, or a list of addresses) is parsed with
// linkify as it is.
const maxLinkHints = 256

// linkableText reports whether a text node of doc (parsed from src without
// linkify) holds what linkify could start a link at: an "@", or a scheme
// of linkSchemes with its ":" or linkWWW outside code. An address's first
// part may hold a "`", where the parse without linkify starts a code span:
// an "@" in code counts.
// Where those are is found once, in the whole body (most have none, or a
// few in link targets); each text node is then looked up among them.
func linkableText(src []byte, doc ast.Node) bool {
	var ats []int      // every "@"
	var words [][2]int // every scheme and "www.", from and to
	for i := 0; len(ats) <= maxLinkHints; {
		j := bytes.IndexByte(src[i:], '@')
		if j < 0 {
			break
		}
		ats = append(ats, i+j)
		i += j + 1
	}
	// The schemes are found at their ":", which prose has few of: one look
	// for it, where one for each scheme stopped at every "h" and "f".
	for i := 0; len(words) <= maxLinkHints; {
		j := bytes.IndexByte(src[i:], ':')
		if j < 0 {
			break
		}
		for _, w := range linkSchemes {
			if at := i + j - len(w); at >= 0 && bytes.Equal(src[at:i+j], w) {
				words = append(words, [2]int{at, i + j + 1})
			}
		}
		i += j + 1
	}
	for i := 0; len(words) <= maxLinkHints; {
		j := bytes.Index(src[i:], linkWWW)
		if j < 0 {
			break
		}
		words = append(words, [2]int{i + j, i + j + len(linkWWW)})
		i += j + 1
	}
	switch {
	case len(ats)+len(words) == 0:
		return false
	case len(ats)+len(words) > maxLinkHints:
		return true
	}
	slices.SortFunc(words, func(a, b [2]int) int { return a[0] - b[0] })
	found, inCode := false, false
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n := n.(type) {
		case *ast.CodeSpan:
			inCode = entering
		case *ast.Text:
			if !entering {
				break
			}
			from, to := n.Segment.Start, n.Segment.Stop
			k, _ := slices.BinarySearch(ats, from)
			found = k < len(ats) && ats[k] < to
			if !found && !inCode {
				k, _ = slices.BinarySearchFunc(words, from, func(w [2]int, at int) int { return w[0] - at })
				for ; k < len(words) && words[k][0] < to && !found; k++ {
					found = words[k][1] <= to
				}
			}
			if found {
				return ast.WalkStop, nil
			}
		}
		return ast.WalkContinue, nil
	})
	return found
}

// trimBeforeBreaks drops the white space before a line break that
// goldmark leaves when a space is a trigger (in markdown, of linkify and of
// budget): it splits the text at every such space and trims only the last
// piece of a line, leaving "a \n" of "a \t\n" where CommonMark (and the
// parse without linkify, with spacelessBudget) has "a\n".
func trimBeforeBreaks(src []byte, doc ast.Node) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		t, ok := n.(*ast.Text)
		if !ok || !entering || !t.SoftLineBreak() && !t.HardLineBreak() {
			return ast.WalkContinue, nil
		}
		for t.Segment.Len() == 0 {
			p, ok := t.PreviousSibling().(*ast.Text)
			if !ok || p.Segment.Stop != t.Segment.Start || p.IsRaw() || p.SoftLineBreak() || p.HardLineBreak() {
				break
			}
			p.Segment = p.Segment.TrimRightSpace(src)
			t = p
		}
		return ast.WalkContinue, nil
	})
}

// renderBudget is how long one article's Markdown may take. goldmark needs
// time that grows with the square of the input for some shapes (tens of
// thousands of "[a](" or nested block quotes); such an article is skipped
// with errTooComplex rather than holding up every rebuild. Ordinary articles
// take milliseconds, so only hostile files ever come near it.
var renderBudget = 3 * time.Second

var errTooComplex = errors.New("too complex to render (deeply nested, or tens of thousands of brackets)")

var deadlineKey = parser.NewContextKey()

// deadline is when one conversion must stop, and how often it was asked.
type deadline struct {
	at    time.Time
	calls int
}

// budget is a parser that never parses anything: goldmark asks it first at
// every block and at every character that may start a link, emphasis or
// code, and it stops the conversion once the deadline has passed.
type budget struct{}

// check reads the clock on the first call and every 64th after it: spaces
// are triggers, so reading it on every call was 6% of parsing an article.
func (budget) check(pc parser.Context) {
	d, ok := pc.Get(deadlineKey).(*deadline)
	if !ok {
		return
	}
	if d.calls++; d.calls&63 == 1 && time.Now().After(d.at) {
		panic(errTooComplex)
	}
}

func (budget) Trigger() []byte { return []byte("[]!(<*_`~> -+") }

func (b budget) Parse(_ ast.Node, _ text.Reader, pc parser.Context) ast.Node {
	b.check(pc)
	return nil
}

// spacelessBudget is budget for a parser without linkify, the one inline
// parser that starts at a space: the others start at its other triggers,
// and a space that triggers nothing costs nothing (goldmark splits the
// text at every space that is a trigger).
type spacelessBudget struct{ budget }

func (spacelessBudget) Trigger() []byte { return []byte("[]!(<*_`~>-+") }

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
	s := scratches.Get().(*scratch)
	defer s.put()
	s.src = append(s.src[:0], capQuoteDepth(body)...)
	src := s.src
	pc := parser.NewContext()
	pc.Set(deadlineKey, &deadline{at: time.Now().Add(renderBudget)})
	defer func() {
		if r := recover(); r != nil {
			if r != errTooComplex {
				panic(r)
			}
			err = errTooComplex
		}
	}()
	doc := parseBody(src, pc)
	raw := &s.raw
	raw.Reset()
	raw.Grow(len(src) + len(src)/2)
	if err := markdown.Renderer().Render(raw, src, doc); err != nil {
		return "", err
	}
	// Links are made absolute first, so "#part" and "other.html" are judged
	// by the policy as the addresses a reader will follow.
	// Character references such as &#x1B; come out as the characters
	// themselves: drop those XML forbids, so any feed can carry the HTML.
	safe, ok := "", false
	if !hasRawHTML(src, doc) {
		safe, ok = sanitizeOwn(raw.Bytes(), page, &s.out)
	}
	if !ok {
		safe = string(policy.SanitizeBytes(absolutize(raw.Bytes(), page)))
	}
	if bytes.IndexByte(src, '&') < 0 {
		// The body has no character XML forbids (decodeText dropped
		// them), and addresses made absolute come out escaped: only a
		// character reference ("&#1;") can put one in its HTML.
		return safe, nil
	}
	return xmlSafe(safe), nil
}

// scratch is what rendering one body writes and drops: kept for the next
// body, so that a cold build does not make (and collect) 12 KB an article.
type scratch struct {
	src []byte     // the Markdown, for goldmark
	raw htmlBuffer // goldmark's HTML
	out []byte     // the sanitised HTML, before it is a string
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// maxScratch is the most a scratch buffer keeps for the next body: one of a
// rare big article is dropped with it.
const maxScratch = 64 << 10

func (s *scratch) put() {
	if cap(s.src) > maxScratch || s.raw.Cap() > maxScratch || cap(s.out) > maxScratch {
		*s = scratch{}
	}
	scratches.Put(s)
}

// htmlBuffer is a bytes.Buffer that goldmark writes to directly: any other
// writer it wraps in a bufio.Writer of its own, 4 KB per article.
type htmlBuffer struct{ bytes.Buffer }

func (*htmlBuffer) Buffered() int { return 0 }
func (*htmlBuffer) Flush() error  { return nil }

// hasRawHTML reports whether the writer put HTML of their own in the body
// (src, parsed as doc); without it, every tag is one goldmark wrote. Raw
// HTML, inline or a block, starts with '<': a body without one (most of
// them) needs no walk of its tree.
func hasRawHTML(src []byte, doc ast.Node) bool {
	return bytes.IndexByte(src, '<') >= 0 && rawHTMLNode(doc)
}

// rawHTMLNode reports whether doc has a node of raw HTML.
func rawHTMLNode(doc ast.Node) bool {
	found := false
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if k := n.Kind(); k == ast.KindRawHTML || k == ast.KindHTMLBlock {
			found = true
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	return found
}

// urlAttrs are the attributes that hold an address in the HTML the policy
// lets through.
var urlAttrs = map[string]bool{"href": true, "src": true, "cite": true}

// absolutize rewrites every address attribute of HTML so it is absolute,
// resolved against page.
func absolutize(h []byte, page *url.URL) []byte {
	out := bytes.NewBuffer(make([]byte, 0, len(h)+len(h)/8))
	z := xhtml.NewTokenizer(bytes.NewReader(h))
	for {
		if z.Next() == xhtml.ErrorToken {
			return out.Bytes()
		}
		tok := z.Token()
		if tok.Type == xhtml.StartTagToken || tok.Type == xhtml.SelfClosingTagToken {
			for i, a := range tok.Attr {
				if urlAttrs[a.Key] {
					tok.Attr[i].Val = absURL(a.Val, page)
				}
			}
		}
		out.WriteString(tok.String())
	}
}

// sanitizeOwn gives what policy.SanitizeBytes(absolutize(h, page)) gives,
// for HTML that goldmark alone wrote (no raw HTML in the Markdown), at a
// fraction of the cost. In such HTML every '<' starts a tag that ends at the
// next '>', and every '"' within a tag delimits an attribute value. The
// policy judges each tag by itself, so tags without attributes that it
// keeps unchanged (plainTags) are copied; the others (links, images, code
// languages, list starts, table alignments) are made absolute and given to
// the policy all at once, between <br> tags. Text is unescaped and escaped
// again as the tokenizer and the policy do it. ok is false, and the caller
// takes the long way, for anything else: a tag not known here, or one the
// policy drops, whose end tag it would drop too. It works in *buf, and
// leaves it there for the next call.
func sanitizeOwn(h []byte, page *url.URL, buf *[]byte) (_ string, ok bool) {
	out := slices.Grow((*buf)[:0], len(h)+len(h)/8)
	defer func() { *buf = out[:0] }()
	var tags []string // with attributes, made absolute
	var at []int      // where in out each goes
	var seen tagMemo
	for len(h) > 0 {
		i := bytes.IndexByte(h, '<')
		if i < 0 {
			i = len(h)
		}
		out = appendText(out, h[:i])
		h = h[i:]
		if len(h) == 0 {
			break
		}
		j := bytes.IndexByte(h, '>')
		if j < 0 {
			return "", false
		}
		tag := h[:j+1]
		h = h[j+1:]
		if sp := bytes.IndexByte(tag, ' '); sp < 0 {
			if !plainTags[string(tag)] {
				return "", false
			}
			out = append(out, tag...)
		} else {
			if !attrTags[string(tag[1:sp])] {
				return "", false
			}
			if abs, kept := seen.judge(tag, page); kept {
				out = append(out, abs...)
			} else {
				tags = append(tags, string(abs))
				at = append(at, len(out))
			}
		}
	}
	if len(tags) == 0 {
		return string(out), true
	}
	clean := strings.Split(policy.Sanitize(strings.Join(tags, tagSep)), tagSep)
	if len(clean) != len(tags) {
		return "", false
	}
	var safe strings.Builder
	safe.Grow(len(out) + len(out)/4)
	prev := 0
	for k, pos := range at {
		if clean[k] == "" {
			return "", false
		}
		safe.Write(out[prev:pos])
		safe.WriteString(clean[k])
		prev = pos
	}
	safe.Write(out[prev:])
	return safe.String(), true
}

// tagMemo is what sanitizeOwn made of the first few tags with attributes
// of a body, so that a link given again (such as a row of "#") is not
// resolved and judged again: those are most of the cost of a tag.
type tagMemo struct {
	n    int
	tags [8]struct {
		tag, abs []byte
		kept     bool
	}
	base *simpleBase // made for the first relative link
}

// judge gives tag with its addresses made absolute against page, and
// whether that is kept as it is (else the policy judges it).
func (m *tagMemo) judge(tag []byte, page *url.URL) (abs []byte, kept bool) {
	for _, t := range m.tags[:m.n] {
		if bytes.Equal(t.tag, tag) {
			return t.abs, t.kept
		}
	}
	if keptAsIs(tag) {
		abs, kept = tag, true
	} else {
		if m.base == nil {
			m.base = newSimpleBase(page)
		}
		var ok bool
		if abs, ok = m.base.resolve(tag); ok {
			kept = m.base.kept
		} else {
			abs = absolutizeLinks(tag, page)
			kept = keptLink(abs)
		}
	}
	if m.n < len(m.tags) {
		m.tags[m.n].tag, m.tags[m.n].abs, m.tags[m.n].kept = tag, abs, kept
		m.n++
	}
	return abs, kept
}

// simpleBase is a page's address as simpleBase.resolve needs it: the page
// itself, and the start of it a path is put after, for a folder's or the
// host's. A page whose address is not plain (query, user, dot segments,
// characters HTML escapes) has none, and resolves nothing. The links it
// resolves are all kept, or none: what keptLink judges of them is of the
// scheme and host, as their paths and fragments are plain.
type simpleBase struct {
	page, dir, root string
	ok, kept        bool
}

func newSimpleBase(page *url.URL) *simpleBase {
	s := page.String()
	path := page.EscapedPath()
	root := page.Scheme + "://" + page.Host
	if (page.Scheme != "http" && page.Scheme != "https") || page.User != nil || page.Opaque != "" ||
		page.RawQuery != "" || page.ForceQuery || page.Fragment != "" || s != root+path ||
		!strings.HasPrefix(path, "/") || !plainPath(path[1:]) || !quietURL(s) {
		return &simpleBase{}
	}
	return &simpleBase{page: s, dir: root + path[:strings.LastIndexByte(path, '/')+1], root: root, ok: true,
		kept: keptLink([]byte(`<a href="` + s + `">`))}
}

// resolve gives what absolutizeLinks makes of the link tag <a href="V">,
// for an address V of one of three plain forms: "#part" (or "#"), "/path" or
// "path" (such as "other.html"), of letters, digits and "-._~/", with no
// empty, "." or ".." segment. It joins strings where absolutizeLinks
// parses the address and resolves it: two thirds of judging a relative
// link. ok is false for any other tag (FuzzSimpleLink).
func (b *simpleBase) resolve(tag []byte) (abs []byte, ok bool) {
	v, ok := linkHref(tag)
	if !b.ok || !ok || len(v) == 0 {
		return nil, false
	}
	var head string
	switch {
	case v[0] == '#':
		if !plainChars(v[1:]) {
			return nil, false
		}
		if head = b.page; len(v) == 1 {
			v = nil // the page itself: url.URL writes no empty fragment
		}
	case v[0] == '/':
		if !plainPath(v[1:]) {
			return nil, false
		}
		head = b.root
	default:
		if !plainPath(v) {
			return nil, false
		}
		head = b.dir
	}
	abs = make([]byte, 0, len(tag)+len(head))
	return append(append(append(append(abs, `<a href="`...), head...), v...), `">`...), true
}

// plainPath reports whether p is segments of plainChars, none of them
// empty, "." or "..", but for an empty last one (a trailing '/').
func plainPath[T string | []byte](p T) bool {
	if !plainChars(p) {
		return false
	}
	for len(p) > 0 {
		seg := p
		rest := p[len(p):]
		for i := 0; i < len(p); i++ {
			if p[i] == '/' {
				seg, rest = p[:i], p[i+1:]
				break
			}
		}
		if len(seg) == 0 || string(seg) == "." || string(seg) == ".." {
			return false
		}
		p = rest
	}
	return true
}

// plainChars reports whether p is only letters, digits and "-._~/": what
// url.URL writes as it is in a path and a fragment, and HTML as it is.
func plainChars[T string | []byte](p T) bool {
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '/':
		default:
			return false
		}
	}
	return true
}

// keptLink reports whether tag is a link the policy keeps exactly as it
// is, without asking it (its most common tag, and asking is most of its
// cost): <a href="V"> where V is an http or https address that comes out of
// url.Parse and String unchanged, all printable ASCII (the policy trims
// Unicode white space too), with nothing the tokenizer unescapes or the
// policy escapes or refuses (quotes, '&', '<', '>', spaces).
func keptLink(tag []byte) bool {
	_, ok := keptAddress(tag)
	return ok
}

// keptAsIs reports whether tag, as goldmark wrote it, is a link that
// absolutizeLinks leaves as it is and keptLink passes: an address keptLink
// passes is absolute, and resolving it changes only its "." and ".."
// segments. One parse of the address, where making it absolute and
// judging it take two, and a resolution.
func keptAsIs(tag []byte) bool {
	u, ok := keptAddress(tag)
	return ok && !strings.Contains(u.EscapedPath(), "/.")
}

// keptAddress is keptLink, with the address parsed.
func keptAddress(tag []byte) (*url.URL, bool) {
	href, ok := linkHref(tag)
	if !ok {
		return nil, false
	}
	v := string(href)
	if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") || !quietURL(v) {
		return nil, false
	}
	u, err := url.Parse(v)
	return u, err == nil && u.String() == v
}

// linkHref is the address V of the link tag <a href="V">; ok is false for
// any other tag.
func linkHref(tag []byte) (v []byte, ok bool) {
	const start, end = `<a href="`, `">`
	if len(tag) < len(start)+len(end) || !bytes.HasPrefix(tag, []byte(start)) || !bytes.HasSuffix(tag, []byte(end)) {
		return nil, false
	}
	return tag[len(start) : len(tag)-len(end)], true
}

// quietURL reports whether v is printable ASCII without a space or anything
// HTML escapes or unescapes (quotes, '&', '<', '>').
func quietURL(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7F || c == '"' || c == '&' || c == '\'' || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

// tagSep separates the tags sanitizeOwn gives the policy: a tag it keeps as
// it is, and which no kept tag can hold, as '<' is escaped in values.
const tagSep = "<br>"

// attrTags are the elements goldmark writes with attributes.
var attrTags = map[string]bool{"a": true, "img": true, "code": true, "ol": true, "th": true, "td": true}

// plainTags are the start and end tags goldmark writes without attributes
// that the policy keeps exactly as they are: asked of the policy itself.
var plainTags = func() map[string]bool {
	m := map[string]bool{}
	for _, name := range []string{"a", "p", "br", "hr", "em", "strong", "del", "code", "pre", "blockquote",
		"ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"} {
		for _, tag := range []string{"<" + name + ">", "</" + name + ">"} {
			if policy.Sanitize(tag) == tag {
				m[tag] = true
			}
		}
	}
	if !m[tagSep] {
		panic("feed: the policy does not keep " + tagSep)
	}
	return m
}()

// appendText appends text that goldmark wrote as the policy writes it: read
// by the tokenizer (line endings made "\n", references unescaped), then
// escaped again.
func appendText(out, t []byte) []byte {
	if bytes.IndexByte(t, '&') < 0 && bytes.IndexByte(t, '\r') < 0 {
		return appendEscaped(out, t, htmlEscapes)
	}
	s := strings.ReplaceAll(string(t), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return appendEscaped(out, xhtml.UnescapeString(s), htmlEscapes)
}

// escapes is what an escaper writes for each byte it replaces, and which
// bytes those are (a look at a bool, rather than at a string's length, for
// each byte of the text).
type escapes struct {
	is [256]bool
	as [256]string
}

func newEscapes(as map[byte]string) *escapes {
	e := new(escapes)
	for c, s := range as {
		e.is[c], e.as[c] = true, s
	}
	return e
}

var (
	// htmlEscapes are html.EscapeString's, and CR: what goldmark's HTML
	// has escaped.
	htmlEscapes = newEscapes(map[byte]string{'&': "&amp;", '\'': "&#39;", '<': "&lt;", '>': "&gt;", '"': "&#34;", '\r': "&#13;"})
	// templateEscapes are html/template's, for text and quoted attribute
	// values: '+' and NUL too.
	templateEscapes = newEscapes(map[byte]string{0: "\uFFFD", '"': "&#34;", '&': "&amp;", '\'': "&#39;", '+': "&#43;", '<': "&lt;", '>': "&gt;"})
)

// appendEscaped appends s to out with the bytes e replaces replaced.
func appendEscaped[T string | []byte](out []byte, s T, e *escapes) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		if e.is[s[i]] {
			out = append(append(out, s[start:i]...), e.as[s[i]]...)
			start = i + 1
		}
	}
	return append(out, s[start:]...)
}

// absolutizeLinks is absolutize for HTML that goldmark alone wrote, without
// a tokenizer: there every '"' outside a tag is escaped, so each `="` opens
// an attribute value that ends at the next '"', and addresses are only ever
// in href (links) and src (images). The policy reads the result as the
// tokens absolutize would have written.
func absolutizeLinks(h []byte, page *url.URL) []byte {
	out := make([]byte, 0, len(h)+len(h)/8)
	for {
		i := bytes.Index(h, []byte(`="`))
		if i < 0 {
			return append(out, h...)
		}
		start := i + len(`="`)
		n := bytes.IndexByte(h[start:], '"')
		if n < 0 {
			return append(out, h...)
		}
		end := start + n
		out = append(out, h[:start]...)
		if name := h[:i]; bytes.HasSuffix(name, []byte(" href")) || bytes.HasSuffix(name, []byte(" src")) {
			out = append(out, xhtml.EscapeString(absURL(xhtml.UnescapeString(string(h[start:end])), page))...)
		} else {
			out = append(out, h[start:end]...)
		}
		h = h[end:]
	}
}

// absURL resolves the address v against page; one that does not parse is
// left as it is, for the policy to judge.
func absURL(v string, page *url.URL) string {
	ref, err := url.Parse(strings.TrimSpace(v))
	if err != nil {
		return v
	}
	return page.ResolveReference(ref).String()
}

// blockTags separate words; inline tags (em, a, code) do not.
var blockTags = map[string]bool{
	"p": true, "br": true, "li": true, "ul": true, "ol": true, "div": true, "pre": true,
	"blockquote": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"tr": true, "td": true, "th": true, "table": true, "hr": true, "img": true, "dd": true, "dt": true,
}

// summaryOf is the text of sanitised HTML with the tags removed and white
// space collapsed, cut to n characters by truncateWords: what a summary
// shows. It stops reading once it has more than n, as the cut falls before.
//
// In sanitised HTML every '<' starts a tag that ends at the next '>' (the
// policy and sanitizeOwn escape both in text and in attribute values, and
// keep no comments), so the text is what lies between tags, unescaped as
// the tokenizer does it. A tag whose content the tokenizer reads as raw
// text (none the policy keeps), or one it would not read as a tag, has the
// tokenizer read the whole.
func summaryOf(safe string, n int) string {
	l := line{max: n}
	for s := safe; !l.full(); {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			i = len(s)
		}
		if t := s[:i]; strings.IndexByte(t, '&') < 0 {
			l.write(t)
		} else {
			l.write(xhtml.UnescapeString(t))
		}
		if i == len(s) {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return tokenSummary(safe, n)
		}
		name := strings.TrimPrefix(s[i+1:i+j], "/")
		if k := strings.IndexAny(name, " /"); k >= 0 {
			name = name[:k]
		}
		if !plainName(name) || rawTextTags[name] {
			return tokenSummary(safe, n)
		}
		if blockTags[name] {
			l.space()
		}
		s = s[i+j+1:]
	}
	return truncateWords(l.String(), n)
}

// plainName reports whether name is a tag name of lower-case letters and
// digits that starts with a letter, as the tokenizer reads it unchanged.
func plainName(name string) bool {
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// rawTextTags are the elements whose content the tokenizer reads as text
// up to their end tag.
var rawTextTags = map[string]bool{"iframe": true, "noembed": true, "noframes": true, "noscript": true,
	"plaintext": true, "script": true, "style": true, "textarea": true, "title": true, "xmp": true}

// tokenSummary is summaryOf through the tokenizer.
func tokenSummary(safe string, n int) string {
	l := line{max: n}
	z := xhtml.NewTokenizer(strings.NewReader(safe))
	for !l.full() {
		switch z.Next() {
		case xhtml.ErrorToken:
			return truncateWords(l.String(), n)
		case xhtml.TextToken:
			l.write(string(z.Text()))
		case xhtml.StartTagToken, xhtml.EndTagToken, xhtml.SelfClosingTagToken:
			if name, _ := z.TagName(); blockTags[string(name)] {
				l.space()
			}
		}
	}
	return truncateWords(l.String(), n)
}

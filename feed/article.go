package feed

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// MaxArticleSize is the largest article file read; bigger ones are skipped.
const MaxArticleSize = 10 << 20

// Article is one published (or draft) article: everything the feeds and
// pages need, already rendered.
type Article struct {
	Path      string    // source file, relative to the articles folder, slash-separated
	Slug      string    // page address below articles/, without .html
	ID        string    // explicit id from the front matter, or "" for the permalink
	Title     string    // plain text
	Published time.Time // never zero
	Updated   time.Time // never before Published
	Author    string
	Tags      []string
	Summary   string // plain text
	HTML      string // sanitised body with absolute links; "" while a Builder has it put away
	Draft     bool
	Undated   bool // Published came from the file's modification time

	summaryMade bool // Summary was made from HTML (and is put away with it); beside the others, so that an article takes 240 bytes, not 256
	// While a builder keeps HTML put away (see shelve): the page that
	// holds it, and where.
	shelf             *File
	shelfAt, shelfLen int
	natural           string // the slug it has when no clash forces another
	page              *File  // its page, made as it was read
}

// summaryLen is how long a summary made from the body may be, in bytes.
const summaryLen = 280

// Source is an article file as read from disk.
type Source struct {
	Path    string // relative to the articles folder, slash-separated
	Data    []byte
	ModTime time.Time
}

// ParseOptions is what parsing needs beyond the file itself.
type ParseOptions struct {
	BaseURL *url.URL       // public address of the site, ending in /
	Loc     *time.Location // zone of dates written without one
	Slug    string         // forced slug (to settle a clash), or "" to derive it
}

// frontMatter holds the YAML keys an article may set; others are ignored.
type frontMatter struct {
	Title   string  `yaml:"title"`
	Date    string  `yaml:"date"`
	Updated string  `yaml:"updated"`
	Author  string  `yaml:"author"`
	Tags    tagList `yaml:"tags"`
	Summary string  `yaml:"summary"`
	Draft   bool    `yaml:"draft"`
	Slug    string  `yaml:"slug"`
	ID      string  `yaml:"id"`
}

// tagList accepts a YAML list of tags or one comma-separated string.
type tagList []string

func (t *tagList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		for _, s := range strings.Split(n.Value, ",") {
			*t = append(*t, s)
		}
		return nil
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: a tag must be a word, not a list or map", c.Line)
			}
			*t = append(*t, c.Value)
		}
		return nil
	}
	return fmt.Errorf("line %d: tags must be a list", n.Line)
}

// Parse reads one article file. Warnings describe fallbacks taken (no title,
// no date, repaired text); an error means the file cannot be published.
// Parse is pure: no clock, no file system.
func Parse(src Source, opt ParseOptions) (a Article, warnings []string, err error) {
	if len(src.Data) > MaxArticleSize {
		return a, nil, fmt.Errorf("file is %d bytes, over the %d MiB limit", len(src.Data), MaxArticleSize>>20)
	}
	text, warnings, err := decodeText(src.Data)
	if err != nil {
		return a, nil, err
	}
	if strings.TrimSpace(text) == "" {
		return a, nil, errors.New("file is empty")
	}
	h, err := splitHeader(text, opt.Loc)
	if err != nil {
		return a, nil, err
	}

	a.Path = src.Path
	a.Title = oneLine(strings.TrimPrefix(strings.TrimLeft(h.title, " \t"), "# "))
	if a.Title == "" {
		a.Title = titleFromPath(src.Path)
		warnings = append(warnings, fmt.Sprintf("no title: using %q from the file name", a.Title))
	}
	a.Author = oneLine(h.fm.Author)
	a.Draft = h.fm.Draft
	a.ID = oneLine(h.fm.ID)
	seen := make(map[string]bool, len(h.fm.Tags))
	for _, t := range h.fm.Tags {
		if t = oneLine(t); t != "" && !seen[t] {
			seen[t] = true
			a.Tags = append(a.Tags, t)
		}
	}

	switch {
	case h.date == "":
		a.Published, a.Undated = src.ModTime, true
		warnings = append(warnings, "no date: using the file's modification time")
	case h.dated:
		a.Published = h.at
	default:
		if a.Published, err = parseDate(h.date, opt.Loc); err != nil {
			a.Published, a.Undated = src.ModTime, true
			warnings = append(warnings, fmt.Sprintf("date %q is %v: using the file's modification time", h.date, err))
		}
	}
	a.Published = a.Published.Truncate(time.Second)
	a.Updated = a.Published
	if h.fm.Updated != "" {
		u, err := parseDate(h.fm.Updated, opt.Loc)
		switch {
		case err != nil:
			warnings = append(warnings, fmt.Sprintf("updated %q is %v: ignored", h.fm.Updated, err))
		case u.Before(a.Published):
			warnings = append(warnings, fmt.Sprintf("updated %q is before the date: ignored", h.fm.Updated))
		default:
			a.Updated = u.Truncate(time.Second)
		}
	}

	a.natural = SlugOf(src.Path, h.fm.Slug)
	a.Slug = opt.Slug
	if a.Slug == "" {
		a.Slug = a.natural
	}
	page := opt.BaseURL.ResolveReference(&url.URL{Path: "articles/" + a.Slug + ".html"})
	if a.HTML, err = renderBody(h.body, page); err != nil {
		return a, nil, fmt.Errorf("markdown: %w", err)
	}
	a.Summary = oneLine(h.fm.Summary)
	if a.Summary == "" {
		a.Summary, a.summaryMade = summaryOf(a.HTML, summaryLen), true
	}
	return a, warnings, nil
}

// header is an article file split into its parts.
type header struct {
	title, date, body string // title: never a piece of the file's text (see splitHeader)
	fm                frontMatter
	at                time.Time // date, when dated: read already
	dated             bool
}

// splitHeader tells the three header styles apart by the first non-blank
// line and splits the file accordingly; loc is the zone of a plain-style
// date line without one.
func splitHeader(text string, loc *time.Location) (header, error) {
	t := textLines{text: text, lines: strings.Split(text, "\n")}
	lines := t.lines
	first := nextNonBlank(lines, 0)
	if strings.TrimSpace(lines[first]) == "---" {
		return splitFrontMatter(t, first)
	}
	// The title line is copied, here and below: a piece of the file's
	// text would keep all of it for as long as the article is listed.
	// Front matter gives copies already. The body is a piece of it: it
	// is only rendered.
	h := header{title: strings.Clone(lines[first])}
	sep := nextNonBlank(lines, first+1)
	if sep == len(lines) || strings.TrimSpace(lines[sep]) != "---" {
		// Neither style: the title line, then the body.
		h.body = t.join(first+1, len(lines))
		return h, nil
	}
	// Plain style: the date line is the first non-blank line after the
	// separator only if it reads as a date; otherwise it starts the body.
	bodyAt := nextNonBlank(lines, sep+1)
	if bodyAt < len(lines) {
		if at, err := parseDate(lines[bodyAt], loc); err == nil {
			h.date, h.at, h.dated = strings.TrimSpace(lines[bodyAt]), at, true
			bodyAt++
		}
	}
	bodyAt = min(bodyAt, len(lines))
	end := len(lines)
	if last := bodyAt + lastNonBlank(lines[bodyAt:]); last >= bodyAt && strings.TrimSpace(lines[last]) == "---" {
		end = last
	}
	h.body = t.join(bodyAt, end)
	return h, nil
}

// textLines is a text split into lines on "\n".
type textLines struct {
	text  string
	lines []string
}

// join is strings.Join(lines[from:to], "\n"): the piece of the text those
// lines were, not a copy.
func (t textLines) join(from, to int) string {
	if from >= to {
		return ""
	}
	start := 0
	for _, l := range t.lines[:from] {
		start += len(l) + 1
	}
	end := start - 1
	for _, l := range t.lines[from:to] {
		end += len(l) + 1
	}
	return t.text[start:end]
}

// splitFrontMatter reads a file whose line at index first is "---", the
// start of a YAML block that ends at the next "---" line.
func splitFrontMatter(t textLines, first int) (header, error) {
	lines := t.lines
	end := -1
	for i := first + 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		return header{}, errors.New("front matter starts with --- but has no closing --- line")
	}
	var h header
	var ok bool
	if h.fm, ok = quickFrontMatter(lines[first+1 : end]); !ok {
		fm, err := yamlFrontMatter(lines[first+1 : end])
		if err != nil {
			return h, err
		}
		h.fm = fm
	}
	h.title, h.date = h.fm.Title, h.fm.Date
	h.body = t.join(end+1, len(lines))
	if h.title == "" {
		// A front matter without a title: a "# Title" line may start the body.
		if i := nextNonBlank(lines, end+1); i < len(lines) && strings.HasPrefix(lines[i], "# ") {
			h.title = strings.Clone(lines[i])
			h.body = t.join(i+1, len(lines))
		}
	}
	return h, nil
}

// yamlFrontMatter reads front matter with the YAML parser.
func yamlFrontMatter(lines []string) (fm frontMatter, err error) {
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(strings.Join(lines, "\n")), &node); err != nil {
		return fm, fmt.Errorf("front matter: %w", err)
	}
	if len(node.Content) == 0 {
		return fm, nil
	}
	if node.Content[0].Kind != yaml.MappingNode {
		return fm, errors.New("front matter is not a map of keys (title: ..., date: ...)")
	}
	if err := node.Decode(&fm); err != nil {
		return fm, fmt.Errorf("front matter: %w", err)
	}
	// YAML escapes ("\x01") can spell characters XML forbids.
	for _, s := range []*string{&fm.Title, &fm.Date, &fm.Updated, &fm.Author, &fm.Summary, &fm.Slug, &fm.ID} {
		*s = xmlSafe(*s)
	}
	for i, t := range fm.Tags {
		fm.Tags[i] = xmlSafe(t)
	}
	return fm, nil
}

func nextNonBlank(lines []string, i int) int {
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	return i
}

func lastNonBlank(lines []string) int {
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.TrimSpace(lines[i]) != "" {
			return i
		}
	}
	return -1
}

// titleFromPath makes a title of a file name: "my-first_post.md" gives
// "my first post".
func titleFromPath(p string) string {
	base := strings.TrimSuffix(path.Base(p), path.Ext(p))
	// strings.Map also turns bytes that are not UTF-8 into U+FFFD.
	t := oneLine(xmlSafe(strings.Map(func(r rune) rune {
		if r == '-' || r == '_' {
			return ' '
		}
		return r
	}, base)))
	if t == "" {
		return "Untitled" // a name of nothing but dashes or control characters
	}
	return t
}

// SlugOf gives the page address of an article file: its path without the
// extension, each folder and the name lower-cased with anything but letters,
// digits, '-' and '_' turned into '-'. A front-matter slug replaces the
// file name but keeps the folders.
func SlugOf(p, explicit string) string {
	dir, base := path.Split(p)
	if explicit = strings.Trim(explicit, "/ "); explicit != "" {
		base = explicit
	} else {
		base = strings.TrimSuffix(base, path.Ext(base))
	}
	var parts []string
	for _, seg := range strings.Split(dir+base, "/") {
		if s := slugSegment(seg); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%x", sha1.Sum([]byte(p)))[:12]
	}
	return strings.Join(parts, "/")
}

func slugSegment(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return truncateBytes(b.String(), 120)
}

// truncateBytes cuts s to at most n bytes without splitting a character.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

package feed

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// quickFrontMatter reads the front matter most articles have without the
// YAML parser, which took 6% of a cold build's CPU: lines of "key: value"
// with keys of frontMatter other than tags, each once, values that are
// plain words or double-quoted text without escapes, and blank lines. ok is
// false for anything else (a comment, a list, an escape, a key it does not
// know, a value YAML would read as null or as anything but the same text),
// which then goes to the YAML parser. TestQuickFrontMatterMatchesYAML and
// FuzzQuickFrontMatter hold what it reads to what the parser reads.
func quickFrontMatter(lines []string) (fm frontMatter, ok bool) {
	fields := [...]*string{&fm.Title, &fm.Date, &fm.Updated, &fm.Author, &fm.Summary, &fm.Slug, &fm.ID}
	var seen uint
	for _, ln := range lines {
		if ln == "" {
			continue
		}
		key, val, found := strings.Cut(ln, ":")
		i := slices.Index(quickKeys[:], key)
		if !found || val == "" || val[0] != ' ' || i < 0 || seen&(1<<i) != 0 { // YAML refuses a key twice
			return fm, false
		}
		seen |= 1 << i
		val = strings.Trim(val, " ")
		if i == len(fields) { // draft: a plain true or false (quoted, it is text)
			switch val {
			case "true":
				fm.Draft = true
			case "false":
			default:
				return fm, false
			}
			continue
		}
		v, ok := quickScalar(val)
		if !ok {
			return fm, false
		}
		*fields[i] = strings.Clone(v) // not a piece of the whole file, which an article would then keep
	}
	return fm, true
}

// quickKeys are the keys quickFrontMatter reads, in the order of its
// fields, then draft.
var quickKeys = [...]string{"title", "date", "updated", "author", "summary", "slug", "id", "draft"}

// quickScalar is the text of a value YAML reads as that same text, or
// false: a double-quoted one without escapes or quotes inside, or a plain
// one that starts with no indicator, holds no ": " or " #", does not end
// with ':' and is not a null.
func quickScalar(v string) (string, bool) {
	if v == "" {
		return "", false
	}
	if v[0] == '"' {
		if len(v) < 2 || v[len(v)-1] != '"' {
			return "", false
		}
		v = v[1 : len(v)-1]
		if strings.ContainsAny(v, "\"\\") || !quickPrintable(v, true) {
			return "", false
		}
		return v, true
	}
	if strings.IndexByte("-?:,[]{}#&*!|>'\"%@`", v[0]) >= 0 ||
		strings.Contains(v, ": ") || strings.Contains(v, " #") || v[len(v)-1] == ':' ||
		!quickPrintable(v, false) {
		return "", false
	}
	switch v {
	case "null", "Null", "NULL", "~":
		return "", false
	}
	return v, true
}

// quickPrintable reports whether s holds only what YAML takes as it is on
// one line: no control character (a tab only in quotes), no line break of
// its own (U+0085, U+2028, U+2029), no byte order mark, U+FFFE or U+FFFF,
// and valid UTF-8.
func quickPrintable(s string, tab bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && !(tab && c == '\t') || c == 0x7F {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1,
			r >= 0x80 && r <= 0x9F, r == 0x2028, r == 0x2029, r == 0xFEFF, r == 0xFFFE, r == 0xFFFF:
			return false
		}
		i += n
	}
	return true
}

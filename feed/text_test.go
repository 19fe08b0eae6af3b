package feed

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// textCases are strings on the edges of oneLine and xmlSafe: white space
// that is not ASCII, C1 controls, U+FFFE, and bytes that are not UTF-8.
var textCases = []string{
	"", " ", "a", "a b", " a", "a ", "a  b", "a\tb", "a\nb\r\nc", "a\vb\fc",
	"a\u00a0b", "a\u0085b", "\u2028a\u2029", "a\u3000b", "\u200bzero width",
	"\xc2", "\xc2\x80", "a\xc2\x9fb", "\xc2\xa0", "\xef\xbf\xbe", "\xef\xbf\xbf", "\xef\xbf\xbd",
	"\xef\xbf", "\xe2\xc2\x80", "\xff \xfe", "\x00\x01\x1f\x7f", "a\x7fb", "tab\tand\rcr", "é è ê",
}

func TestOneLine(t *testing.T) {
	for _, s := range textCases {
		if got, want := oneLine(s), strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestXMLSafe(t *testing.T) {
	for _, s := range textCases {
		if got, want := hasXMLForbidden(s), strings.ContainsFunc(s, xmlForbidden); got != want {
			t.Errorf("hasXMLForbidden(%q) = %v, want %v", s, got, want)
		}
	}
}

// checkLine checks a line of at most n characters, written in two pieces,
// against the whole text's words: it stops at the first character past n,
// or at the word after a space there.
func checkLine(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		return
	}
	words := []rune(strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "))
	half := len(string([]rune(s)[:len([]rune(s))/2])) // between characters
	for _, n := range []int{0, 1, 5, 40} {
		k := min(len(words), n+1)
		if k < len(words) && words[k-1] == ' ' {
			k++
		}
		l := line{max: n}
		l.write(s[:half])
		l.write(s[half:])
		if got, want := l.String(), string(words[:k]); got != want || l.runes != k {
			t.Errorf("line of %d: %q gives %q (%d), want %q (%d)", n, s, got, l.runes, want, k)
		}
	}
}

// FuzzText checks the byte-wise oneLine, line and xmlSafe against their
// definitions by runes.
func FuzzText(f *testing.F) {
	for _, s := range textCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := oneLine(s), strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", s, got, want)
		}
		checkLine(t, s)
		if got, want := hasXMLForbidden(s), strings.ContainsFunc(s, xmlForbidden); got != want {
			t.Errorf("hasXMLForbidden(%q) = %v, want %v", s, got, want)
		}
	})
}

package feed

import (
	"bytes"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// decodeText turns the raw bytes of an article file into clean text: the
// byte-order mark removed (UTF-16 decoded), invalid UTF-8 repaired, line
// endings made LF, and every character XML 1.0 forbids dropped. It reports
// what it repaired so the caller can warn; it fails only for data that is
// not text at all.
func decodeText(b []byte) (text string, repaired []string, err error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0, 0}) || bytes.HasPrefix(b, []byte{0, 0, 0xFE, 0xFF}):
		b, err = utf32.UTF32(utf32.LittleEndian, utf32.ExpectBOM).NewDecoder().Bytes(b)
		if err != nil {
			return "", nil, errors.New("not valid UTF-32 text")
		}
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		b, err = xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder().Bytes(b)
		if err != nil {
			return "", nil, errors.New("not valid UTF-16 text")
		}
	}
	for bytes.HasPrefix(b, []byte("\uFEFF")) { // some tools add one to a file that has one
		b = b[3:]
	}
	if looksBinary(b) {
		return "", nil, errors.New("binary data, not a text file")
	}
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
		repaired = append(repaired, "invalid UTF-8 replaced by U+FFFD")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if clean := xmlSafe(s); clean != s {
		s = clean
		repaired = append(repaired, "control characters removed")
	}
	return s, repaired, nil
}

// looksBinary reports data that no writer meant as an article: NUL bytes in
// the first few kilobytes, or mostly control characters there.
func looksBinary(b []byte) bool {
	head := b[:min(len(b), 8192)]
	if len(head) == 0 {
		return false
	}
	nul, ctl := 0, 0
	for _, c := range head {
		switch {
		case c == 0:
			nul++
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f':
			ctl++
		}
	}
	return (nul >= 4 && nul*100 > len(head)) || (nul+ctl >= 8 && (nul+ctl)*10 > len(head))
}

// xmlSafe drops every character that XML 1.0 forbids (C0 controls but tab
// and newlines, U+FFFE, U+FFFF) and the C1 controls it discourages, so any
// string can go into a feed.
func xmlSafe(s string) string {
	if !strings.ContainsFunc(s, xmlForbidden) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if xmlForbidden(r) {
			return -1
		}
		return r
	}, s)
}

func xmlForbidden(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20, r >= 0x7F && r <= 0x9F, r == 0xFFFE, r == 0xFFFF:
		return true
	}
	return false
}

// oneLine collapses runs of white space (newlines included) into one space
// and trims the ends: titles, authors and summaries are single lines.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// truncateWords shortens s to at most n runes, cutting at a word boundary and
// marking the cut with an ellipsis.
func truncateWords(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut, seen := len(s), 0
	for i := range s {
		if seen == n {
			cut = i
			break
		}
		seen++
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut/2 {
		cut = sp
	}
	return strings.TrimRight(s[:cut], " ,;:.") + "…"
}

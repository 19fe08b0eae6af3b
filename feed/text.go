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
	// One look serves both: the control characters of binary data are
	// among those XML forbids, and neither repair below makes one.
	forbidden := hasXMLForbidden(b)
	if forbidden && looksBinary(b) {
		return "", nil, errors.New("binary data, not a text file")
	}
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
		repaired = append(repaired, "invalid UTF-8 replaced by U+FFFD")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if forbidden {
		if clean := xmlSafe(s); clean != s {
			s = clean
			repaired = append(repaired, "control characters removed")
		}
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
	if !hasXMLForbidden(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if xmlForbidden(r) {
			return -1
		}
		return r
	}, s)
}

// hasXMLForbidden is strings.ContainsFunc(s, xmlForbidden) read byte by
// byte, without decoding runes: every article and its HTML pass through it.
// U+0080 to U+009F are 0xC2 0x80 to 0xC2 0x9F in UTF-8, U+FFFE and U+FFFF
// are 0xEF 0xBF 0xBE and 0xEF 0xBF 0xBF, and neither 0xC2 nor 0xEF can be
// the continuation of another character. Every other byte is passed over
// by one look in xmlSuspect (2.3 times as fast as comparing each).
func hasXMLForbidden[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if !xmlSuspect[s[i]] {
			continue
		}
		switch c := s[i]; c {
		case 0xC2:
			if i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9F {
				return true
			}
		case 0xEF:
			if i+2 < len(s) && s[i+1] == 0xBF && (s[i+2] == 0xBE || s[i+2] == 0xBF) {
				return true
			}
		default: // C0 controls but tab and newlines, and DEL
			return true
		}
	}
	return false
}

// xmlSuspect are the bytes that start a character hasXMLForbidden looks for.
var xmlSuspect = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = c != '\t' && c != '\n' && c != '\r'
	}
	t[0x7F], t[0xC2], t[0xEF] = true, true, true
	return t
}()

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
	if isOneLine(s) {
		return s
	}
	l := line{b: make([]byte, 0, len(s)), max: -1}
	l.write(s)
	return l.String()
}

// isOneLine reports whether oneLine(s) is s: ASCII, with single spaces
// between words and none at the ends.
func isOneLine(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return false
		case c == ' ':
			if i == 0 || i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
		case unicode.IsSpace(rune(c)):
			return false
		}
	}
	return true
}

// line collects text as oneLine would give it, piece by piece: runs of
// white space become one space between words, none at the ends.
type line struct {
	b     []byte
	runes int  // written so far, spaces included
	max   int  // runes after which writing stops; -1 for no limit
	gap   bool // white space seen since the last word
}

// full reports whether the line holds more than max runes.
func (l *line) full() bool { return l.max >= 0 && l.runes > l.max }

// space is white space between two pieces, such as a block tag.
func (l *line) space() { l.gap = true }

// write adds s, each character copied as it was written, until the line
// is full. A run of ASCII other than white space is copied at once, as far
// as it fits.
func (l *line) write(s string) {
	for i := 0; i < len(s) && !l.full(); {
		c, w := rune(s[i]), 1
		if c >= utf8.RuneSelf {
			c, w = utf8.DecodeRuneInString(s[i:]) // an invalid byte is utf8.RuneError, kept as it is
		}
		if c < utf8.RuneSelf && asciiSpace[c] || c >= utf8.RuneSelf && unicode.IsSpace(c) {
			l.gap = true
			i += w
			continue
		}
		if l.gap && len(l.b) > 0 {
			l.b = append(l.b, ' ')
			l.runes++
		}
		l.gap = false
		l.b = append(l.b, s[i:i+w]...)
		l.runes++
		i += w
		// The ASCII that follows, at once, while the line is not full.
		j := i
		for j < len(s) && s[j] < utf8.RuneSelf && !asciiSpace[s[j]] && (l.max < 0 || l.runes+j-i <= l.max) {
			j++
		}
		l.b = append(l.b, s[i:j]...)
		l.runes += j - i
		i = j
	}
}

// asciiSpace is unicode.IsSpace for ASCII.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

func (l *line) String() string { return string(l.b) }

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

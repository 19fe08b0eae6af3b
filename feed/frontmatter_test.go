package feed

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// checkQuick fails t if quickFrontMatter takes lines and reads them other
// than the YAML parser does; it reports whether it took them.
func checkQuick(t *testing.T, lines []string) bool {
	t.Helper()
	quick, ok := quickFrontMatter(lines)
	if !ok {
		return false
	}
	want, err := yamlFrontMatter(lines)
	if err != nil || !reflect.DeepEqual(quick, want) {
		t.Fatalf("front matter %q: quick %+v, YAML %+v (%v)", strings.Join(lines, "\n"), quick, want, err)
	}
	return true
}

// TestQuickFrontMatterMatchesYAML: over front matter made of pieces full of
// what YAML gives a meaning to, what the quick reader takes it reads as the
// YAML parser does; and it takes the common ones.
func TestQuickFrontMatterMatchesYAML(t *testing.T) {
	common := [][]string{
		{`title: "Article 42: no secret message from Lavrov"`, "date: 2017-05-10T07:36:00Z"},
		{"title: My first post", "date: 2024-03-01", "author: Ann Example", "", "summary: What I did.", "draft: false"},
		{"title: Café au lait, 日本", "updated: 2024-03-02 10:00", "slug: my-post", "id: urn:uuid:1234", "draft: true"},
		{`title: "Tabs	and 'quotes' and # and : inside"`},
		{"title: 2020", "date: 2017-05-10T07:36:00+02:00"},
		{},
	}
	for _, lines := range common {
		if !checkQuick(t, lines) {
			t.Errorf("front matter %q: not taken by the quick reader", lines)
		}
	}
	keys := []string{"title", "date", "updated", "author", "summary", "slug", "id", "draft", "tags", "Title", "other", " title", "title ", `"title"`, "- title", "#title"}
	seps := []string{": ", ":", ":  ", " : ", ":\t", ": \t"}
	pieces := []string{"a", "Z", "0", "1", " ", "  ", "\t", `"`, "'", "\\", ":", ": ", "#", " #", "-", "?", "[", "]", "{", "}", ",", "&", "*", "!", "|", ">", "%", "@", "`", "~",
		"null", "Null", "true", "false", "yes", "on", "é", "日本", "\x00", "\x01", "\x7f", "\u0085", "\u0090", "\u2028", "\ufeff", "\uffff", "\xff", "\r", "x:", "2017-05-10", "T07:36:00Z", ".inf", "0x1F", "\\n", "\\u00e9", "\"\"", "---", "..."}
	rng := rand.New(rand.NewPCG(5, 6))
	value := func() string {
		var b strings.Builder
		for range 1 + rng.IntN(5) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		v := b.String()
		if rng.IntN(3) == 0 {
			v = `"` + v + `"`
		}
		return v
	}
	taken := 0
	const rounds = 20000
	for range rounds {
		var lines []string
		for range rng.IntN(5) {
			switch rng.IntN(10) {
			case 0:
				lines = append(lines, "")
			case 1:
				lines = append(lines, value())
			default:
				// Mostly known keys with plain words, so that many are taken.
				k, sep := keys[rng.IntN(len(keys))], seps[rng.IntN(len(seps))]
				if rng.IntN(2) == 0 {
					k, sep = keys[rng.IntN(8)], ": "
				}
				lines = append(lines, k+sep+value())
			}
		}
		if checkQuick(t, lines) {
			taken++
		}
	}
	if taken < rounds/20 {
		t.Errorf("the quick reader took %d of %d, too few to say much", taken, rounds)
	}
	t.Logf("taken by the quick reader: %d of %d", taken, rounds)
}

// FuzzQuickFrontMatter: whatever the quick reader takes, it reads as the
// YAML parser does.
func FuzzQuickFrontMatter(f *testing.F) {
	for _, s := range []string{"title: x\ndate: 2020-01-01", `title: "a: b"`, "draft: true\nslug: s", "title: null", "title: a #b", "id: x\nid: y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkQuick(t, strings.Split(s, "\n"))
	})
}

// What the quick reader gives is its own: an article keeps its title, not
// the whole file the title was read from.
func TestQuickFrontMatterCopies(t *testing.T) {
	text := "title: Kept\nauthor: \"Ann\"\n" + strings.Repeat("body ", 1000)
	fm, ok := quickFrontMatter(strings.Split(text, "\n")[:2])
	if !ok || fm.Title != "Kept" || fm.Author != "Ann" {
		t.Fatalf("got %+v, %v", fm, ok)
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(text)))
	for _, s := range []string{fm.Title, fm.Author} {
		if p := uintptr(unsafe.Pointer(unsafe.StringData(s))); p >= start && p < start+uintptr(len(text)) {
			t.Errorf("%q is a piece of the file's text", s)
		}
	}
}

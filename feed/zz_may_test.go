package feed

import (
	"bytes"
	"os"
	"testing"

	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

func BenchmarkZZMayLink(b *testing.B) {
	src, _ := os.ReadFile("/dev/shm/t/articles/article-000000.md")
	src = src[bytes.Index(src, []byte("\n---\n"))+5:]
	doc := unlinked.Parser().Parse(text.NewReader(src), parser.WithContext(parser.NewContext()))
	b.Run("walk", func(b *testing.B) {
		for b.Loop() {
			linkableText(src, doc)
		}
	})
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			unlinked.Parser().Parse(text.NewReader(src), parser.WithContext(parser.NewContext()))
		}
	})
	n := 0
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		n++
	}
	b.Log(len(src), n)
}

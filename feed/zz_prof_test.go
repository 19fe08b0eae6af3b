package feed

import (
	"io"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"
)

func TestZZProfBuild(t *testing.T) {
	src := os.Getenv("ZZ_ARTICLES")
	if src == "" {
		t.Skip()
	}
	os.RemoveAll("/dev/shm/zzout")
	u, _ := url.Parse("http://127.0.0.1/")
	b, err := NewBuilder(Config{Site: Site{BaseURL: u, Title: "bench", Limit: 50}, ArticlesDir: src, OutDir: "/dev/shm/zzout", Loc: time.UTC, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	st, err := b.First()
	t.Log(st, err)
}

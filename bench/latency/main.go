// Command latency measures how long an article takes to go live: it writes
// an article file, and from the moment the file is closed polls the server
// until the change shows, N times, then prints p50 and p99 in milliseconds.
//
//	latency -url http://127.0.0.1:8080/ -dir articles            (new files, polls /atom.xml)
//	latency -url http://127.0.0.1:8080/ -dir articles -edit article-000123.md
//	                                      (edits one file, polls its page)
//
// Every sample gives up after -timeout; the files it made are removed at
// the end (an edited file gets its first bytes back).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080/", "`address` of the dropfeed server")
	dir := flag.String("dir", "articles", "the server's articles `folder`")
	n := flag.Int("n", 200, "`samples`")
	edit := flag.String("edit", "", "`file` in the folder to edit (its page is polled) instead of adding new files")
	pause := flag.Duration("pause", 50*time.Millisecond, "wait between samples")
	timeout := flag.Duration("timeout", 10*time.Second, "give up on a sample after this long")
	flag.Parse()
	site := strings.TrimSuffix(*base, "/")
	client := &http.Client{Timeout: *timeout, Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4}}

	var original []byte
	if *edit != "" {
		var err error
		if original, err = os.ReadFile(filepath.Join(*dir, *edit)); err != nil {
			log.Fatal(err)
		}
		defer os.WriteFile(filepath.Join(*dir, *edit), original, 0o644)
	}
	var made []string
	defer func() {
		for _, p := range made {
			os.Remove(p)
		}
	}()

	var samples []time.Duration
	failed := 0
	stamp := time.Now().UnixNano()
	for i := range *n {
		marker := fmt.Sprintf("latency-%d-%d", stamp, i)
		var path, poll string
		var body []byte
		if *edit == "" {
			path = filepath.Join(*dir, fmt.Sprintf("zz-latency-%d-%03d.md", stamp, i))
			made = append(made, path)
			date := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
			body = fmt.Appendf(nil, "---\ntitle: %s\ndate: %s\n---\n\nA new article.\n", marker, date.Format(time.RFC3339))
			poll = site + "/atom.xml"
		} else {
			path = filepath.Join(*dir, *edit)
			body = append(bytes.Clone(original), fmt.Sprintf("\nEdited: %s\n", marker)...)
			poll = site + "/articles/" + strings.TrimSuffix(filepath.ToSlash(*edit), filepath.Ext(*edit)) + ".html"
		}
		if err := os.WriteFile(path, body, 0o644); err != nil { // closed on return
			log.Fatal(err)
		}
		start := time.Now()
		if d, ok := waitFor(client, poll, marker, start.Add(*timeout)); ok {
			samples = append(samples, d.Sub(start))
		} else {
			failed++
		}
		time.Sleep(*pause)
	}
	if len(samples) == 0 {
		log.Fatalf("no sample showed up within %v", *timeout)
	}
	slices.Sort(samples)
	ms := func(q float64) float64 {
		return float64(samples[min(len(samples)-1, int(q*float64(len(samples))))].Microseconds()) / 1000
	}
	fmt.Printf("samples %d failed %d p50 %.1f p99 %.1f max %.1f\n", len(samples), failed, ms(0.50), ms(0.99), ms(1))
}

// waitFor polls url until its body holds marker, with If-None-Match so that
// an unchanged file costs a 304; it returns when it saw it.
func waitFor(c *http.Client, url, marker string, deadline time.Time) (time.Time, bool) {
	etag := ""
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", url, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := c.Do(req)
		if err != nil {
			time.Sleep(time.Millisecond)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			if bytes.Contains(body, []byte(marker)) {
				return time.Now(), true
			}
			etag = resp.Header.Get("ETag")
		}
		time.Sleep(500 * time.Microsecond)
	}
	return time.Time{}, false
}

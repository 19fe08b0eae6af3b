package feed

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// StateFile keeps, per article file, a hash of the bytes last published
// ("xxh3:" and their XXH3-128 in hex, see sumOf; the SHA-256 that earlier
// versions wrote, whole or its first 16 bytes, is read as well) and when
// they changed, so an entry's "updated" date moves only when its bytes do,
// across restarts too. It lives in the output folder; being a dot-file, it
// is never served.
//
// It is a journal: one JSON object a line, {"path", "hash", "updated",
// "article"} for a record, {"path", "gone": true} for a file that went; a
// later line for a path replaces the earlier ones. "article" is what the
// feeds need of the article as published, but its HTML, which its page
// holds (see keptArticle). A rebuild appends the records it changed
// (a line or two for one edit, where rewriting the records of 100,000
// articles would be most of the rebuild); the file is written whole, sorted
// by path, on the first write of a run and once the lines of replaced
// records outnumber the live ones.
const StateFile = ".dropfeed-state.json"

// stamp is the record of one file: the hash of the bytes last published
// (sumOf; or the start of their SHA-256, read from an earlier version's
// state file), and their "updated" date in UTC. A cold build of 100,000
// articles keeps one each: 32 bytes, where a whole SHA-256 and a time.Time
// took 56 (in a heap profile, the map of them went from about 10 MiB to
// 6.3).
type stamp struct {
	hash [16]byte
	sec  int64  // "updated", in Unix seconds
	nsec int32  // and nanoseconds
	line uint32 // where its line starts in the state file as read, plus one (0: it has none there); in the room the others leave
}

func newStamp(sum [16]byte, updated time.Time) stamp {
	return stamp{hash: sum, sec: updated.Unix(), nsec: int32(updated.Nanosecond())}
}

func (s stamp) updated() time.Time { return time.Unix(s.sec, int64(s.nsec)).UTC() }

// stateLine is one line of StateFile.
type stateLine struct {
	stateRecord
	Article *keptArticle `json:"article,omitempty"`
}

// stateRecord is a line of StateFile as read when a run starts: its
// article is only read back for a file that fails (see kept).
type stateRecord struct {
	Path    string    `json:"path"`
	Hash    string    `json:"hash,omitempty"`
	Updated time.Time `json:"updated,omitzero"`
	Gone    bool      `json:"gone,omitempty"`
}

// keptArticle is what StateFile keeps of a published article beside its
// hash: with the HTML that its page in the output folder holds, the
// article as published. When its file fails on the first look of a run
// (it broke while dropfeed was stopped), this last good version is
// published again, as a running server keeps it. Page, the page's hash
// (its ETag, see sumOf), tells that page from any other, another
// article's that took its address since, or one of another version.
type keptArticle struct {
	Slug      string    `json:"slug"`
	Page      string    `json:"page"`
	Natural   string    `json:"natural,omitempty"` // the slug it wants, when a clash gave it another
	ID        string    `json:"id,omitempty"`
	Title     string    `json:"title"`
	Published time.Time `json:"published"`
	Zone      string    `json:"zone,omitempty"` // "tz" for -tz, "local" for the system's zone: dates in such a zone have its offsets, which JSON's fixed one for Published does not keep
	Undated   bool      `json:"undated,omitempty"`
	Author    string    `json:"author,omitempty"`
	Tags      []string  `json:"tags,omitempty"`
	Summary   string    `json:"summary,omitempty"` // given in the front matter; else made from the HTML again
}

// keptOf is what the state file keeps of a, whose page has the hash page;
// tz is the zone of dates written without one.
func keptOf(a *Article, page [16]byte, tz *time.Location) keptArticle {
	k := keptArticle{Slug: a.Slug, Page: hex.EncodeToString(page[:]), ID: a.ID, Title: a.Title,
		Published: a.Published, Undated: a.Undated, Author: a.Author, Tags: a.Tags}
	switch a.Published.Location() {
	case tz:
		k.Zone = "tz"
	case time.Local:
		k.Zone = "local"
	}
	if a.natural != a.Slug {
		k.Natural = a.natural
	}
	if !a.summaryMade {
		k.Summary = a.Summary
	}
	return k
}

// history gives each article its "updated" date: its published date (or the
// front matter's "updated") while its bytes are the first ones seen, and the
// file's modification time once they have changed.
type history struct {
	mu      sync.Mutex
	rec     map[string]stamp
	earlier map[string]bool // paths whose record holds an earlier version's SHA-256 start, read from its state file (see sumPrefix)
	changed map[string]bool // paths whose record changed or went since the last write, unless the next is whole
	lines   int             // lines in the state file, as far as written
	whole   bool            // the state file is to be written whole next time
	file    string          // the state file while its lines are where they were read (stamp.line), "" once written whole
}

// newHistory reads the state file, path, as it was when the run started.
func newHistory(path string, state []byte) *history {
	h := &history{rec: map[string]stamp{}, earlier: map[string]bool{}, changed: map[string]bool{}, whole: true, file: path}
	// A damaged line costs only the dates of past edits of one file, and
	// its last good version.
	for at := 0; at < len(state); {
		line := state[at:]
		if n := bytes.IndexByte(line, '\n'); n >= 0 {
			line = line[:n]
		}
		start := at
		at += len(line) + 1
		var l stateRecord
		if json.Unmarshal(line, &l) != nil || l.Path == "" {
			continue
		}
		sum, ok := stateHash(l.Hash)
		delete(h.earlier, l.Path) // a later line of a path replaces the one before
		if l.Gone || !ok {
			delete(h.rec, l.Path)
			continue
		}
		if !strings.HasPrefix(l.Hash, sumPrefix) {
			h.earlier[l.Path] = true
		}
		st := newStamp(sum, l.Updated)
		if start < math.MaxUint32 {
			st.line = uint32(start) + 1
		}
		h.rec[l.Path] = st
	}
	return h
}

// kept is what the state file, as read when the run started, keeps of the
// article of path, with its record; ok is false if it keeps none, or if
// the file was written whole since (a file that fails later in a run keeps
// the version it had in memory).
func (h *history) kept(path string) (k *keptArticle, r stamp, ok bool) {
	h.mu.Lock()
	r, ok = h.rec[path]
	file := h.file
	h.mu.Unlock()
	if !ok || r.line == 0 || file == "" {
		return nil, r, false
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, r, false
	}
	defer f.Close()
	line, _ := bufio.NewReader(io.NewSectionReader(f, int64(r.line-1), 1<<30)).ReadBytes('\n')
	var l stateLine
	if json.Unmarshal(line, &l) != nil || l.Path != path || l.Article == nil {
		return nil, r, false
	}
	if sum, ok := stateHash(l.Hash); !ok || sum != r.hash {
		return nil, r, false
	}
	return l.Article, r, true
}

// earlierSum reports whether sum is the start of body's SHA-256, the hash
// that earlier versions wrote in the state file, of pages and of articles'
// bytes.
func earlierSum(body []byte, sum [16]byte) bool {
	sha := sha256.Sum256(body)
	return [16]byte(sha[:16]) == sum
}

// sumPrefix marks the records of this version's state file: earlier
// versions read none of them, rather than take their hashes for SHA-256s.
// A record read from an earlier version's file (without it) holds that
// SHA-256's start, and is written back as it was, without it, until its
// file is parsed again (history.earlier).
const sumPrefix = "xxh3:"

// stateHash reads a hash of the state file: sumOf's, after sumPrefix (an
// article's) or without it (a page's, see keptArticle), or an earlier
// version's SHA-256, whole or its first 16 bytes, whose start it gives.
func stateHash(s string) (sum [16]byte, ok bool) {
	s, _ = strings.CutPrefix(s, sumPrefix)
	var whole [32]byte
	if len(s) != 32 && len(s) != 64 { // hex.Decode would panic on a longer one
		return sum, false
	}
	_, err := hex.Decode(whole[:], []byte(s))
	return [16]byte(whole[:16]), err == nil
}

// stamp gives the article parsed from data, whose hash is sum (sumOf), its
// "updated" date, and records it.
func (h *history) stamp(a *Article, data []byte, sum [16]byte, modTime time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.rec[a.Path]
	switch {
	case !ok:
	case r.hash == sum || h.earlier[a.Path] && earlierSum(data, r.hash):
		if u := r.updated(); u.After(a.Updated) {
			a.Updated = u.In(a.Published.Location())
		}
	default:
		u, last := modTime.Truncate(time.Second), r.updated()
		if !u.After(last) {
			u = last.Add(time.Second)
		}
		if u.After(a.Updated) {
			a.Updated = u.In(a.Published.Location())
		}
	}
	// Noted whenever the file is parsed, even if its bytes are the same:
	// its page may differ (a slug that a clash moved, an undated file's
	// new time), and the state file keeps the page's hash.
	h.rec[a.Path] = newStamp(sum, a.Updated)
	delete(h.earlier, a.Path)
	h.change(a.Path)
}

// under gives the paths of the records below the folder dir.
// Only while the state file is as read: once written whole, every record
// has its file's entry, and there is nothing to find.
func (h *history) under(dir string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.file == "" {
		return nil
	}
	var paths []string
	for p := range h.rec {
		if under(p, dir) {
			paths = append(paths, p)
		}
	}
	return paths
}

// drop forgets the record of a file that went.
func (h *history) drop(path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.rec[path]; ok {
		delete(h.rec, path)
		delete(h.earlier, path)
		h.change(path)
	}
}

// change notes a path whose record changed or went, for the lines to
// append. The file written whole next has every record: then there is
// nothing to note (a cold build of 100,000 articles would note them all).
func (h *history) change(path string) {
	if !h.whole {
		h.changed[path] = true
	}
}

// journal is what to put in StateFile: the paths of the lines to append to
// it, or, when whole is true, of the whole file (then only the records of
// files in keep). write writes their lines. Until written is called, the
// same changes come again.
func (h *history) journal(keep func(path string) bool) (paths []string, whole bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.whole || h.lines > 2*len(h.rec)+1024 {
		for p := range h.rec {
			if !keep(p) {
				delete(h.rec, p)
				delete(h.earlier, p)
			}
		}
		return slices.Sorted(maps.Keys(h.rec)), true
	}
	return slices.Sorted(maps.Keys(h.changed)), false
}

// write writes the journal's lines for paths to w, with what it keeps of
// the article published for each: published gives that, ok false if none.
// The whole file of 100,000 records is about 27 MB: it goes to w as it is
// made, not held.
func (h *history) write(w io.Writer, paths []string, published func(path string) (keptArticle, bool)) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var line []byte
	for _, p := range paths {
		l := stateLine{stateRecord: stateRecord{Path: p, Gone: true}}
		if r, ok := h.rec[p]; ok {
			prefix := sumPrefix
			if h.earlier[p] {
				prefix = "" // still an earlier version's hash: said so
			}
			l.stateRecord = stateRecord{Path: p, Hash: prefix + hex.EncodeToString(r.hash[:]), Updated: r.updated()}
			if k, ok := published(p); ok {
				l.Article = &k
			}
		}
		line = appendLine(line[:0], &l)
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// appendLine appends l as a line of JSON that json.Unmarshal reads as l
// (TestStateLineReadsBack). By hand: a cold build of 10,000 articles
// writes one each: under 4 ms here, where json.Marshal took 15.
func appendLine(b []byte, l *stateLine) []byte {
	b = appendJSONString(append(b, `{"path":`...), l.Path)
	if l.Gone {
		return append(b, ",\"gone\":true}\n"...)
	}
	b = appendJSONString(append(b, `,"hash":`...), l.Hash)
	if !l.Updated.IsZero() {
		b = appendJSONTime(append(b, `,"updated":`...), l.Updated)
	}
	if k := l.Article; k != nil {
		b = appendJSONString(append(b, `,"article":{"slug":`...), k.Slug)
		b = appendJSONString(append(b, `,"page":`...), k.Page)
		b = appendJSONField(b, "natural", k.Natural)
		b = appendJSONField(b, "id", k.ID)
		b = appendJSONString(append(b, `,"title":`...), k.Title)
		b = appendJSONTime(append(b, `,"published":`...), k.Published)
		b = appendJSONField(b, "zone", k.Zone)
		if k.Undated {
			b = append(b, `,"undated":true`...)
		}
		b = appendJSONField(b, "author", k.Author)
		for i, t := range k.Tags {
			if i == 0 {
				b = append(b, `,"tags":[`...)
			} else {
				b = append(b, ',')
			}
			b = appendJSONString(b, t)
		}
		if len(k.Tags) > 0 {
			b = append(b, ']')
		}
		b = appendJSONField(b, "summary", k.Summary)
		b = append(b, '}')
	}
	return append(b, "}\n"...)
}

// appendJSONField appends ,"name":"s" unless s is empty.
func appendJSONField(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	b = append(append(append(b, `,"`...), name...), `":`...)
	return appendJSONString(b, s)
}

// appendJSONTime appends t as json.Marshal does.
func appendJSONTime(b []byte, t time.Time) []byte {
	return append(t.AppendFormat(append(b, '"'), time.RFC3339Nano), '"')
}

// appendJSONString appends s as a JSON string. Bytes that are not UTF-8
// become U+FFFD, as json.Marshal makes them.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	from := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[from:i]...)
			if c == '"' || c == '\\' {
				b = append(b, '\\', c)
			} else {
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			from = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(append(b, s[from:i]...), `\ufffd`...)
			from = i + 1
		}
		i += size
	}
	return append(append(b, s[from:]...), '"')
}

// written records that the lines journal gave last (n of them) are in the
// state file; ok false says they are not, and the file is then written
// whole next time.
func (h *history) written(n int, whole, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !ok {
		h.whole = true
		return
	}
	if whole {
		h.lines, h.whole, h.file = n, false, ""
	} else {
		h.lines += n
	}
	h.changed = map[string]bool{} // not cleared: it would keep the room of every path after a cold build
}

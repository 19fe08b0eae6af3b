package feed

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// StateFile keeps, per article file, a hash of the bytes last published
// (the first 16 bytes of their SHA-256, in hex; a file written when it kept
// all 32 is read as well) and when they changed, so an entry's "updated"
// date moves only when its bytes do, across restarts too. It lives in the
// output folder; being a dot-file, it is never served.
//
// It is a journal: one JSON object a line, {"path", "hash", "updated"} for
// a record, {"path", "gone": true} for a file that went; a later line for a
// path replaces the earlier ones. A rebuild appends the records it changed
// (a line or two for one edit, where rewriting the records of 100,000
// articles would be most of the rebuild); the file is written whole, sorted
// by path, on the first write of a run and once the lines of replaced
// records outnumber the live ones.
const StateFile = ".dropfeed-state.json"

// stamp is the record of one file: the start of the SHA-256 of the bytes
// last published (16 bytes, as an ETag's), and their "updated" date in
// UTC. A cold build of 100,000 articles keeps one each: 32 bytes, where
// the whole hash and a time.Time took 56 (in a heap profile, the map of
// them went from about 10 MiB to 6.3).
type stamp struct {
	hash [16]byte
	sec  int64 // "updated", in Unix seconds
	nsec int32 // and nanoseconds
}

func newStamp(sum [32]byte, updated time.Time) stamp {
	return stamp{hash: [16]byte(sum[:16]), sec: updated.Unix(), nsec: int32(updated.Nanosecond())}
}

func (s stamp) updated() time.Time { return time.Unix(s.sec, int64(s.nsec)).UTC() }

// stateLine is one line of StateFile.
type stateLine struct {
	Path    string    `json:"path"`
	Hash    string    `json:"hash,omitempty"`
	Updated time.Time `json:"updated,omitzero"`
	Gone    bool      `json:"gone,omitempty"`
}

// history gives each article its "updated" date: its published date (or the
// front matter's "updated") while its bytes are the first ones seen, and the
// file's modification time once they have changed.
type history struct {
	mu      sync.Mutex
	rec     map[string]stamp
	changed map[string]bool // paths whose record changed or went since the last write, unless the next is whole
	lines   int             // lines in the state file, as far as written
	whole   bool            // the state file is to be written whole next time
}

func newHistory(state []byte) *history {
	h := &history{rec: map[string]stamp{}, changed: map[string]bool{}, whole: true}
	// A damaged line costs only the dates of past edits of one file.
	sc := bufio.NewScanner(bytes.NewReader(state))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l stateLine
		if json.Unmarshal(sc.Bytes(), &l) != nil || l.Path == "" {
			continue
		}
		sum, ok := stateHash(l.Hash)
		if l.Gone || !ok {
			delete(h.rec, l.Path)
			continue
		}
		h.rec[l.Path] = newStamp(sum, l.Updated)
	}
	return h
}

// stateHash reads a record's hash: the whole SHA-256, as written before
// the stamps kept only its start, or that start (the rest of sum zero).
func stateHash(s string) (sum [32]byte, ok bool) {
	if len(s) != 32 && len(s) != 64 { // hex.Decode would panic on a longer one
		return sum, false
	}
	_, err := hex.Decode(sum[:], []byte(s))
	return sum, err == nil
}

func (h *history) stamp(a *Article, sum [32]byte, modTime time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.rec[a.Path]
	switch {
	case !ok:
	case r.hash == [16]byte(sum[:16]):
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
	if st := newStamp(sum, a.Updated); !ok || st != r {
		h.rec[a.Path] = st
		h.change(a.Path)
	}
}

// drop forgets the record of a file that went.
func (h *history) drop(path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.rec[path]; ok {
		delete(h.rec, path)
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
			}
		}
		return slices.Sorted(maps.Keys(h.rec)), true
	}
	return slices.Sorted(maps.Keys(h.changed)), false
}

// write writes the journal's lines for paths to w. The whole file of
// 100,000 records is 15 MB: it goes to w as it is made, not held.
func (h *history) write(w io.Writer, paths []string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var line []byte
	for _, p := range paths {
		l := stateLine{Path: p, Gone: true}
		if r, ok := h.rec[p]; ok {
			l = stateLine{Path: p, Hash: hex.EncodeToString(r.hash[:]), Updated: r.updated()}
		}
		line, _ = json.Marshal(l)
		if _, err := w.Write(append(line, '\n')); err != nil {
			return err
		}
	}
	return nil
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
		h.lines, h.whole = n, false
	} else {
		h.lines += n
	}
	h.changed = map[string]bool{} // not cleared: it would keep the room of every path after a cold build
}

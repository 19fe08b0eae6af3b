package feed

import (
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"time"
)

// StateFile keeps, per article file, the hash of the bytes last published
// and when they changed, so an entry's "updated" date moves only when its
// bytes do, across restarts too. It lives in the output folder; being a
// dot-file, it is never served.
const StateFile = ".dropfeed-state.json"

type stamp struct {
	Hash    string    `json:"hash"`
	Updated time.Time `json:"updated"`
}

// history gives each article its "updated" date: its published date (or the
// front matter's "updated") while its bytes are the first ones seen, and the
// file's modification time once they have changed.
type history struct {
	mu  sync.Mutex
	rec map[string]stamp
	// StateFile is remade on every rebuild that changed a record; among
	// 100,000 articles encoding them all would be most of the rebuild, so
	// each record's line and the sorted paths are kept until they change.
	lines   map[string][]byte
	paths   []string // sorted; nil once a path came or went
	encoded []byte   // the whole file; nil once a record changed
}

func newHistory(state []byte) *history {
	h := &history{rec: map[string]stamp{}, lines: map[string][]byte{}}
	if len(state) > 0 {
		// A damaged state file costs only the dates of past edits.
		_ = json.Unmarshal(state, &h.rec)
	}
	return h
}

func (h *history) stamp(a *Article, sum [32]byte, modTime time.Time) {
	hash := hex.EncodeToString(sum[:])
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.rec[a.Path]
	switch {
	case !ok:
	case r.Hash == hash:
		if r.Updated.After(a.Updated) {
			a.Updated = r.Updated.In(a.Published.Location())
		}
	default:
		u := modTime.Truncate(time.Second)
		if !u.After(r.Updated) {
			u = r.Updated.Add(time.Second)
		}
		if u.After(a.Updated) {
			a.Updated = u.In(a.Published.Location())
		}
	}
	if st := (stamp{Hash: hash, Updated: a.Updated.UTC()}); !ok || !st.Updated.Equal(r.Updated) || st.Hash != r.Hash {
		h.rec[a.Path], h.encoded = st, nil
		delete(h.lines, a.Path)
		if !ok {
			h.paths = nil
		}
	}
}

// state is the history of the files in keep, as the bytes of StateFile: a
// JSON object of path → {"hash", "updated"}, one record a line, sorted.
func (h *history) state(keep func(path string) bool) []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	for p := range h.rec {
		if !keep(p) {
			delete(h.rec, p)
			delete(h.lines, p)
			h.paths, h.encoded = nil, nil
		}
	}
	if h.encoded != nil {
		return h.encoded
	}
	if h.paths == nil {
		h.paths = slices.Sorted(maps.Keys(h.rec))
	}
	b := []byte("{\n")
	for i, p := range h.paths {
		line, ok := h.lines[p]
		if !ok {
			key, _ := json.Marshal(p)
			val, _ := json.Marshal(h.rec[p])
			line = slices.Concat([]byte(" "), key, []byte(": "), val)
			h.lines[p] = line
		}
		b = append(b, line...)
		if i < len(h.paths)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	h.encoded = append(b, "}\n"...)
	return h.encoded
}

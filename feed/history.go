package feed

import (
	"encoding/hex"
	"encoding/json"
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
}

func newHistory(state []byte) *history {
	h := &history{rec: map[string]stamp{}}
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
	h.rec[a.Path] = stamp{Hash: hash, Updated: a.Updated.UTC()}
}

// state is the history of the files in keep, as the bytes of StateFile.
func (h *history) state(keep func(path string) bool) []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	for p := range h.rec {
		if !keep(p) {
			delete(h.rec, p)
		}
	}
	b, _ := json.MarshalIndent(h.rec, "", " ")
	return append(b, '\n')
}

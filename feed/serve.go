package feed

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// Serve watches the articles folder, builds once, then rebuilds on every
// change and serves the output on ln until ctx ends, when it stops
// accepting, lets requests in flight finish (up to five seconds) and
// returns.
func (b *Builder) Serve(ctx context.Context, ln net.Listener) error {
	// Watched from before the build reads the folder, every change after
	// that read comes as an event: no second look at all the files (for
	// 100,000 of them the biggest use of memory once serving). Files the
	// build found still open for writing are looked at by the watcher
	// until they are closed.
	w, err := b.watch()
	if err != nil {
		return fmt.Errorf("articles folder: %w", unwrapPath(err))
	}
	defer w.close()
	if _, err := b.firstServing(); err != nil && !errors.Is(err, ErrOutput) {
		return err // an output folder that cannot be written yet is retried
	}
	// A server keeps what it serves (under 1 KB an article) and allocates
	// little but in rebuilds: it runs with a tighter collector than the
	// build, whose garbage goes back to the system now, not over minutes.
	// For 100,000 articles that is a resident 130 MB rather than twice
	// that.
	if b.cfg.ServeGC > 0 {
		defer debug.SetGCPercent(debug.SetGCPercent(b.cfg.ServeGC))
		// A rebuild leaves garbage next to what is kept, in memory the
		// collector frees but the system gets back only slowly: once
		// there is enough of it, a collection after the rebuild hands
		// it back (see tidier).
		t := tidier{over: tidyOver, slack: heapSlack, free: debug.FreeOSMemory}
		defer t.wg.Wait()
		w.rebuilt = t.rebuilt
	}
	debug.FreeOSMemory()
	defer b.serveOnFewCores()()
	srv := NewServer(Handler(b.Current))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { w.run(ctx) })
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	b.cfg.Log.Info("serving", "url", "http://"+ln.Addr().String()+"/", "base_url", b.cfg.BaseURL.String())
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		cancel()
		wg.Wait()
		return err
	}
	shut, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	err = srv.ShutdownWithContext(shut)
	// A shutdown that came before Serve took the listener (ctx ended at
	// once) leaves that Serve to start afterwards: closing the listener
	// ends it too. Nothing is served once Serve has returned.
	ln.Close()
	<-serveErr
	wg.Wait()
	return err
}

// First is the first build of a run: it fails if nothing could be
// published, or, with Strict, if any article was skipped. A build that could
// not write every output file still counts for serving, and is reported.
func (b *Builder) First() (Stats, error) {
	st, err := b.Build()
	if b.Current() == nil {
		return st, err
	}
	if b.cfg.Strict && st.Skipped > 0 {
		return st, &StrictError{Skipped: st.Skipped}
	}
	return st, err
}

// buildMemory is the soft limit on the memory of a server's first build,
// with ServeGC (a variable for the tests).
var buildMemory int64 = 120 << 20

// firstServing is First for a server. With ServeGC it runs under a soft
// memory limit: left alone, the collector lets the heap grow to twice what
// is live, and a first build of 100,000 articles peaked at 270-310 MB
// resident where the server then needs 125. Under the limit the collector
// runs more often once the heap nears it (bench/scale.sh: a peak of 147 MB,
// and serving after 37 s rather than 30-32). Below about 60,000 articles it
// changes little (bench/RESULTS.md). The limit is soft: a bigger folder,
// whose live heap alone is over it, is built all the same, with at most
// half the CPU given to collecting.
func (b *Builder) firstServing() (Stats, error) {
	if b.cfg.ServeGC > 0 {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(buildMemory))
	}
	return b.First()
}

// StrictError is a build with -strict that had to skip articles.
type StrictError struct{ Skipped int }

func (e *StrictError) Error() string {
	return fmt.Sprintf("strict: %d article(s) skipped", e.Skipped)
}

// tidier gives memory back to the system after rebuilds (free, which is
// debug.FreeOSMemory), in the background, one at a time: once the heap holds
// more than over bytes beyond what was live at the last collection (slack).
// A rebuild that comes while memory is being given back is looked at again
// once that is done.
//
// At 100,000 articles each rebuild added 10.8-14.9 MiB of slack (measured
// while memory went back after every rebuild), so about one rebuild in
// three is followed by a collection. Without any, the resident size grew by
// 21-28 MB over the first few rebuilds (bench/scale.sh: a serving peak of
// 133.4 MB against 116.5). Each costs 70-100 ms of CPU there, and the next
// rebuild's allocations fault in fresh pages. At 10,000 articles a rebuild
// leaves 5-10 MiB, which the next one reuses: given back after every
// rebuild, it put 17-19 ms on the publish p50 (bench/latency.sh,
// alternating: 43.4 and 44.1 ms against 25.2 and 26.5; the rebuild
// 35.3-35.5 ms against 18.6-19.9). A threshold of a quarter of the live
// heap where that is more (the room GOGC=25 gives the heap) let the
// serving peak at 100,000 articles reach 132.0 and 133.1 MB, against
// 123.7-124.4 MB at 16 MiB.
type tidier struct {
	over  uint64
	slack func() uint64
	free  func()

	mu             sync.Mutex
	running, again bool
	wg             sync.WaitGroup
}

// tidyOver is a server's tidier.over (a variable for the tests).
var tidyOver uint64 = 16 << 20

// heapSlack is how many bytes the heap holds beyond what was live at the
// last collection: garbage, free memory not yet given back, and the unused
// ends of its spans.
func heapSlack() uint64 {
	s := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/gc/heap/live:bytes"},
	}
	metrics.Read(s)
	held, live := s[0].Value.Uint64()+s[1].Value.Uint64()+s[2].Value.Uint64(), s[3].Value.Uint64()
	return held - min(held, live) // right after a collection, objects can be a little under live
}

// due reports whether memory is to go back to the system now.
func (t *tidier) due() bool {
	return t.slack() > t.over
}

func (t *tidier) rebuilt() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.running {
		t.again = true
		return
	}
	if !t.due() {
		return
	}
	t.running = true
	t.wg.Go(func() {
		for {
			t.free()
			t.mu.Lock()
			again := t.again && t.due()
			t.again, t.running = false, again
			t.mu.Unlock()
			if !again {
				return
			}
		}
	})
}

package feed

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
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
		// A rebuild leaves a few megabytes of garbage next to the 100
		// kept, in memory the collector frees but the system gets back
		// only slowly: each rebuild is followed by a collection that
		// hands it back (70-100 ms of CPU for 100,000 articles, while
		// requests allocate nothing). Without it the resident size grew
		// by 21-28 MB over the first few rebuilds.
		var t tidier
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
// changes little (README, Performance). The limit is soft: a bigger folder,
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

// tidier runs debug.FreeOSMemory after rebuilds, in the background: one at a
// time, and one more after it for the rebuilds done meanwhile.
type tidier struct {
	mu             sync.Mutex
	running, again bool
	wg             sync.WaitGroup
}

func (t *tidier) rebuilt() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.running {
		t.again = true
		return
	}
	t.running = true
	t.wg.Go(func() {
		for {
			debug.FreeOSMemory()
			t.mu.Lock()
			again := t.again
			t.again, t.running = false, again
			t.mu.Unlock()
			if !again {
				return
			}
		}
	})
}

package feed

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// progress prints "read N/M files (R/s)" on stderr about once a second while
// a long build runs. It is used only when stderr is a terminal.
type progress struct {
	total int
	done  atomic.Int64
	start time.Time
	quit  chan struct{}
	ended chan struct{}
}

func startProgress(total int) *progress {
	p := &progress{total: total, start: time.Now(), quit: make(chan struct{}), ended: make(chan struct{})}
	go func() {
		defer close(p.ended)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		shown := false
		for {
			select {
			case <-t.C:
				p.show()
				shown = true
			case <-p.quit:
				if shown {
					p.show()
					fmt.Fprintln(os.Stderr)
				}
				return
			}
		}
	}()
	return p
}

func (p *progress) tick() { p.done.Add(1) }

func (p *progress) show() {
	n := p.done.Load()
	rate := float64(n) / time.Since(p.start).Seconds()
	fmt.Fprintf(os.Stderr, "\rread %d/%d articles (%.0f/s)", n, p.total, rate)
}

func (p *progress) stop() {
	close(p.quit)
	<-p.ended
}

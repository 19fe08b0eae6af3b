//go:build race

package feed

// raceEnabled: the race detector is on, and allocation counts mean nothing.
const raceEnabled = true

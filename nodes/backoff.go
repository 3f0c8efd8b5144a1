package nodes

import "time"

// Back-off of a restarting program: 1 s doubling to 30 s, back to 1 s once
// a run lasted 30 s. A program that dies at once is never respawned faster
// than once a second.
const (
	backoffMin    = time.Second
	backoffMax    = 30 * time.Second
	backoffStable = 30 * time.Second
	stopGrace     = 5 * time.Second
)

// nextBackoff is the wait before the next start after a run of uptime
// that followed a wait of prev.
func nextBackoff(prev, uptime time.Duration) time.Duration {
	if uptime >= backoffStable || prev <= 0 {
		return backoffMin
	}
	return min(2*prev, backoffMax)
}

package routing

import "time"

// Rearm sets timer to fire at an engine's next deadline: at next (never
// sooner than floor from now, so a deadline the engine failed to clear
// cannot spin its loop), or in an hour when the engine has none (zero
// next). It drains a fire the caller has not received, as time.Timer's
// Reset requires. The protocol daemons' loops (RIP, OSPF, BFD) share it.
func Rearm(timer *time.Timer, next, now time.Time, floor time.Duration) {
	wait := time.Hour
	if !next.IsZero() {
		wait = max(next.Sub(now), floor)
	}
	if !timer.Stop() {
		select {
		case <-timer.C:
		default:
		}
	}
	timer.Reset(wait)
}

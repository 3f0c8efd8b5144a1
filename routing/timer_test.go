package routing

import (
	"testing"
	"time"
)

func TestRearm(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name string
		next time.Time
		want time.Duration // at most this long until it fires
	}{
		{"due soon", now.Add(20 * time.Millisecond), time.Second},
		{"overdue takes the floor", now.Add(-time.Hour), time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			timer := time.NewTimer(0) // fired and not received: Rearm drains it
			time.Sleep(time.Millisecond)
			Rearm(timer, tc.next, now, 5*time.Millisecond)
			select {
			case <-timer.C:
			case <-time.After(tc.want):
				t.Fatalf("timer did not fire within %v", tc.want)
			}
		})
	}
	t.Run("no deadline waits an hour", func(t *testing.T) {
		timer := time.NewTimer(0)
		Rearm(timer, time.Time{}, now, time.Millisecond)
		select {
		case <-timer.C:
			t.Fatal("timer fired without a deadline")
		case <-time.After(50 * time.Millisecond):
		}
	})
}

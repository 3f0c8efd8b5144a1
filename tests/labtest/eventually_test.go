package labtest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPoll(t *testing.T) {
	t.Run("holds at once", func(t *testing.T) {
		calls := 0
		if err := poll(time.Hour, time.Millisecond, func() error { calls++; return nil }); err != nil || calls != 1 {
			t.Fatalf("poll = %v after %d calls, want nil after 1", err, calls)
		}
	})
	t.Run("holds on the third call", func(t *testing.T) {
		calls := 0
		err := poll(time.Hour, time.Millisecond, func() error {
			calls++
			if calls < 3 {
				return errors.New("not yet")
			}
			return nil
		})
		if err != nil || calls != 3 {
			t.Fatalf("poll = %v after %d calls, want nil after 3", err, calls)
		}
	})
	t.Run("never holds", func(t *testing.T) {
		sentinel := errors.New("route missing")
		err := poll(0, time.Millisecond, func() error { return sentinel })
		if !errors.Is(err, sentinel) {
			t.Fatalf("poll = %v, want it to wrap the last error", err)
		}
	})
}

func TestUntilAndNamed(t *testing.T) {
	if err := Until("x", func() bool { return true })(); err != nil {
		t.Errorf("Until(true) = %v", err)
	}
	if err := Until("the agent", func() bool { return false })(); err == nil || !strings.Contains(err.Error(), "the agent") {
		t.Errorf("Until(false) = %v, want it to name what is awaited", err)
	}
	base := errors.New("no answer")
	if err := Named("zebra", func() error { return base })(); !errors.Is(err, base) || !strings.HasPrefix(err.Error(), "zebra: ") {
		t.Errorf("Named = %v", err)
	}
	if err := Named("zebra", func() error { return nil })(); err != nil {
		t.Errorf("Named(nil) = %v", err)
	}
}

package labtest

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// pollInterval is how often Eventually asks again: often enough that a
// test waits little past the moment its condition holds, rarely enough
// not to load a machine that runs many labs.
const pollInterval = 50 * time.Millisecond

// Eventually calls cond until it returns nil, and fails the test with
// cond's last error if d passes first. It is how root tests wait for
// something to happen (a route, a daemon's answer, a restarted process)
// instead of sleeping.
func Eventually(t testing.TB, d time.Duration, cond func() error) {
	t.Helper()
	if err := poll(d, pollInterval, cond); err != nil {
		t.Fatal(err)
	}
}

// Until makes a condition for Eventually from a yes/no check; what says
// what is awaited, for the failure message.
func Until(what string, ok func() bool) func() error {
	return func() error {
		if !ok() {
			return errors.New("waiting for " + what)
		}
		return nil
	}
}

// Named makes a condition for Eventually whose error starts with what.
func Named(what string, cond func() error) func() error {
	return func() error {
		if err := cond(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
}

// poll is Eventually without the test: nil once cond holds, else cond's
// last error once d has passed.
func poll(d, every time.Duration, cond func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("not within %v: %w", d, err)
		}
		time.Sleep(every)
	}
}

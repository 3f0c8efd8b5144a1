package nodes

import (
	"context"
	"testing"
	"time"
)

func TestLockExcludes(t *testing.T) {
	t.Setenv("NETEMU_RUN_DIR", t.TempDir())
	unlock, err := Lock(context.Background(), "l", "")
	if err != nil {
		t.Fatal(err)
	}
	// A second taker waits and gives up when its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := Lock(ctx, "l", ""); err == nil {
		t.Fatal("second Lock succeeded while the first is held")
	}
	// Another share is independent.
	u2, err := Lock(context.Background(), "l", "m1")
	if err != nil {
		t.Fatal(err)
	}
	u2()
	got := make(chan error, 1)
	go func() {
		u, err := Lock(context.Background(), "l", "")
		if err == nil {
			u()
		}
		got <- err
	}()
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("waiting Lock never got the lock after unlock")
	}
}

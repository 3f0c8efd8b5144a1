package nodes

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestRunPool(t *testing.T) {
	var ran atomic.Int64
	var ticks atomic.Int64
	err := runPool(context.Background(), 4, 100, func(ctx context.Context, i int) error {
		ran.Add(1)
		return nil
	}, func() { ticks.Add(1) })
	if err != nil || ran.Load() != 100 || ticks.Load() != 100 {
		t.Fatalf("err=%v ran=%d ticks=%d", err, ran.Load(), ticks.Load())
	}

	boom := errors.New("boom")
	err = runPool(context.Background(), 2, 1000, func(ctx context.Context, i int) error {
		if i == 3 {
			return boom
		}
		return nil
	}, nil)
	if !errors.Is(err, boom) {
		t.Fatalf("want boom, got %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	err = runPool(ctx, 2, 1000, func(ctx context.Context, i int) error {
		if i == 5 {
			cancel()
			return ctx.Err()
		}
		return nil
	}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled context must win, got %v", err)
	}
}

package nodes

import (
	"context"
	"errors"
	"runtime"
	"sync"
)

// defaultWorkers bounds parallel kernel work: enough to hide netlink round
// trips, few enough not to thrash a small machine.
func defaultWorkers() int {
	n := 4 * runtime.NumCPU()
	if n > 64 {
		n = 64
	}
	return n
}

// runPool runs fn(ctx, i) for i in [0, n) on at most workers goroutines.
// The first error cancels the rest; errors are joined. A cancelled parent
// context wins over the errors its cancellation caused.
func runPool(ctx context.Context, workers, n int, fn func(ctx context.Context, i int) error, done func()) error {
	if workers < 1 {
		workers = 1
	}
	if workers > n {
		workers = n
	}
	pctx := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if ctx.Err() != nil {
					continue
				}
				if err := fn(ctx, i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					cancel()
					continue
				}
				if done != nil {
					done()
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := pctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

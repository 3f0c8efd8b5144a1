package agent

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/fib"
)

// consistencyEvery is the background check's period; a disagreement is
// reported once it is seen twice in a row.
const consistencyEvery = 10 * time.Second

// consistencyFresh is how long a clean check stands while nothing
// changed: longer would hide a route someone removed by hand for long.
const consistencyFresh = time.Minute

// checker runs the invariant check: on GET /consistency and in the
// background, where a persisting disagreement becomes an event in the
// timeline (once, until it goes away).
type checker struct {
	log     hclog.Logger
	events  routing.Emitter
	fibw    *fib.Writer
	holders []fib.Holder

	// lastChange is the agent's last routing change: a check that found
	// nothing wrong stays true until the next change, so an idle agent
	// (and a `wait` polling a converged lab) costs no kernel dump.
	lastChange func() time.Time

	mu       sync.Mutex // one check at a time; guards the fields below
	reported map[string]bool
	okAt     time.Time // lastChange when a check last found nothing wrong
	okValid  bool
	okWhen   time.Time // when
}

func newChecker(log hclog.Logger, events routing.Emitter, lastChange func() time.Time, fibw *fib.Writer, daemons []Daemon) *checker {
	c := &checker{log: log, events: events, lastChange: lastChange, fibw: fibw, reported: map[string]bool{}}
	for _, d := range daemons {
		if h, ok := d.(fib.Holder); ok {
			c.holders = append(c.holders, h)
		}
	}
	return c
}

// once is one raw comparison of every daemon with the kernel.
func (c *checker) once() (problems []string, refused map[string]string) {
	refused = map[string]string{}
	for _, h := range c.holders {
		held := h.Held()
		kernel, err := c.fibw.List(held.Protocol)
		if err != nil {
			problems = append(problems, "cannot list the kernel's routes: "+err.Error())
			continue
		}
		problems = append(problems, compareHeld(held, kernel)...)
		for p, why := range held.Refused {
			refused[p.String()] = why
		}
	}
	return problems, refused
}

// check compares twice, pause apart, and keeps what both saw.
func (c *checker) check(ctx context.Context, pause time.Duration) Consistency {
	c.mu.Lock()
	defer c.mu.Unlock()
	changed := c.lastChange()
	if c.okValid && changed.Equal(c.okAt) && time.Since(c.okWhen) < consistencyFresh {
		return Consistency{Checked: time.Now()}
	}
	first, _ := c.once()
	if len(first) > 0 {
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
	}
	second, refused := c.once()
	var both []string
	for _, p := range second {
		if slices.Contains(first, p) {
			both = append(both, p)
		}
	}
	// Refused routes are no problem but are shown: not cached as OK.
	c.okValid, c.okAt, c.okWhen = len(second) == 0 && len(refused) == 0, changed, time.Now()
	return Consistency{Checked: time.Now(), Problems: both, Refused: refused}
}

// run checks in the background until ctx ends; new problems are events.
func (c *checker) run(ctx context.Context) {
	t := time.NewTicker(consistencyEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st := c.check(ctx, time.Second)
		c.mu.Lock()
		now := map[string]bool{}
		for _, p := range st.Problems {
			now[p] = true
			if !c.reported[p] {
				c.log.Warn("RIB and kernel disagree", "problem", p)
				c.events.Emit(routing.Event{Daemon: "agent", Kind: routing.EventRIBMismatch, Detail: p})
			}
		}
		c.reported = now
		c.mu.Unlock()
	}
}

func (c *checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "GET only", http.StatusMethodNotAllowed)
		return
	}
	// ?once: one comparison, for a poller (converge's wait) that asks
	// again anyway; else two a second apart, so a batch being written
	// is not reported.
	pause := time.Second
	if r.URL.Query().Has("once") {
		pause = 0
	}
	st := c.check(r.Context(), pause)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(st)
}

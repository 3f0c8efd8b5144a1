package agent

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"time"
)

// agentGCPercent is the agent's GOGC. A lab runs one agent per router, a
// thousand on a small machine, and an idle agent's live heap is well under
// a megabyte: with Go's default (GOGC=100, so no collection below a 4 MiB
// heap) each agent would sit on about 4 MiB of garbage. 25 keeps the heap
// near 1 MiB for a little more GC work, which at these sizes is noise.
const agentGCPercent = 25

// settleFree is when, after the start, the agent hands the heap freed by
// its start-up (config decoding, first table dumps) back to the kernel at
// once rather than by the background scavenger's slow pace.
const settleFree = 20 * time.Second

// tuneMemory applies agentGCPercent and one P unless GOGC or GOMAXPROCS
// is set (a user's word wins), and frees the start-up garbage once the agent has settled. It is
// called by Run, the agent process's whole life.
func tuneMemory(ctx context.Context) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(agentGCPercent)
	}
	// One P: an agent's work is a few packets a second, and every P costs
	// its own allocation caches and another thread to wake; a thousand
	// agents already keep every CPU of the machine busy between them.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	go func() {
		select {
		case <-ctx.Done():
		case <-time.After(settleFree):
			debug.FreeOSMemory()
		}
	}()
}

package converge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/topo"
)

// AgentSocket is where a router's agent listens, inside the state dir.
func AgentSocket(nodeDir string) string { return filepath.Join(nodeDir, agent.SocketName) }

// Ask reads one agent's view through its control socket. The BGP part is
// read loosely (any list of objects with a peer address and a state), so
// the check does not break when the BGP daemon's status grows.
func Ask(ctx context.Context, node, nodeDir string) View {
	v := View{Node: node}
	c := agent.Dial(AgentSocket(nodeDir))
	st, err := c.Status(ctx)
	if err != nil {
		v.Err = err
		return v
	}
	v.LastChange = st.LastChange
	switch rs, err := c.RIP(ctx); {
	case errors.Is(err, agent.ErrNoDaemon):
	case err != nil:
		v.Err = err
		return v
	default:
		for _, n := range rs.Neighbours {
			v.RIPNeighbours = append(v.RIPNeighbours, RIPNeighbour{Addr: n.Address, Iface: n.Iface, LastHeard: n.LastHeard})
		}
	}
	if err := askConsistency(ctx, c, &v); err != nil {
		v.Err = err
		return v
	}
	if err := askOSPF(ctx, c, &v); err != nil {
		v.Err = err
		return v
	}
	switch raw, err := c.BGP(ctx); {
	case errors.Is(err, agent.ErrNoDaemon):
	case err != nil:
		v.Err = err
		return v
	default:
		v.BGPSessions = parseBGPSessions(raw)
	}
	return v
}

// parseBGPSessions finds the sessions in a /bgp answer (bgp.Status:
// {"peers":[{"addr","as","state"}]}), or in any first list of
// objects (at the top or under "sessions", "peers" or "neighbors") whose
// elements carry a peer address and a state.
func parseBGPSessions(raw json.RawMessage) []BGPSession {
	var list []map[string]any
	if json.Unmarshal(raw, &list) != nil {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil
		}
		for _, k := range []string{"sessions", "peers", "neighbors", "neighbours"} {
			if json.Unmarshal(obj[k], &list) == nil && len(list) > 0 {
				break
			}
		}
	}
	var out []BGPSession
	for _, m := range list {
		var s BGPSession
		for _, k := range []string{"addr", "peer", "address", "neighbor", "peer_address", "remote_addr"} {
			if str, ok := m[k].(string); ok {
				if a, err := netip.ParseAddr(str); err == nil {
					s.Peer = a
					break
				}
			}
		}
		for _, k := range []string{"state", "fsm_state", "session_state"} {
			if str, ok := m[k].(string); ok {
				s.State = str
				break
			}
		}
		for _, k := range []string{"as", "peer_as", "asn", "remote_as", "peer_asn"} {
			if f, ok := m[k].(float64); ok {
				s.ASN = uint32(f)
				break
			}
		}
		if s.Peer.IsValid() && s.State != "" {
			out = append(out, s)
		}
	}
	return out
}

// gatherWorkers bounds how many agents are asked at once, per CPU: a
// thousand agents asked at the same moment each wake, answer four HTTP
// requests and go back to sleep, and the burst starves them all past the
// ask's deadline ("agent unreachable") on a small machine.
const gatherWorkers = 8

// Gather asks every listed agent, a few at a time.
func Gather(ctx context.Context, stateDir func(node string) string, nodes []string) []View {
	views := make([]View, len(nodes))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(len(nodes), gatherWorkers*runtime.NumCPU()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				// Each agent gets its own deadline: under load a round of
				// a thousand takes longer than any one answer may, and a
				// deadline for the whole round would fail its last agents.
				actx, cancel := context.WithTimeout(ctx, askTimeout)
				views[i] = Ask(actx, nodes[i], stateDir(nodes[i]))
				cancel()
			}
		}()
	}
	for i := range nodes {
		work <- i
	}
	close(work)
	wg.Wait()
	return views
}

// pollFor is the interval between checks of n agents when none is given:
// 200 ms for a small lab, growing by 2 ms an agent, so the checks of a
// big lab do not become its main load.
func pollFor(n int) time.Duration {
	return max(200*time.Millisecond, time.Duration(n)*2*time.Millisecond)
}

// askTimeout bounds the questions to one agent in a round.
const askTimeout = 5 * time.Second

// askTimeoutFor bounds one round of questions to n agents, asked
// gatherWorkers per CPU at a time, each within askTimeout: a round never
// fails an agent it has not had time to ask.
func askTimeoutFor(n int) time.Duration {
	return 2*time.Second + time.Duration(n/(gatherWorkers*runtime.NumCPU())+1)*askTimeout
}

// WaitOptions tune Wait.
type WaitOptions struct {
	// Nodes are the routers whose agents are asked (AgentNodes, limited to
	// this machine's share).
	Nodes []string
	// NodeDir gives a node's directory (its agent.sock).
	NodeDir func(node string) string
	// Ask, when set, replaces asking netemu's agents (e.g. FRR's daemons
	// through vtysh).
	Ask func(ctx context.Context, node string) View
	// Quiet is the quiet period (QuietPeriod of the lab's timers when 0).
	Quiet time.Duration
	// Faults reads the faults in force; nil means none.
	Faults func() (Faults, error)
	// Poll is the interval between checks (pollFor the node count when 0).
	Poll time.Duration
	// Progress, when set, sees every check's result.
	Progress func(Result)
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// NotConvergedError is Wait's error when the context ends first: it names
// what has not converged.
type NotConvergedError struct {
	Waited time.Duration
	Last   Result
	Cause  error
}

func (e *NotConvergedError) Error() string {
	return fmt.Sprintf("routing has not converged after %s: %s", e.Waited.Round(time.Millisecond), e.Last.Summary())
}

func (e *NotConvergedError) Unwrap() error { return e.Cause }

// Wait polls the agents until the lab has converged or ctx ends (give it
// a deadline). It returns the converged result and how long it waited.
func Wait(ctx context.Context, lab *topo.Lab, o WaitOptions) (Result, time.Duration, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	quiet := o.Quiet
	if quiet <= 0 {
		quiet = QuietPeriod(lab.Timers)
	}
	poll := o.Poll
	if poll <= 0 {
		poll = pollFor(len(o.Nodes))
	}
	start := now()
	var last Result
	// A session or neighbour that just went down has not yet moved any
	// route: once every problem is gone, the state must also hold for the
	// quiet period, or the check would race the withdrawals it triggers.
	sawProblem := false
	var cleanSince time.Time
	for {
		var f Faults
		var ferr error
		if o.Faults != nil {
			f, ferr = o.Faults()
		}
		if ferr != nil {
			return last, now().Sub(start), fmt.Errorf("read faults: %w", ferr)
		}
		// A deadline that falls in the middle of asking must not turn into
		// "agent unreachable": the round finishes, then the deadline wins.
		askCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), askTimeoutFor(len(o.Nodes)))
		var views []View
		if o.Ask != nil {
			views = make([]View, len(o.Nodes))
			for i, n := range o.Nodes {
				views[i] = o.Ask(askCtx, n)
			}
		} else {
			views = Gather(askCtx, o.NodeDir, o.Nodes)
		}
		cancel()
		t := now()
		last = Check(lab, views, f, quiet, t)
		SortProblems(last.Problems)
		switch {
		case len(last.Problems) > 0:
			sawProblem, cleanSince = true, time.Time{}
		case sawProblem && cleanSince.IsZero():
			cleanSince = t
		}
		if last.Converged && sawProblem && t.Sub(cleanSince) < quiet {
			last.Converged, last.QuietLeft = false, quiet-t.Sub(cleanSince)
		}
		if o.Progress != nil {
			o.Progress(last)
		}
		if last.Converged {
			return last, now().Sub(start), nil
		}
		select {
		case <-ctx.Done():
			return last, now().Sub(start), &NotConvergedError{Waited: now().Sub(start), Last: last, Cause: ctx.Err()}
		case <-time.After(poll):
		}
	}
}

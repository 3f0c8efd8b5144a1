package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

// WaitOptions tune Wait.
type WaitOptions struct {
	// Timeout bounds the wait (DefaultWaitTimeout of the lab's timers when 0).
	Timeout time.Duration
	// Quiet is how long no routing change must happen (derived from the
	// timers when 0).
	Quiet time.Duration
	Log   hclog.Logger
	// Progress, when set, sees after every check how many of the total
	// routers have all their sessions and neighbours up, and the first
	// problem left ("" when only the quiet period is missing).
	Progress func(done, total int, detail string)
}

// WaitResult is a converged share.
type WaitResult struct {
	// Took is how long the wait took.
	Took time.Duration
	// StaticOnly: the lab runs no routing daemons (daemons = "none"), so
	// there was nothing to wait for.
	StaticOnly bool
	// LastChange is the last routing change any router saw.
	LastChange time.Time
	// Fault is the last fault injected or repaired, when routing changed
	// after it (nil otherwise): the convergence it caused.
	Fault *fault.Record
	// External are the sessions towards BGP speakers netemu does not run
	// (`neighbor "ADDR"` blocks) that are not up: they do not hold the
	// wait, since such a speaker may start only after `up`.
	External []converge.Problem
}

// String says it in one line, e.g. "routing converged in 2.1s (last
// routing change 1.9s after link-down transit-a–aws-edge)".
func (r *WaitResult) String() string {
	if r.StaticOnly {
		return `routing converged in 0s (daemons = "none": static routes only, nothing to wait for)`
	}
	msg := fmt.Sprintf("routing converged in %s", r.Took.Round(10*time.Millisecond))
	if r.Fault != nil {
		msg += fmt.Sprintf(" (last routing change %s after %s)", r.LastChange.Sub(r.Fault.Time).Round(time.Millisecond), *r.Fault)
	}
	for _, p := range r.External {
		msg += fmt.Sprintf("\n%s: %s is not up (%s)", p.Node, p.What, p.State)
	}
	return msg
}

// DefaultWaitTimeout is long enough for every session to come up and every
// silent failure to be noticed: a route timeout and a hold time, twice.
func DefaultWaitTimeout(t topo.Timers) time.Duration {
	d := 2 * (t.RIPTimeout + t.BGPHold)
	if d < time.Minute {
		d = time.Minute
	}
	return d
}

// FaultsOf reads the share's faults file into the convergence check's
// terms.
func FaultsOf(st *nodes.State) (converge.Faults, error) {
	f, err := fault.Load(st.Dir)
	if err != nil {
		return converge.Faults{}, err
	}
	out := converge.Faults{Links: map[[2]string]converge.LinkFault{}, Stopped: map[string]bool{}}
	for _, x := range f.Active {
		switch x.Kind {
		case fault.KindNodeStop:
			out.Stopped[x.Node] = true
		case fault.KindLinkDown, fault.KindLinkSilent:
			a, b := x.A, x.B
			if x.AIface != "" && x.BIface != "" {
				a, b = a+":"+x.AIface, b+":"+x.BIface // one of parallel links
			}
			out.Links[converge.LinkKey(a, b)] = converge.LinkFault{Silent: x.Kind == fault.KindLinkSilent, Since: x.Since}
		}
	}
	if last, ok := f.LastChange(); ok {
		out.Last = last.Time
	}
	return out, nil
}

// Wait waits until the share's routing has converged or the timeout
// passes: every agent answers, every BGP session that can be up is
// Established, every RIP neighbour across a working link is heard,
// sessions across a silently failed link are down, and nothing changed for
// the quiet period. On the deadline its error names what has not
// converged (converge.NotConvergedError). `netemu wait` and Up's last
// stage use it.
func Wait(ctx context.Context, st *nodes.State, o WaitOptions) (*WaitResult, error) {
	lab := st.Model
	if lab.Daemons == topo.DaemonsNone {
		// Static routes only: they are in place when `up` or `link up`
		// returns, so a quiet period (32 s with RFC timers) waits for nothing.
		return &WaitResult{StaticOnly: true}, nil
	}
	log := o.Log
	if log == nil {
		log = hclog.NewNullLogger()
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultWaitTimeout(lab.Timers)
	}
	// A big lab converges slower on a small machine: 200 ms a router
	// more (a thousand routers: 200 s), so `up` waits rather than fails.
	defaultTimeout := o.Timeout <= 0
	var agents []string
	for _, n := range converge.AgentNodes(lab) {
		if slices.Contains(st.Nodes, n) {
			agents = append(agents, n)
		}
	}
	var ask func(ctx context.Context, node string) converge.View
	if lab.Daemons == topo.DaemonsFRR {
		var err error
		if agents, ask, err = frrViews(st); err != nil {
			return nil, err
		}
	}
	if defaultTimeout {
		timeout += time.Duration(len(agents)) * 200 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	log = log.Named("wait")
	lastSummary := ""
	lastDone, lastReport := -1, time.Time{}
	res, took, err := converge.Wait(ctx, lab, converge.WaitOptions{
		Nodes:   agents,
		NodeDir: st.NodeDir,
		Ask:     ask,
		Quiet:   o.Quiet,
		Faults:  func() (converge.Faults, error) { return FaultsOf(st) },
		Progress: func(r converge.Result) {
			if s := r.Summary(); s != lastSummary {
				log.Debug("not converged yet", "state", s)
				lastSummary = s
			}
			if o.Progress != nil {
				bad := map[string]bool{}
				detail := ""
				for _, p := range r.Problems {
					bad[p.Node] = true
					if detail == "" {
						detail = p.String()
					}
				}
				if done := len(agents) - len(bad); done != lastDone || time.Since(lastReport) >= 2*time.Second {
					o.Progress(done, len(agents), detail)
					lastDone, lastReport = done, time.Now()
				}
			}
		},
	})
	if err != nil {
		return nil, err
	}
	out := &WaitResult{Took: took, LastChange: res.LastChange, External: res.External}
	if f, ferr := fault.Load(st.Dir); ferr == nil {
		if last, ok := f.LastChange(); ok && res.LastChange.After(last.Time) {
			out.Fault = &last
		}
	}
	return out, nil
}

// frrViews asks FRR's daemons in the share's routers through vtysh; the
// time of the last routing change comes from watching the kernel tables,
// which only starts now: the quiet period counts from the start of the
// wait at the earliest.
func frrViews(st *nodes.State) ([]string, func(ctx context.Context, node string) converge.View, error) {
	var routers []string
	for _, name := range st.Nodes {
		if n := st.Model.Node(name); n != nil && n.Kind == topo.KindRouter {
			routers = append(routers, name)
		}
	}
	kw, err := converge.WatchKernel(st.Lab, routers)
	if err != nil {
		return nil, nil, err
	}
	started := time.Now()
	ask := func(ctx context.Context, node string) converge.View {
		v := converge.View{Node: node, LastChange: started}
		if last, _ := kw.LastChange(); last.After(started) {
			v.LastChange = last
		}
		dir := filepath.Join(st.NodeDir(node), "frr")
		vtysh := func(c string) ([]byte, error) {
			cmd := nodes.Command(st, node, "vtysh", "--vty_socket", dir, "-c", c)
			return cmd.Output()
		}
		if _, err := os.Stat(filepath.Join(dir, "bgpd.conf")); err == nil {
			out, err := vtysh("show bgp summary json")
			if err != nil {
				v.Err = fmt.Errorf("vtysh: %w", err)
				return v
			}
			v.BGPSessions = converge.FRRBGPSessions(out)
		}
		if _, err := os.Stat(filepath.Join(dir, "ripd.conf")); err == nil {
			out, err := vtysh("show ip rip status")
			if err != nil {
				v.Err = fmt.Errorf("vtysh: %w", err)
				return v
			}
			v.RIPNeighbours = converge.FRRRIPNeighbours(out, time.Now())
		}
		if _, err := os.Stat(filepath.Join(dir, "ospfd.conf")); err == nil {
			out, err := vtysh("show ip ospf neighbor json")
			if err != nil {
				v.Err = fmt.Errorf("vtysh: %w", err)
				return v
			}
			v.OSPFNeighbours = converge.FRROSPFNeighbours(out)
		}
		return v
	}
	return routers, ask, nil
}

// convergeStage is Up's last stage: it returns only when routing has
// converged (UpResult.Converged says how long that took).
func convergeStage() stage {
	return stage{
		name: StageConverge,
		run: func(ctx context.Context, r *upRun) error {
			if r.lab.Daemons == topo.DaemonsNone {
				return nil
			}
			res, err := Wait(ctx, r.state, WaitOptions{Timeout: r.opts.ConvergeTimeout, Log: r.log,
				Progress: func(done, total int, detail string) { r.progress(StageConverge, "routers", done, total, detail) }})
			if err != nil {
				return err
			}
			r.res.Converged = res
			return nil
		},
	}
}

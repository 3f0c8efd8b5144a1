package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

// defaultWaitTimeout is long enough for every session to come up and every
// silent failure to be noticed: a route timeout and a hold time, twice.
func defaultWaitTimeout(t topo.Timers) time.Duration {
	d := 2 * (t.RIPTimeout + t.BGPHold)
	if d < time.Minute {
		d = time.Minute
	}
	return d
}

// faultsOf reads the share's faults file into the convergence check's
// terms.
func faultsOf(st *nodes.State) (converge.Faults, error) {
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

// waitConverged waits until the share's routing has converged or timeout
// passes (0: derived from the timers), and says so on w. `netemu wait`
// and the last stage of `netemu up` use it.
func waitConverged(ctx context.Context, st *nodes.State, log hclog.Logger, timeout, quiet time.Duration, w io.Writer) error {
	lab := st.Model
	if lab.Daemons == topo.DaemonsNone {
		// Static routes only: they are in place when `up` or `link up`
		// returns, so a quiet period (32 s with RFC timers) waits for nothing.
		fmt.Fprintln(w, "routing converged in 0s (daemons = \"none\": static routes only, nothing to wait for)")
		return nil
	}
	if timeout <= 0 {
		timeout = defaultWaitTimeout(lab.Timers)
	}
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
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	log = log.Named("wait")
	lastSummary := ""
	res, took, err := converge.Wait(ctx, lab, converge.WaitOptions{
		Nodes:   agents,
		NodeDir: st.NodeDir,
		Ask:     ask,
		Quiet:   quiet,
		Faults:  func() (converge.Faults, error) { return faultsOf(st) },
		Progress: func(r converge.Result) {
			if s := r.Summary(); s != lastSummary {
				log.Debug("not converged yet", "state", s)
				lastSummary = s
			}
		},
	})
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("routing converged in %s", took.Round(10*time.Millisecond))
	if f, ferr := fault.Load(st.Dir); ferr == nil {
		if last, ok := f.LastChange(); ok && res.LastChange.After(last.Time) {
			msg += fmt.Sprintf(" (last routing change %s after %s)", res.LastChange.Sub(last.Time).Round(time.Millisecond), last)
		}
	}
	fmt.Fprintln(w, msg)
	return nil
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
		return v
	}
	return routers, ask, nil
}

// convergeTimeoutEnv overrides how long `up` waits for convergence (the
// default is derived from the timers), e.g. for tests of labs that never
// converge.
const convergeTimeoutEnv = "NETEMU_CONVERGE_TIMEOUT"

// convergeStage is the last stage of `netemu up`: it returns only when
// routing has converged, and prints how long that took.
func convergeStage() upStage {
	return upStage{
		name: "converge",
		run: func(ctx context.Context, r *upRun) error {
			if r.lab.Daemons == "none" {
				return nil
			}
			var timeout time.Duration
			if v := os.Getenv(convergeTimeoutEnv); v != "" {
				d, err := time.ParseDuration(v)
				if err != nil {
					return fmt.Errorf("%s=%q: %w", convergeTimeoutEnv, v, err)
				}
				timeout = d
			}
			return waitConverged(ctx, r.state, r.log, timeout, 0, os.Stdout)
		},
	}
}

func newWaitCmd(g *globals) *cobra.Command {
	var timeout, quiet time.Duration
	cmd := &cobra.Command{
		Use:   "wait [LAB]",
		Short: "Wait until routing has converged; print how long it took",
		Long: "Converged: every agent answers, every BGP session that can be up is Established, every\n" +
			"RIP neighbour across a working link is heard, sessions across a silently failed link are\n" +
			"down, and no RIB or kernel table changed for a quiet period derived from the timers.\n" +
			"On the deadline it fails, naming each router and session or neighbour not converged.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			st, err := selectShare(g, name)
			if err != nil {
				return err
			}
			return waitConverged(cmd.Context(), st, g.logger(), timeout, quiet, cmd.OutOrStdout())
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up after this long (default: derived from the lab's timers)")
	cmd.Flags().DurationVar(&quiet, "quiet", 0, "how long no routing change must happen (default: derived from the timers)")
	return cmd
}

package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"github.com/vishvananda/netlink"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/nodes/impair"
	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// StageImpair is Up's stage that gives links their delay, loss and the
// rest (a rate alone is the build's tbf).
const StageImpair = "impair"

// ImpairOptions say which link's impairments `link set` changes, and how.
type ImpairOptions struct {
	Lab  string // --lab
	A, B string // the ends: NODE or NODE:IFACE
	// Change holds the settings given; the link keeps the others.
	Change impair.Change
	// Clear makes the link a plain wire again (Change is ignored).
	Clear bool
	Log   hclog.Logger
}

// LinkImpairment is one link's impairments, as `link show` lists them.
type LinkImpairment struct {
	A          string          `json:"a"` // NODE:IFACE
	B          string          `json:"b"`
	Impairment topo.Impairment `json:"impairment"`
	// Settings is the impairment in words ("delay 40ms loss 1%").
	Settings string `json:"settings"`
	// Mechanism is what does it: "netem", "tbf", "netemu (cls_bpf loss,
	// delay line, tbf)" or "none".
	Mechanism string    `json:"mechanism"`
	Since     time.Time `json:"since"`
}

func linkImpairment(s impair.LinkState) LinkImpairment {
	return LinkImpairment{A: s.A + ":" + s.AIface, B: s.B + ":" + s.BIface, Impairment: s.Impairment,
		Settings: s.Impairment.String(), Mechanism: s.Mechanism, Since: s.Since}
}

// String is the one-line report of a change.
func (li LinkImpairment) String() string {
	if li.Impairment.IsZero() {
		return fmt.Sprintf("link %s–%s: cleared (a plain wire)", li.A, li.B)
	}
	return fmt.Sprintf("link %s–%s: %s, each direction (%s)", li.A, li.B, li.Settings, li.Mechanism)
}

// SetImpair is `link set A B …`: it changes the link's impairments on
// this machine's ends, under the share's lock, and records the change in
// the timeline. On failure the link is put back as it was.
func SetImpair(ctx context.Context, o ImpairOptions) (*LinkImpairment, error) {
	st, unlock, err := SelectLocked(ctx, Query{Lab: o.Lab})
	if err != nil {
		return nil, err
	}
	defer unlock()
	began := time.Now()
	sp, err := fault.SplitLink(st.Model, st.Machine, o.A, o.B)
	if err != nil {
		return nil, err
	}
	l := sp.Link
	// A silent link's blackhole sits where a rate's tbf would go: changing
	// the qdiscs under it could end the fault half-way.
	if ff, err := fault.Load(st.Dir); err == nil {
		if x := ff.LinkFault(o.A, o.B); x != nil && x.Kind == fault.KindLinkSilent {
			return nil, fmt.Errorf("link %s–%s is silenced (link down --silent): run `netemu link up %s %s` first", l.A.Node, l.B.Node, o.A, o.B)
		}
	}
	f, err := impair.Load(st.Dir)
	if err != nil {
		return nil, err
	}
	k, err := kernelOf(st, f)
	if err != nil {
		return nil, err
	}
	cur := l.Impairment()
	if s := f.Find(l); s != nil {
		cur = s.Impairment
	} else if f.Kernel != nil {
		cur = topo.Impairment{} // up wrote the file: it lists every impaired link
	}
	next := topo.Impairment{}
	if !o.Clear {
		next = o.Change.On(cur)
	}
	for _, p := range next.Problems() {
		return nil, fmt.Errorf("--%s: %s", p.Field, p.Msg)
	}
	plan := impair.PlanFor(next, k.Netem)
	if err := k.Can(plan); err != nil {
		return nil, fmt.Errorf("link %s–%s: %w", l.A.Node, l.B.Node, err)
	}
	log := o.Log
	if log == nil {
		log = hclog.NewNullLogger()
	}
	if err := applyLink(ctx, st, sp.Local, plan, log); err != nil {
		// Put the link back as it was, so a failed change leaves no half.
		if rerr := applyLink(context.Background(), st, sp.Local, impair.PlanFor(cur, k.Netem), log); rerr != nil {
			err = errors.Join(err, fmt.Errorf("restore: %w", rerr))
		}
		return nil, fmt.Errorf("link %s–%s: %w", l.A.Node, l.B.Node, err)
	}
	s := impair.LinkState{A: l.A.Node, B: l.B.Node, AIface: l.A.Iface, BIface: l.B.Iface, Impairment: next, Mechanism: plan.Mechanism(), Since: began.UTC()}
	f.Set(s)
	if err := f.Save(st.Dir); err != nil {
		return nil, err
	}
	detail := next.String()
	if next.IsZero() {
		detail = "cleared"
	}
	if err := injector(st, log).RecordImpair(l, detail, began); err != nil {
		return nil, err
	}
	li := linkImpairment(s)
	return &li, nil
}

// ImpairShow is `link show`: the share's impaired links and its kernel.
type ImpairShow struct {
	Lab    string           `json:"lab"`
	Kernel *impair.Kernel   `json:"kernel,omitempty"`
	Links  []LinkImpairment `json:"links"`
}

// ShowImpair lists the impaired links of the share q means.
func ShowImpair(q Query) (*ImpairShow, error) {
	st, err := Share(q)
	if err != nil {
		return nil, err
	}
	f, err := impair.Load(st.Dir)
	if err != nil {
		return nil, err
	}
	out := &ImpairShow{Lab: labpath.ShareName(st.Lab, st.Machine), Kernel: f.Kernel, Links: []LinkImpairment{}}
	for _, s := range f.Links {
		out.Links = append(out.Links, linkImpairment(s))
	}
	return out, nil
}

// WriteText writes the table of `link show`.
func (s *ImpairShow) WriteText(w io.Writer) error {
	if len(s.Links) == 0 {
		fmt.Fprintf(w, "lab %s: no link has impairments\n", s.Lab)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LINK\tEACH DIRECTION\tMECHANISM\tSINCE")
	for _, l := range s.Links {
		fmt.Fprintf(tw, "%s–%s\t%s\t%s\t%s\n", l.A, l.B, l.Settings, l.Mechanism, l.Since.Local().Format(time.TimeOnly))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if k := s.Kernel; k != nil && !k.Netem {
		fmt.Fprintln(w, "this kernel has no netem qdisc: netemu's own path does delay, loss and the rest (see README)")
	}
	return nil
}

// kernelOf is the share's probed kernel, probing (once per share) when
// the file has none yet.
func kernelOf(st *nodes.State, f *impair.File) (impair.Kernel, error) {
	if f.Kernel != nil {
		return *f.Kernel, nil
	}
	k, err := impair.Probe()
	if err != nil {
		return impair.Kernel{}, err
	}
	f.Kernel = &k
	return k, nil
}

// applyLink gives each local end the plan: the delay line stops first
// (its TAP and program may change under it), the kernel objects change,
// and a new line starts and is waited for.
func applyLink(ctx context.Context, st *nodes.State, ends []topo.Endpoint, plan impair.Plan, log hclog.Logger) error {
	for _, ep := range ends {
		name := impair.ProcessName(ep.Iface)
		if err := nodes.StopProcess(st, ep.Node, name); err != nil {
			return fmt.Errorf("node %q: stop delay line: %w", ep.Node, err)
		}
		e := impair.End{Node: ep.Node, Netns: labpath.NetnsPath(st.Lab, ep.Node), Iface: ep.Iface}
		if err := impair.Apply(e, plan); err != nil {
			return err
		}
		if plan.Line == nil {
			continue
		}
		if _, err := nodes.StartProcess(st, ep.Node, nodes.ProcessSpec{Name: name, Command: lineCommand(st, ep.Iface, *plan.Line), Restart: true}); err != nil {
			return fmt.Errorf("node %q: start delay line: %w", ep.Node, err)
		}
		if err := waitLine(ctx, e); err != nil {
			return err
		}
		log.Debug("delay line up", "node", ep.Node, "iface", ep.Iface)
	}
	return nil
}

// lineCommand is the delay line of iface in its node.
func lineCommand(st *nodes.State, iface string, c impair.LineConfig) []string {
	self := st.Supervisor
	if self == "" {
		self, _ = SelfPath()
	}
	pct := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	// nice -10: the line's timing is the link's delay, so on a busy
	// machine it should wake before the lab's daemons and test traffic.
	return []string{"nice", "-n", "-10", self, "link", "delay-line", "--iface", iface, "--tap", impair.TapName(iface),
		"--delay", c.Delay.String(), "--jitter", c.Jitter.String(),
		"--reorder", pct(c.Reorder), "--duplicate", pct(c.Duplicate), "--corrupt", pct(c.Corrupt)}
}

// DelayLine is the hidden `netemu link delay-line` that lineCommand
// starts: o with the percentages as lineCommand wrote them, run until
// ctx ends. Its counters go to o.Log at debug level.
func DelayLine(ctx context.Context, o impair.LineOptions, reorder, duplicate, corrupt string) error {
	for _, p := range []struct {
		name, s string
		dst     *float64
	}{{"reorder", reorder, &o.Config.Reorder}, {"duplicate", duplicate, &o.Config.Duplicate}, {"corrupt", corrupt, &o.Config.Corrupt}} {
		v, prob := topo.ParsePercent(p.s)
		if prob != "" {
			return fmt.Errorf("--%s: %s", p.name, prob)
		}
		*p.dst = v
	}
	o.Stats = func(s impair.Stats) {
		o.Log.Debug("stats", "in", s.In, "out", s.Out, "duplicated", s.Duplicated, "corrupted", s.Corrupted, "reordered", s.Reordered, "overflow", s.Overflow)
	}
	if err := impair.RunLine(ctx, o); err != nil {
		return fmt.Errorf("%s: %w", strings.TrimSpace(o.Iface), err)
	}
	return nil
}

// waitLine waits until the delay line has attached to its TAP (the TAP
// has a carrier only while a reader holds it): until then the end's
// frames would be lost.
func waitLine(ctx context.Context, e impair.End) error {
	h, err := inns.Open(e.Netns)
	if err != nil {
		return fmt.Errorf("node %q: %w", e.Node, err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		l, err := h.LinkByName(impair.TapName(e.Iface))
		if err == nil && l.Attrs().OperState == netlink.OperUp {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node %q: the delay line on %s did not attach to %s in time (see `netemu logs %s %s`)",
				e.Node, e.Iface, impair.TapName(e.Iface), e.Node, impair.ProcessName(e.Iface))
		case <-tick.C:
		}
	}
}

// localImpaired lists the links of machine's share that have impairments
// (every link when the lab has no machines or machine is "").
func localImpaired(l *topo.Lab, machine string) []*topo.Link {
	var out []*topo.Link
	for _, k := range l.Links {
		if k.Impairment().IsZero() {
			continue
		}
		if len(l.Machines) > 0 && machine != "" {
			a, b := l.Node(k.A.Node), l.Node(k.B.Node)
			if (a == nil || a.Machine != machine) && (b == nil || b.Machine != machine) {
				continue
			}
		}
		out = append(out, k)
	}
	return out
}

// CheckKernel names the file position of every link whose impairment this
// kernel cannot do at all (no netem, and netemu's own path does not work
// either). It probes the kernel in a scratch namespace, so it needs root;
// without root it checks nothing.
func CheckKernel(l *topo.Lab, machine string) error {
	links := localImpaired(l, machine)
	need := false
	for _, k := range links {
		need = need || !k.Impairment().OnlyRate()
	}
	if !need {
		return nil
	}
	k, err := impair.Probe()
	if err != nil {
		return err
	}
	return kernelDiags(links, k)
}

// kernelDiags is CheckKernel's verdict on links for kernel k: one
// diagnostic at each link this kernel cannot impair.
func kernelDiags(links []*topo.Link, k impair.Kernel) error {
	var diags hcl.Diagnostics
	for _, x := range links {
		if err := k.Can(impair.PlanFor(x.Impairment(), k.Netem)); err != nil {
			r := x.Range
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Impairment not possible on this kernel",
				Detail: fmt.Sprintf("link %s–%s (%s): %s.", x.A.Node, x.B.Node, x.Impairment(), err), Subject: &r})
		}
	}
	if len(diags) > 0 {
		return &topo.DiagError{Diags: diags}
	}
	return nil
}

// impairStage gives every impaired link of the share its impairments
// before any daemon starts, and writes the impairments file `link show`
// reads. Its check refuses, before anything is built, a lab this kernel
// cannot impair.
func impairStage() stage {
	return stage{
		name:  StageImpair,
		check: func(r *upRun) error { return CheckKernel(r.lab, r.machine) },
		run: func(ctx context.Context, r *upRun) error {
			links := localImpaired(r.lab, r.machine)
			if len(links) == 0 {
				return nil
			}
			f := &impair.File{}
			k, err := kernelOf(r.state, f)
			if err != nil {
				return err
			}
			now := time.Now().UTC()
			for _, l := range links {
				imp := l.Impairment()
				plan := impair.PlanFor(imp, k.Netem)
				// A rate alone is the build's tbf, already in place.
				if !imp.OnlyRate() {
					sp, err := fault.SplitLink(r.state.Model, r.machine, l.A.Node+":"+l.A.Iface, l.B.Node+":"+l.B.Iface)
					if err != nil {
						return err
					}
					if err := applyLink(ctx, r.state, sp.Local, plan, r.log); err != nil {
						return fmt.Errorf("link %s–%s: %w", l.A.Node, l.B.Node, err)
					}
				}
				f.Set(impair.LinkState{A: l.A.Node, B: l.B.Node, AIface: l.A.Iface, BIface: l.B.Iface, Impairment: imp, Mechanism: plan.Mechanism(), Since: now})
			}
			return f.Save(r.state.Dir)
		},
	}
}

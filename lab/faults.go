package lab

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/topo"
)

// injector is the fault injector of a running share.
func injector(st *nodes.State, log hclog.Logger) *fault.Injector {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &fault.Injector{Lab: st.Model, StateDir: st.Dir, Machine: st.Machine, Log: log}
}

// LinkOptions say which link to cut or restore, and how.
type LinkOptions struct {
	Lab  string // --lab: LAB or LAB@MACHINE, "" for the only lab here
	A, B string // the ends: NODE or NODE:IFACE
	// Down cuts the link; else it is restored from either fault.
	Down bool
	// Silent drops every packet but keeps the carrier.
	Silent bool
	Log    hclog.Logger
}

// LinkChange is a link fault injected or repaired on this machine.
type LinkChange struct {
	LinkOptions
	Split   fault.Split // which ends are this machine's
	Machine string      // this share's machine ("" single-host)
}

func (o LinkOptions) verb() string {
	if o.Down {
		return "down"
	}
	return "up"
}

// String is the one-line report of the change.
func (c *LinkChange) String() string {
	return linkDone(c.verb(), c.A, c.B, c.Silent, c.Split, c.Machine)
}

// FarEndHint says what this machine could not do when the link is a
// tunnel to another machine; "" when it is not.
func (c *LinkChange) FarEndHint() string {
	if !c.Split.Cross() {
		return ""
	}
	return farEndHint(c.verb(), c.Silent, c.Split, c.Machine)
}

// SetLink is `link down|up A B` on this machine's share of the lab,
// under the share's lock.
func SetLink(ctx context.Context, o LinkOptions) (*LinkChange, error) {
	st, unlock, err := SelectLocked(ctx, Query{Lab: o.Lab})
	if err != nil {
		return nil, err
	}
	defer unlock()
	sp, err := fault.SplitLink(st.Model, st.Machine, o.A, o.B)
	if err != nil {
		return nil, err
	}
	in := injector(st, o.Log)
	if o.Down {
		err = in.LinkDown(o.A, o.B, o.Silent)
	} else {
		err = in.LinkUp(o.A, o.B)
	}
	if err != nil {
		return nil, err
	}
	return &LinkChange{LinkOptions: o, Split: sp, Machine: st.Machine}, nil
}

// LinkFanOut is `link down|up --all-machines`: the command run over ssh
// on every machine that holds an end of the link, each acting on its own
// end and recording the fault in its own faults file.
func LinkFanOut(o LinkOptions) (FanOut, error) {
	lab, err := MultiHost(o.Lab)
	if err != nil {
		return FanOut{}, err
	}
	l, err := fault.FindLink(lab, o.A, o.B)
	if err != nil {
		return FanOut{}, err
	}
	args := []string{"link", o.verb(), "--fanned-out", o.A, o.B}
	if o.Silent {
		args = append(args, "--silent")
	}
	return FanOut{Lab: lab, Machines: fault.Split{Link: l}.Machines(lab), What: fmt.Sprintf("link %s %s %s", o.verb(), o.A, o.B),
		Remote: func(m string) string { return ShareCommand(lab.Name, m, args) }}, nil
}

// linkDone is the one-line report of a link change on this machine.
func linkDone(verb, a, b string, silent bool, sp fault.Split, machine string) string {
	how := "carrier lost on both ends"
	switch {
	case verb == "up":
		how = ""
	case silent && sp.Cross():
		how = "silent: every packet dropped here in both directions, carrier kept"
	case silent:
		how = "silent: every packet dropped, carrier kept"
	case sp.Cross():
		how = "carrier lost on this machine's end"
	case sp.Link != nil && sp.Link.Kind == topo.LinkSwitch:
		how = fmt.Sprintf("%s unplugged from switch %s: carrier lost", sp.Link.A.Node, sp.Link.B.Node)
	}
	where := ""
	if sp.Cross() {
		where = " on " + machine
	}
	if how != "" {
		how = " (" + how + ")"
	}
	return fmt.Sprintf("link %s–%s %s%s%s", a, b, verb, where, how)
}

// farEndHint tells the user what this machine could not do: the far end
// of a tunnel is another machine's, and its faults file (what `events`
// and `wait` read there) knows nothing of this change.
func farEndHint(verb string, silent bool, sp fault.Split, machine string) string {
	far := sp.Remote[0]
	l := sp.Link.A.Node + "–" + sp.Link.B.Node
	var what string
	switch {
	case verb == "up":
		what = fmt.Sprintf("repaired here on %s only; a fault injected on %s stays until it is repaired there, and %s's events still show it",
			machine, far.Machine, far.Machine)
	case silent:
		what = fmt.Sprintf("silenced here on %s in both directions; %s's end on %s still sends and its routers notice by hold timer, but %s's events do not show the fault",
			machine, far.Node, far.Machine, far.Machine)
	default:
		what = fmt.Sprintf("cut here on %s; %s's end on %s keeps its carrier (its routers notice by hold timer)",
			machine, far.Node, far.Machine)
	}
	return fmt.Sprintf("%s is a tunnel to %s: %s — run the same command on %s, or use --all-machines", l, far.Machine, what, far.Machine)
}

// NodeOptions say which router's routing daemons to stop or start.
type NodeOptions struct {
	Lab   string // --lab
	Node  string
	Start bool // else stop
	Log   hclog.Logger
}

// SetNode is `node stop|start ROUTER`: it kills the router's agent (or
// FRR's daemons) with SIGKILL and no restart, or starts them again, on
// the share that runs the router. Its result is the one-line report.
func SetNode(ctx context.Context, o NodeOptions) (string, error) {
	st, err := Share(Query{Lab: o.Lab, Node: o.Node})
	if err != nil {
		return "", Elsewhere(o.Lab, o.Node, err)
	}
	st, unlock, err := LockNode(ctx, st, o.Node)
	if err != nil {
		return "", err
	}
	defer unlock()
	in, done := injector(st, o.Log), "stopped"
	if o.Start {
		err, done = in.NodeStart(st, o.Node), "started"
	} else {
		err = in.NodeStop(st, o.Node)
	}
	if err != nil {
		return "", err
	}
	what := "agent"
	if st.Model != nil && st.Model.Daemons == "frr" {
		what = "FRR daemons"
	}
	return fmt.Sprintf("node %s: %s %s", o.Node, what, done), nil
}

// NodeFanOut is `node stop|start --all-machines`: the command run over
// ssh on the machine that runs the router.
func NodeFanOut(o NodeOptions) (FanOut, error) {
	lab, err := MultiHost(o.Lab)
	if err != nil {
		return FanOut{}, err
	}
	n := lab.Node(o.Node)
	if n == nil {
		return FanOut{}, fmt.Errorf("lab %s has no node %q", lab.Name, o.Node)
	}
	verb := map[bool]string{false: "stop", true: "start"}[o.Start]
	return FanOut{Lab: lab, Machines: []string{n.Machine}, What: "node " + verb + " " + o.Node,
		Remote: func(m string) string { return ShareCommand(lab.Name, m, []string{"node", verb, o.Node}) }}, nil
}

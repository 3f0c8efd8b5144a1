package converge

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/ospf"
	"github.com/netemu/netemu/topo"
)

// igpOSPF is an AS's igp = "ospf".
const igpOSPF = topo.IGPOSPF

// OSPFNeighbour is an OSPF neighbour as the agent knows it.
type OSPFNeighbour struct {
	Addr     netip.Addr
	Iface    string
	RouterID string
	State    string // "Full" when the adjacency is up
}

// askOSPF adds the agent's OSPF neighbours to v; an agent without OSPF
// is no error.
func askOSPF(ctx context.Context, c *agent.Client, v *View) error {
	var st ospf.Status
	err := c.Get(ctx, "/ospf", &st)
	switch {
	case errors.Is(err, agent.ErrNoDaemon):
		return nil
	case err != nil:
		return err
	}
	for _, n := range st.Neighbours {
		v.OSPFNeighbours = append(v.OSPFNeighbours, OSPFNeighbour{Addr: n.Addr, Iface: n.Iface, RouterID: n.RouterID, State: n.State})
	}
	return nil
}

// runsOSPF reports whether routers a and b form an OSPF adjacency.
func runsOSPF(lab *topo.Lab, a, b *topo.Node) bool {
	if a.Kind != topo.KindRouter || b.Kind != topo.KindRouter || a.AS != b.AS {
		return false
	}
	as := lab.AS(a.AS)
	return as != nil && as.IGP == igpOSPF
}

// checkOSPF checks n's OSPF adjacencies: Full across every working link to
// a running router of its AS, and no longer Full across a silently failed
// link or with a stopped router (the dead interval has passed).
func checkOSPF(lab *topo.Lab, n *topo.Node, v View, f Faults) []Problem {
	var out []Problem
	for _, i := range n.Interfaces {
		if sw := lab.SwitchOf(i); sw != nil {
			out = append(out, checkOSPFSegment(lab, n, i, sw, v, f)...)
			continue
		}
		peer := lab.Node(i.Peer)
		if peer == nil || !runsOSPF(lab, n, peer) {
			continue
		}
		pi := peer.Interface(i.PeerIface)
		if pi == nil {
			continue
		}
		addr := pi.Addr.Addr()
		state := "Down"
		for _, nb := range v.OSPFNeighbours {
			if nb.Addr == addr && nb.Iface == i.Name {
				state = nb.State
			}
		}
		full := state == "Full"
		what := fmt.Sprintf("ospf neighbour %s (%s on %s)", addr, peer.Name, i.Name)
		lf, faulted := f.link(n.Name, i.Name, peer.Name)
		switch {
		case f.Stopped[peer.Name] && full:
			out = append(out, Problem{n.Name, what, "still Full with a stopped router (waiting for the dead interval)"})
		case f.Stopped[peer.Name]:
		case faulted && lf.Silent && full:
			out = append(out, Problem{n.Name, what, "still Full across a silent link (waiting for the dead interval)"})
		case !faulted && !full:
			out = append(out, Problem{n.Name, what, state})
		}
	}
	return out
}

// checkOSPFSegment checks n's neighbours on a switch: every other OSPF
// router of its AS on the segment is Full (DR, BDR, or n is one of them)
// or 2-Way (two DROthers); which it is the model cannot say.
func checkOSPFSegment(lab *topo.Lab, n *topo.Node, i *topo.Interface, sw *topo.Node, v View, f Faults) []Problem {
	var out []Problem
	for _, m := range lab.SwitchMembers(sw.Name) {
		peer := lab.Node(m.Node)
		if peer == nil || peer == n || !runsOSPF(lab, n, peer) || f.Stopped[peer.Name] {
			continue
		}
		if _, faulted := f.link(peer.Name, m.Iface, sw.Name); faulted {
			continue
		}
		if _, faulted := f.link(n.Name, i.Name, sw.Name); faulted {
			continue
		}
		state := "Down"
		for _, nb := range v.OSPFNeighbours {
			if nb.Addr == m.Addr.Addr() && nb.Iface == i.Name {
				state = nb.State
			}
		}
		if state != "Full" && state != "2-Way" {
			out = append(out, Problem{n.Name, fmt.Sprintf("ospf neighbour %s (%s on %s, switch %s)", m.Addr.Addr(), peer.Name, i.Name, sw.Name), state})
		}
	}
	return out
}

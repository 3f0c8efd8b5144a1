package view

import (
	"strings"

	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/bfd"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

// Session protocols (SessionChange.Proto).
const (
	ProtoBGP  = "bgp"
	ProtoRIP  = "rip"
	ProtoOSPF = "ospf"
	ProtoBFD  = "bfd"
)

// SessionChange is a link's session, adjacency or BFD session that
// changed state.
type SessionChange struct {
	ID    string `json:"id"`
	Proto string `json:"proto"` // bgp, rip, ospf or bfd
	State string `json:"state"`
}

// end is one of node's links as seen from the node: the link's index, the
// interface and the far end's address (none on a switch port).
type end struct {
	link  int
	iface string
	peer  string
}

// ends lists the node's links in the graph.
func (g *Graph) ends(lab *topo.Lab, node string) []end {
	n := lab.Node(node)
	if n == nil {
		return nil
	}
	var out []end
	for _, ifc := range n.Interfaces {
	links:
		for i := range g.Links {
			l := &g.Links[i]
			switch {
			case l.A == node && l.AIface == ifc.Name:
				out = append(out, end{i, ifc.Name, addrOnly(l.BAddr)})
			case l.B == node && l.BIface == ifc.Name:
				out = append(out, end{i, ifc.Name, addrOnly(l.AAddr)})
			default:
				continue
			}
			break links
		}
	}
	return out
}

func addrOnly(s string) string {
	a, _, _ := strings.Cut(s, "/")
	return a
}

// set moves one protocol's state on link i, recording the change.
func (g *Graph) set(i int, proto, st string, out []SessionChange) []SessionChange {
	l := &g.Links[i]
	cur := map[string]*string{ProtoBGP: &l.BGP, ProtoRIP: &l.RIP, ProtoOSPF: &l.OSPF, ProtoBFD: &l.BFD}[proto]
	if *cur == "" || *cur == st {
		return out
	}
	*cur = st
	return append(out, SessionChange{ID: l.ID, Proto: proto, State: st})
}

// ApplyView takes one agent's answer: its eBGP sessions, RIP neighbours
// and OSPF adjacencies, put on the links they run over. A protocol the
// link carries with no session or neighbour for it is "Idle" (BGP) or
// "down". Only the protocols a link was drawn with are touched.
func (g *Graph) ApplyView(lab *topo.Lab, v converge.View) []SessionChange {
	if v.Err != nil {
		return nil
	}
	var out []SessionChange
	for _, e := range g.ends(lab, v.Node) {
		bgp := "Idle"
		for _, s := range v.BGPSessions {
			if e.peer != "" && s.Peer.String() == e.peer {
				bgp = s.State
			}
		}
		out = g.set(e.link, ProtoBGP, bgp, out)
		// Both ends report: the adjacency is up when this end has it; the
		// far end's answer arrives separately and is the same in steady
		// state. On a switch, any neighbour on the port counts.
		rip := "down"
		for _, nb := range v.RIPNeighbours {
			if nb.Iface == e.iface {
				rip = "up"
			}
		}
		out = g.set(e.link, ProtoRIP, rip, out)
		ospf := "down"
		for _, nb := range v.OSPFNeighbours {
			if nb.Iface == e.iface && nb.State == "Full" {
				ospf = "up"
			}
		}
		out = g.set(e.link, ProtoOSPF, ospf, out)
	}
	return out
}

// ApplyBFD takes a node's BFD sessions (its agent's /bfd): a link's BFD is
// up when the single-hop session to the far end's address is Up.
func (g *Graph) ApplyBFD(lab *topo.Lab, node string, sessions []bfd.SessionStatus) []SessionChange {
	var out []SessionChange
	for _, e := range g.ends(lab, node) {
		st := "down"
		for _, s := range sessions {
			if !s.Multihop && e.peer != "" && s.Peer.String() == e.peer && (s.Iface == "" || s.Iface == e.iface) && s.State == bfd.StateUp {
				st = "up"
			}
		}
		out = g.set(e.link, ProtoBFD, st, out)
	}
	return out
}

// ApplyEvent moves a link's session on an agent's own word — session-up/
// down with the peer's address, neighbour-up/down with the interface —
// without asking the agent: FRR's watcher writes such events too, and
// there is no agent to ask there.
func (g *Graph) ApplyEvent(lab *topo.Lab, e routing.Event) []SessionChange {
	var proto, st string
	bgp := e.Daemon == "bgp" || e.Daemon == "bgpd" // netemu's speaker, FRR's
	switch {
	case bgp && e.Kind == routing.EventSessionUp:
		proto, st = ProtoBGP, "Established"
	case bgp && e.Kind == routing.EventSessionDown:
		proto, st = ProtoBGP, "Idle"
	case (e.Daemon == "rip" || e.Daemon == "ospf" || e.Daemon == "bfd") &&
		(e.Kind == routing.EventNeighbourUp || e.Kind == routing.EventSessionUp):
		proto, st = e.Daemon, "up"
	case (e.Daemon == "rip" || e.Daemon == "ospf" || e.Daemon == "bfd") &&
		(e.Kind == routing.EventNeighbourDown || e.Kind == routing.EventSessionDown):
		proto, st = e.Daemon, "down"
	default:
		return nil
	}
	var out []SessionChange
	for _, x := range g.ends(lab, e.Node) {
		byPeer := e.Peer.IsValid() && x.peer == e.Peer.String()
		match := byPeer
		if proto != ProtoBGP {
			// IGP adjacencies and BFD name their interface; on a switch
			// the peer is one of several, so the interface decides.
			match = e.Iface == x.iface || (e.Iface == "" && byPeer)
		}
		if match {
			out = g.set(x.link, proto, st, out)
		}
	}
	return out
}

package agent

import (
	"context"
	"net/netip"

	"github.com/netemu/netemu/routing/bfd"
	"github.com/netemu/netemu/topo"
)

// BFDSession is one BFD session of the router and the daemons that
// follow it: a BFD Down resets the BGP session to Peer at once, drops the
// RIP routes learned from Peer, and the OSPF adjacency with it.
type BFDSession struct {
	bfd.SessionConfig
	BGP  bool `json:"bgp,omitempty"`
	RIP  bool `json:"rip,omitempty"`
	OSPF bool `json:"ospf,omitempty"`
}

// bfdConfigFor derives the router's BFD sessions from the lab's bfd
// blocks: one per BGP peer and RIP neighbour whose link (or AS, or lab)
// asks for BFD. A directly connected peer gets a single-hop session on
// the link's interface, a peer between loopbacks (iBGP) a multihop one.
func bfdConfigFor(lab *topo.Lab, n *topo.Node, cfg *Config) []BFDSession {
	var out []BFDSession
	idx := map[bfd.Key]int{}
	add := func(k bfd.Key, b *topo.BFD, client string) {
		if b == nil || !k.Peer.IsValid() {
			return
		}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, BFDSession{SessionConfig: bfd.SessionConfig{Key: k, MinTx: b.Interval, MinRx: b.Interval,
				Multiplier: b.Multiplier}})
		}
		switch client {
		case "bgp":
			out[i].BGP = true
		case "rip":
			out[i].RIP = true
		case "ospf":
			out[i].OSPF = true
		}
	}
	ifaceLink := map[string]int{}
	for _, i := range n.Interfaces {
		ifaceLink[i.Name] = i.Link
	}
	if cfg.BGP != nil {
		for _, p := range cfg.BGP.Peers {
			if p.Iface != "" {
				link, ok := ifaceLink[p.Iface]
				if !ok {
					link = -1
				}
				add(bfd.Key{Peer: p.PeerAddr, Local: p.LocalAddr, Iface: p.Iface}, lab.BFDForLink(link), "bgp")
				continue
			}
			b := lab.BFD
			if p.PeerAS == p.LocalAS {
				b = lab.BFDForAS(n.AS)
			}
			add(bfd.Key{Peer: p.PeerAddr, Local: p.LocalAddr, Multihop: true}, b, "bgp")
		}
	}
	// IGP neighbours: the router at the other end of each link the IGP
	// runs on (a switch's many neighbours are not covered).
	igpIfaces := map[string]string{}
	if cfg.RIP != nil {
		for _, ri := range cfg.RIP.Interfaces {
			igpIfaces[ri.Name] = "rip"
		}
	}
	if cfg.OSPF != nil {
		for _, oi := range cfg.OSPF.Interfaces {
			if !oi.Passive {
				igpIfaces[oi.Name] = "ospf"
			}
		}
	}
	for _, i := range n.Interfaces {
		if client, ok := igpIfaces[i.Name]; ok {
			add(bfd.Key{Peer: peerAddr(lab, i), Local: i.Addr.Addr(), Iface: i.Name}, lab.BFDForLink(i.Link), client)
		}
	}
	return out
}

// peerAddr is the address of the other end of an interface's link
// (invalid when that end is not a node with an address, e.g. a switch).
func peerAddr(lab *topo.Lab, i *topo.Interface) netip.Addr {
	p := lab.Node(i.Peer)
	if p == nil {
		return netip.Addr{}
	}
	for _, pi := range p.Interfaces {
		if pi.Name == i.PeerIface {
			return pi.Addr.Addr()
		}
	}
	return netip.Addr{}
}

// neighbourDowner is a daemon that drops a neighbour when told (OSPF).
type neighbourDowner interface{ NeighbourDown(netip.Addr) }

// neighbourClient adapts a neighbourDowner to bfd.Client.
type neighbourClient struct{ d neighbourDowner }

func (c neighbourClient) BFDDown(peer netip.Addr, _ string) { c.d.NeighbourDown(peer) }
func (c neighbourClient) BFDUp(netip.Addr)                  {}

// bfdClients are the daemons that follow session s.
func bfdClients(s BFDSession, ds []Daemon) []bfd.Client {
	var out []bfd.Client
	for _, d := range ds {
		want := map[string]bool{"bgp": s.BGP, "rip": s.RIP, "ospf": s.OSPF}[d.Name()]
		if !want {
			continue
		}
		switch c := d.(type) {
		case bfd.Client:
			out = append(out, c)
		case neighbourDowner:
			out = append(out, neighbourClient{c})
		}
	}
	return out
}

// BFD is GET /bfd.
func (c *Client) BFD(ctx context.Context) (*bfd.Status, error) {
	var s bfd.Status
	return &s, c.Get(ctx, "/bfd", &s)
}

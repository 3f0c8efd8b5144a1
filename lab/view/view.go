// Package view is a lab as it is drawn: its groups (ASes, VPCs), nodes and
// links with their live state — link up/down/silent, routing sessions and
// adjacencies per link, instances' public IPs. The live view (ui) keeps one
// up to date and pushes its changes; `netemu graph` reads one once and
// renders it as Graphviz dot. Pure: the kernel and the agents are read by
// the callers.
package view

import (
	"fmt"

	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/topo"
)

// Link states (the data-state attribute of the live view's testing
// contract).
const (
	LinkUp     = "up"
	LinkDown   = "down"
	LinkSilent = "silent"
)

// Unknown is a session's state before anyone asked the agent.
const Unknown = "?"

// Graph is the lab as drawn.
type Graph struct {
	Lab    string  `json:"lab"`
	Groups []Group `json:"groups"`
	Nodes  []Node  `json:"nodes"`
	Links  []Link  `json:"links"`
}

// Group is an AS or a VPC, drawn as a box around its nodes.
type Group struct {
	ID    string `json:"id"` // "as:NAME" or "vpc:NAME"
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Label string `json:"label"`
}

// Node is one node of the lab.
type Node struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Group    string `json:"group,omitempty"`
	Hostname string `json:"hostname"`
	Loopback string `json:"loopback,omitempty"`
	Machine  string `json:"machine,omitempty"`
	// Subnet is a switch's segment.
	Subnet string `json:"subnet,omitempty"`
	// Local is false for a node another machine runs: it is drawn but has
	// no live state here.
	Local bool `json:"local"`
	// Instance fields: Running and the current public IP ("" when none).
	Instance bool   `json:"instance,omitempty"`
	Running  bool   `json:"running,omitempty"`
	PublicIP string `json:"public_ip,omitempty"`
	Elastic  bool   `json:"elastic,omitempty"`
	PrivIP   string `json:"private_ip,omitempty"`
	SSH      bool   `json:"ssh,omitempty"` // "ssh" offered (an instance with sshd and a key pair)
	// Routes is the number of routes in the node's main kernel table
	// (-1 while unknown).
	Routes int `json:"routes"`
	// X, Y are the live view's layout (graph leaves placement to dot).
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Link is one link, named A:IFACE--B:IFACE.
type Link struct {
	ID     string `json:"id"`
	A      string `json:"a"`
	AIface string `json:"a_iface"`
	AAddr  string `json:"a_addr"`
	B      string `json:"b"`
	BIface string `json:"b_iface"`
	BAddr  string `json:"b_addr"`
	Subnet string `json:"subnet"`
	Kind   string `json:"kind"`
	State  string `json:"state"`
	// The routing protocols on the link and their state, "" when the link
	// carries none, Unknown until an agent answers: BGP is the eBGP
	// session's FSM state ("Established" when up); RIP, OSPF (Full
	// adjacency) and BFD are "up" or "down".
	BGP  string `json:"bgp,omitempty"`
	RIP  string `json:"rip,omitempty"`
	OSPF string `json:"ospf,omitempty"`
	BFD  string `json:"bfd,omitempty"`
}

// LinkID names a link by its two ends.
func LinkID(l *topo.Link) string {
	return l.A.Node + ":" + l.A.Iface + "--" + l.B.Node + ":" + l.B.Iface
}

// GroupOf is the group a node is drawn in ("" for none).
func GroupOf(n *topo.Node) string {
	switch {
	case n.VPC != "":
		return "vpc:" + n.VPC
	case n.AS != "":
		return "as:" + n.AS
	}
	return ""
}

// New draws the lab as its file describes it, before anything is known of
// the kernel: every link up, sessions Unknown. local says which nodes
// this machine runs (nil: all).
func New(lab *topo.Lab, local func(node string) bool) Graph {
	g := Graph{Lab: lab.Name, Groups: []Group{}, Nodes: []Node{}, Links: []Link{}}
	for _, as := range lab.ASes {
		g.Groups = append(g.Groups, Group{ID: "as:" + as.Name, Kind: "as", Name: as.Name, Label: fmt.Sprintf("%s (AS %d, %s)", as.Name, as.ASN, as.IGP)})
	}
	for _, v := range lab.VPCs {
		g.Groups = append(g.Groups, Group{ID: "vpc:" + v.Name, Kind: "vpc", Name: v.Name, Label: fmt.Sprintf("VPC %s %s", v.Name, v.CIDR)})
	}
	for _, n := range lab.Nodes {
		nd := Node{Name: n.Name, Kind: string(n.Kind), Group: GroupOf(n), Hostname: n.Hostname, Machine: n.Machine, Routes: -1,
			Local: local == nil || local(n.Name)}
		if n.Loopback.IsValid() {
			nd.Loopback = n.Loopback.Addr().String()
		}
		if n.Kind == topo.KindSwitch && n.Switch != nil && n.Switch.Subnet.IsValid() {
			nd.Subnet = n.Switch.Subnet.String()
		}
		if n.Kind == topo.KindInstance && n.Instance != nil {
			nd.Instance, nd.Running = true, true
			nd.PrivIP = n.Instance.PrivateIP.String()
			nd.SSH = n.Instance.KeyPair != "" && lab.ClientHost != ""
		}
		g.Nodes = append(g.Nodes, nd)
	}
	for i, l := range lab.Links {
		lk := Link{ID: LinkID(l), A: l.A.Node, AIface: l.A.Iface, B: l.B.Node, BIface: l.B.Iface,
			Kind: string(l.Kind), State: LinkUp}
		if l.Subnet.IsValid() {
			lk.Subnet = l.Subnet.String()
		}
		if l.A.Addr.IsValid() {
			lk.AAddr = l.A.Addr.String()
		}
		if l.B.Addr.IsValid() {
			lk.BAddr = l.B.Addr.String()
		}
		p := Expected(lab, i)
		lk.BGP, lk.RIP, lk.OSPF, lk.BFD = p.BGP, p.RIP, p.OSPF, p.BFD
		g.Links = append(g.Links, lk)
	}
	return g
}

// Protocols are the routing protocols a link carries, each Unknown when
// it runs and "" when not.
type Protocols struct{ BGP, RIP, OSPF, BFD string }

// Expected says which routing protocols run on link i, from the file
// alone: eBGP between routers of different ASes; the AS's IGP (RIP or
// OSPF) between routers of one AS, from a router to a switch of its
// segment, or towards a host on an igp = true link; BFD where a bfd block
// applies to a point-to-point link carrying one of them (the agent runs
// none towards a switch's many neighbours).
func Expected(lab *topo.Lab, i int) Protocols {
	var p Protocols
	if lab.Daemons == "none" || i < 0 || i >= len(lab.Links) {
		return p
	}
	l := lab.Links[i]
	a, b := lab.Node(l.A.Node), lab.Node(l.B.Node)
	if a == nil || b == nil {
		return p
	}
	router := func(n *topo.Node) bool { return n.Kind == topo.KindRouter }
	switch {
	case router(a) && router(b) && a.AS != b.AS:
		p.BGP = Unknown
	case (router(a) && router(b) && a.AS == b.AS) || l.IGP ||
		(l.Kind == topo.LinkSwitch && (router(a) || router(b))):
		as := a.AS
		if !router(a) {
			as = b.AS
		}
		if x := lab.AS(as); x != nil {
			switch x.IGP {
			case topo.IGPRIP:
				p.RIP = Unknown
			case topo.IGPOSPF:
				if !lab.OSPFOf(i).Passive {
					p.OSPF = Unknown
				}
			}
		}
	}
	if (p.BGP != "" || p.RIP != "" || p.OSPF != "") && l.Kind != topo.LinkSwitch && lab.BFDForLink(i) != nil {
		p.BFD = Unknown
	}
	return p
}

// LinkState derives a link's state: carrier lost at either end whose
// carrier is known is down; a silent fault in force (with carrier) is
// silent; else up. oper says an end's ("node:iface") carrier and whether
// it is known (the far machine's ends are not); faultKind is the link
// fault in force ("" for none).
func LinkState(l Link, oper func(end string) (up, known bool), faultKind string) string {
	for _, end := range []string{l.A + ":" + l.AIface, l.B + ":" + l.BIface} {
		if up, known := oper(end); known && !up {
			return LinkDown
		}
	}
	if faultKind == fault.KindLinkSilent {
		return LinkSilent
	}
	// A link-down fault whose carrier is back (or whose ends are on
	// another machine): the kernel's word wins.
	return LinkUp
}

// FaultMatches reports whether a link fault names link l (either order; an
// interface is compared only when the fault records one).
func FaultMatches(x fault.Fault, l Link) bool {
	if x.Node != "" {
		return false
	}
	end := func(n, i, node, iface string) bool { return n == node && (i == "" || i == iface) }
	return (end(x.A, x.AIface, l.A, l.AIface) && end(x.B, x.BIface, l.B, l.BIface)) ||
		(end(x.A, x.AIface, l.B, l.BIface) && end(x.B, x.BIface, l.A, l.AIface))
}

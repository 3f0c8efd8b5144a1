package lab

import (
	"net/netip"

	"github.com/netemu/netemu/nodes/vxlan"
	"github.com/netemu/netemu/topo"
)

// Placement is which machine runs which node of a multi-host lab and the
// links cut between machines (`netemu placement`, its -o json shape).
// Every machine computes the same placement from the same file.
type Placement struct {
	Lab      string             `json:"lab"`
	Port     uint16             `json:"vxlan_port"`
	Machines []MachinePlacement `json:"machines"`
	CutLinks []TunnelReport     `json:"cut_links"`
}

// MachinePlacement is one machine's nodes.
type MachinePlacement struct {
	Name    string       `json:"name"`
	Address netip.Addr   `json:"address"`
	Nodes   []PlacedNode `json:"nodes"`
}

// PlacedNode is a node on a machine.
type PlacedNode struct {
	Name string `json:"name"`
	// Placed: netemu chose the machine (the file did not pin the node).
	Placed bool `json:"placed,omitempty"`
}

// PlacementOf is l's placement; a lab without machines has none (empty
// lists, never null in JSON).
func PlacementOf(l *topo.Lab) Placement {
	p := Placement{Lab: l.Name, Port: vxlan.Port(l), Machines: []MachinePlacement{}, CutLinks: []TunnelReport{}}
	for _, c := range vxlan.CrossLinks(l, "") {
		p.CutLinks = append(p.CutLinks, crossReport(c))
	}
	for _, m := range l.Machines {
		mp := MachinePlacement{Name: m.Name, Address: m.Address, Nodes: []PlacedNode{}}
		for _, n := range l.Nodes {
			if n.Machine == m.Name {
				mp.Nodes = append(mp.Nodes, PlacedNode{Name: n.Name, Placed: n.Placed})
			}
		}
		p.Machines = append(p.Machines, mp)
	}
	return p
}

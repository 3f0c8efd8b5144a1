package view

import (
	"fmt"
	"strings"
)

// DOT renders the graph as Graphviz dot: ASes and VPCs as clusters, nodes
// by kind (switches as flat bars carrying their segment), each link
// labelled with both ends' interfaces and addresses and, where known, its
// sessions; a cut link is red and dashed, a silent one orange and dotted;
// instances show their public IP. Deterministic, so it can be diffed.
//
// Every word of a link sits in the edge's own label, never in head or tail
// labels: dot places an edge label as a node of its own, so labels do not
// overlap each other or the nodes, where head/tail labels are put down
// after layout and run into each other at a busy router.
func (g Graph) DOT() string {
	var b strings.Builder
	fmt.Fprintf(&b, "graph %q {\n", g.Lab)
	b.WriteString("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, nodesep=0.35, ranksep=0.6];\n")
	b.WriteString("  node [fontname=\"Helvetica\", fontsize=10];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=8];\n")
	byGroup := map[string][]Node{}
	for _, n := range g.Nodes {
		byGroup[n.Group] = append(byGroup[n.Group], n)
	}
	for i, gr := range g.Groups {
		if len(byGroup[gr.ID]) == 0 {
			continue
		}
		fmt.Fprintf(&b, "  subgraph \"cluster_%d\" {\n    label=%q; labeljust=l; style=rounded; color=gray60;\n", i, gr.Label)
		for _, n := range byGroup[gr.ID] {
			fmt.Fprintf(&b, "    %q [%s];\n", n.Name, nodeAttrs(n))
		}
		b.WriteString("  }\n")
	}
	for _, n := range byGroup[""] {
		fmt.Fprintf(&b, "  %q [%s];\n", n.Name, nodeAttrs(n))
	}
	for _, l := range g.Links {
		fmt.Fprintf(&b, "  %q -- %q [%s];\n", l.A, l.B, strings.Join(linkAttrs(l), ", "))
	}
	b.WriteString("}\n")
	return b.String()
}

func nodeAttrs(n Node) string {
	label := n.Name
	switch n.Kind {
	case "router":
		if n.Loopback != "" {
			label += "\nlo " + n.Loopback
		}
		return fmt.Sprintf("label=%q, shape=ellipse, style=filled, fillcolor=\"#dbe9f6\"", label)
	case "instance":
		label += "\n" + n.PrivIP
		switch {
		case !n.Running:
			label += "\n(stopped)"
		case n.PublicIP != "" && n.Elastic:
			label += "\npublic " + n.PublicIP + " (EIP)"
		case n.PublicIP != "":
			label += "\npublic " + n.PublicIP
		}
		fill := "#fde9c8"
		if !n.Running {
			fill = "#eeeeee"
		}
		return fmt.Sprintf("label=%q, shape=box3d, style=filled, fillcolor=%q", label, fill)
	case "igw":
		return fmt.Sprintf("label=%q, shape=hexagon, style=filled, fillcolor=\"#e4f2dc\"", label)
	case "vpc-router":
		return fmt.Sprintf("label=%q, shape=octagon, style=filled, fillcolor=\"#e4f2dc\"", label)
	case "switch":
		if n.Subnet != "" {
			label += "\n" + n.Subnet
		}
		return fmt.Sprintf("label=%q, shape=box, height=0.3, style=filled, fillcolor=\"#d9d9d9\", penwidth=2", label)
	}
	return fmt.Sprintf("label=%q, shape=box, style=\"rounded,filled\", fillcolor=\"#eeeeee\"", label)
}

func linkAttrs(l Link) []string {
	end := func(node, iface, addr string) string {
		s := node + " " + iface
		if addr != "" {
			s += " " + addr
		}
		return s
	}
	lines := []string{end(l.A, l.AIface, l.AAddr)}
	if l.Kind == "switch" {
		// A port: the switch end has no address, the segment is the
		// switch's label.
		lines = append(lines, "port "+l.BIface)
	} else {
		lines = append(lines, end(l.B, l.BIface, l.BAddr))
	}
	var sessions []string
	for _, p := range []struct{ name, state string }{{"BGP", l.BGP}, {"RIP", l.RIP}, {"OSPF", l.OSPF}, {"BFD", l.BFD}} {
		if p.state != "" && p.state != Unknown {
			sessions = append(sessions, p.name+" "+p.state)
		}
	}
	if len(sessions) > 0 {
		lines = append(lines, strings.Join(sessions, ", "))
	}
	var attrs []string
	switch l.State {
	case LinkDown:
		lines = append(lines, "DOWN")
		attrs = append(attrs, "color=\"#c62828\"", "fontcolor=\"#c62828\"", "style=dashed")
	case LinkSilent:
		lines = append(lines, "SILENT")
		attrs = append(attrs, "color=\"#ef6c00\"", "fontcolor=\"#ef6c00\"", "style=dotted")
	default:
		if l.Kind == "vpc-port" {
			attrs = append(attrs, "style=dashed")
		}
		if l.BGP != "" {
			attrs = append(attrs, "color=\"#1f5fa8\"")
		}
	}
	if l.BGP != "" {
		attrs = append(attrs, "penwidth=2.5")
	}
	attrs = append([]string{fmt.Sprintf("label=%q", strings.Join(lines, "\n")), fmt.Sprintf("id=%q", l.ID), fmt.Sprintf("class=%q", "link-"+l.State)}, attrs...)
	return attrs
}

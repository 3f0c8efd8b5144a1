package topo

import (
	"fmt"
	"sort"
	"strings"
)

// DOT draws the lab as a Graphviz graph: routers grouped by autonomous
// system, a VPC's nodes and instances grouped by VPC, each link labelled
// with its interfaces and addresses, eBGP links drawn bold. The output is
// deterministic, so a drawing can be diffed and golden-tested.
func (l *Lab) DOT() string {
	var b strings.Builder
	fmt.Fprintf(&b, "graph %q {\n", l.Name)
	b.WriteString("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11];\n")
	b.WriteString("  node [fontname=\"Helvetica\", fontsize=10];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=8];\n")

	groups := map[string][]*Node{}
	var order []string
	group := func(n *Node) string {
		switch {
		case n.AS != "":
			return "as:" + n.AS
		case n.VPC != "":
			return "vpc:" + n.VPC
		}
		return ""
	}
	for _, n := range l.Nodes {
		g := group(n)
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], n)
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i] < order[j] })
	for i, g := range order {
		indent := "  "
		if g != "" {
			kind, name, _ := strings.Cut(g, ":")
			label := name
			switch kind {
			case "as":
				if as := l.AS(name); as != nil {
					label = fmt.Sprintf("%s (AS %d, %s)", name, as.ASN, as.IGP)
				}
			case "vpc":
				if v := l.VPC(name); v != nil {
					label = fmt.Sprintf("VPC %s %s", name, v.CIDR)
				}
			}
			fmt.Fprintf(&b, "  subgraph \"cluster_%d\" {\n    label=%q; style=rounded; color=gray60;\n", i, label)
			indent = "    "
		}
		for _, n := range groups[g] {
			fmt.Fprintf(&b, "%s%q [%s];\n", indent, n.Name, nodeStyle(l, n))
		}
		if g != "" {
			b.WriteString("  }\n")
		}
	}
	for _, k := range l.Links {
		attrs := []string{
			fmt.Sprintf("taillabel=%q", k.A.Iface+"\n"+k.A.Addr.Addr().String()),
			fmt.Sprintf("headlabel=%q", k.B.Iface+"\n"+k.B.Addr.Addr().String()),
			fmt.Sprintf("label=%q", k.Subnet.String()),
		}
		if k.Kind == LinkSwitch {
			// A port: the switch carries the subnet, its end no address.
			attrs = []string{fmt.Sprintf("taillabel=%q", k.A.Iface+"\n"+k.A.Addr.Addr().String())}
		}
		if l.ebgp(k) {
			attrs = append(attrs, "penwidth=2.5", "color=\"#1f5fa8\"")
		}
		if k.Implicit {
			attrs = append(attrs, "style=dashed")
		}
		fmt.Fprintf(&b, "  %q -- %q [%s];\n", k.A.Node, k.B.Node, strings.Join(attrs, ", "))
	}
	b.WriteString("}\n")
	return b.String()
}

func nodeStyle(l *Lab, n *Node) string {
	label := n.Name
	switch n.Kind {
	case KindRouter:
		if n.Loopback.IsValid() {
			label += "\nlo " + n.Loopback.Addr().String()
		}
		return fmt.Sprintf("label=%q, shape=ellipse, style=filled, fillcolor=\"#dbe9f6\"", label)
	case KindInstance:
		if n.Instance != nil {
			label += "\n" + n.Instance.PrivateIP.String()
		}
		return fmt.Sprintf("label=%q, shape=box3d, style=filled, fillcolor=\"#fde9c8\"", label)
	case KindIGW:
		return fmt.Sprintf("label=%q, shape=hexagon, style=filled, fillcolor=\"#e4f2dc\"", label)
	case KindSwitch:
		if n.Switch != nil {
			label += "\n" + n.Switch.Subnet.String()
		}
		return fmt.Sprintf("label=%q, shape=box, height=0.3, style=filled, fillcolor=\"#d9d9d9\"", label)
	case KindVPCRouter:
		return fmt.Sprintf("label=%q, shape=octagon, style=filled, fillcolor=\"#e4f2dc\"", label)
	}
	return fmt.Sprintf("label=%q, shape=box, style=\"rounded,filled\", fillcolor=\"#eeeeee\"", label)
}

// ebgp says whether link k joins routers of two different ASes.
func (l *Lab) ebgp(k *Link) bool {
	a, b := l.Node(k.A.Node), l.Node(k.B.Node)
	return a != nil && b != nil && a.Kind == KindRouter && b.Kind == KindRouter && a.AS != b.AS
}

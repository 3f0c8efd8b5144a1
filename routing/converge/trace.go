package converge

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netemu/netemu/topo"
)

// Tables answers route lookups in the nodes' kernel tables, as `ip route
// get DST [from SRC iif IFACE]` run inside the node would.
type Tables interface {
	// RouteGet looks dst up in node. iif is "" for a packet the node sends
	// itself, else the interface it arrived on (src is then its source).
	RouteGet(node string, dst netip.Addr, iif string, src netip.Addr) (Lookup, error)
}

// Lookup is the kernel's answer for one node.
type Lookup struct {
	// Local: dst is one of the node's own addresses.
	Local bool
	// Drop names why the kernel would drop the packet ("blackhole",
	// "unreachable", "no route", "prohibited"), "" when it forwards it.
	Drop     string
	OutIface string
	// Gateway is the next hop, invalid when dst is on-link.
	Gateway netip.Addr
	// Src is the source address the node would pick.
	Src netip.Addr
}

// Hop is one node on the path.
type Hop struct {
	Node     string     `json:"node"`
	InIface  string     `json:"in_iface,omitempty"`
	OutIface string     `json:"out_iface,omitempty"`
	Gateway  netip.Addr `json:"gateway,omitzero"`
	// Dst is the destination as this node sees it (differs after a NAT).
	Dst netip.Addr `json:"dst"`
	// Note is set by callers, e.g. the fault on the outgoing link.
	Note string `json:"note,omitempty"`
}

// Path outcomes.
const (
	Reached   = "reached"   // the packet arrives at the node owning dst
	Loop      = "loop"      // it comes back to a node and interface it passed
	Blackhole = "blackhole" // a node drops it (no route, blackhole, unreachable)
	LeftLab   = "left-lab"  // it leaves through an interface the model does not know
	TooLong   = "too-long"  // more hops than the limit
)

// Path is where a packet goes now.
type Path struct {
	From   string     `json:"from"`
	Src    netip.Addr `json:"src,omitzero"`
	Dst    netip.Addr `json:"dst"`
	Hops   []Hop      `json:"hops"`
	Result string     `json:"result"`
	// Detail explains a result other than Reached.
	Detail string `json:"detail,omitempty"`
}

// TraceOptions tune Trace.
type TraceOptions struct {
	// Translate returns the destination a node's PREROUTING rewrites dst to
	// (the internet gateway's 1:1 NAT), or dst itself. Nil: no NAT.
	Translate func(node string, dst netip.Addr) netip.Addr
	// MaxHops bounds the walk (64 when 0).
	MaxHops int
}

// Trace follows a packet from node from to dst through the kernel tables:
// at each node the route lookup gives the outgoing interface, the model
// gives the node on the other end of it, and the walk goes on from there
// until the packet arrives, is dropped, loops or leaves the lab.
func Trace(lab *topo.Lab, t Tables, from string, dst netip.Addr, opts TraceOptions) (*Path, error) {
	if lab.Node(from) == nil {
		return nil, fmt.Errorf("lab %q has no node %q", lab.Name, from)
	}
	maxHops := opts.MaxHops
	if maxHops <= 0 {
		maxHops = 64
	}
	p := &Path{From: from, Dst: dst}
	type visit struct{ node, iif string }
	seen := map[visit]bool{}
	node, iif := from, ""
	for len(p.Hops) < maxHops {
		if opts.Translate != nil && iif != "" {
			dst = opts.Translate(node, dst)
		}
		hop := Hop{Node: node, InIface: iif, Dst: dst}
		if seen[visit{node, iif}] {
			p.Hops = append(p.Hops, hop)
			p.Result, p.Detail = Loop, fmt.Sprintf("%s came back to %s", p.Dst, node)
			return p, nil
		}
		seen[visit{node, iif}] = true
		lk, err := t.RouteGet(node, dst, iif, p.Src)
		if err != nil {
			return nil, fmt.Errorf("node %q: route get %s: %w", node, dst, err)
		}
		if iif == "" {
			p.Src = lk.Src
		}
		switch {
		case lk.Local:
			p.Hops = append(p.Hops, hop)
			p.Result = Reached
			return p, nil
		case lk.Drop != "":
			p.Hops = append(p.Hops, hop)
			p.Result, p.Detail = Blackhole, fmt.Sprintf("%s drops it: %s", node, lk.Drop)
			return p, nil
		}
		hop.OutIface, hop.Gateway = lk.OutIface, lk.Gateway
		p.Hops = append(p.Hops, hop)
		n := lab.Node(node)
		var out *topo.Interface
		if n != nil {
			out = n.Interface(lk.OutIface)
		}
		if out == nil || lab.Node(out.Peer) == nil {
			p.Result, p.Detail = LeftLab, fmt.Sprintf("%s sends it out of %s, which no lab link joins", node, lk.OutIface)
			return p, nil
		}
		if sw := lab.SwitchOf(out); sw != nil {
			// Across a switch the frame goes to whoever holds the next
			// hop (the gateway, or the destination when on-link).
			l2 := lk.Gateway
			if !l2.IsValid() {
				l2 = dst
			}
			m, port, ok := lab.SwitchPort(sw.Name, l2)
			if !ok {
				p.Hops = append(p.Hops, Hop{Node: sw.Name, InIface: out.PeerIface, Dst: dst})
				p.Result, p.Detail = Blackhole, fmt.Sprintf("no node on %s holds %s", sw.Name, l2)
				return p, nil
			}
			p.Hops = append(p.Hops, Hop{Node: sw.Name, InIface: out.PeerIface, OutIface: port, Dst: dst})
			node, iif = m.Node, m.Iface
			continue
		}
		node, iif = out.Peer, out.PeerIface
	}
	p.Result, p.Detail = TooLong, fmt.Sprintf("more than %d hops", maxHops)
	return p, nil
}

// Owner returns the node that holds addr on an interface or loopback, or
// "". Several VPC router ports share a subnet's .1; they are one node.
func Owner(lab *topo.Lab, addr netip.Addr) string {
	for _, n := range lab.Nodes {
		if n.Loopback.IsValid() && n.Loopback.Addr() == addr {
			return n.Name
		}
		for _, i := range n.Interfaces {
			if i.Addr.Addr() == addr {
				return n.Name
			}
		}
	}
	return ""
}

// Address picks the address a packet from node from to node to is sent
// to: an instance's public IP when from is outside its VPC (publicIP may
// return an invalid address when the instance has none), a router's
// loopback, otherwise the first interface address.
func Address(lab *topo.Lab, from, to string, publicIP func(node string) netip.Addr) (netip.Addr, error) {
	t := lab.Node(to)
	if t == nil {
		return netip.Addr{}, fmt.Errorf("lab %q has no node %q", lab.Name, to)
	}
	f := lab.Node(from)
	if t.Kind == topo.KindInstance && t.Instance != nil {
		if f != nil && f.VPC == t.VPC {
			return t.Instance.PrivateIP, nil
		}
		if publicIP != nil {
			if a := publicIP(to); a.IsValid() {
				return a, nil
			}
		}
		return netip.Addr{}, fmt.Errorf("instance %q has no public IP reachable from %q", to, from)
	}
	if t.Loopback.IsValid() {
		return t.Loopback.Addr(), nil
	}
	for _, i := range t.Interfaces {
		if i.Addr.IsValid() {
			return i.Addr.Addr(), nil
		}
	}
	return netip.Addr{}, fmt.Errorf("node %q has no address", to)
}

// Format renders a path for people, one hop a line.
func (p *Path) Format() string {
	var b strings.Builder
	fmt.Fprintf(&b, "trace from %s", p.From)
	if p.Src.IsValid() {
		fmt.Fprintf(&b, " (%s)", p.Src)
	}
	fmt.Fprintf(&b, " to %s: %s", p.Dst, p.Result)
	if p.Detail != "" {
		fmt.Fprintf(&b, " (%s)", p.Detail)
	}
	b.WriteString("\n")
	for i, h := range p.Hops {
		in := h.InIface
		if in == "" {
			in = "-"
		}
		fmt.Fprintf(&b, "%3d  %-16s in %-6s", i+1, h.Node, in)
		if h.OutIface != "" {
			fmt.Fprintf(&b, " out %-6s", h.OutIface)
			if h.Gateway.IsValid() {
				fmt.Fprintf(&b, " via %s", h.Gateway)
			} else {
				b.WriteString(" on-link")
			}
		}
		if h.Dst != p.Dst {
			fmt.Fprintf(&b, "  (dst %s)", h.Dst)
		}
		if h.Note != "" {
			fmt.Fprintf(&b, "  [%s]", h.Note)
		}
		b.WriteString("\n")
	}
	return b.String()
}

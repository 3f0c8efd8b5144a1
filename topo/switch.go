package topo

import "net/netip"

// SwitchOf is the switch interface i of a node is plugged into, or nil
// when i is a point-to-point link.
func (l *Lab) SwitchOf(i *Interface) *Node {
	if i == nil || i.Link < 0 || i.Link >= len(l.Links) || l.Links[i.Link].Kind != LinkSwitch {
		return nil
	}
	return l.Node(l.Links[i.Link].B.Node)
}

// SwitchMembers are the member ends (node, interface, address) of the
// switch named sw, in link order.
func (l *Lab) SwitchMembers(sw string) []Endpoint {
	var out []Endpoint
	for _, k := range l.Links {
		if k.Kind == LinkSwitch && k.B.Node == sw {
			out = append(out, k.A)
		}
	}
	return out
}

// SwitchPort finds the member of switch sw that holds addr: its end and
// the switch's port towards it (what a frame to addr leaves by).
func (l *Lab) SwitchPort(sw string, addr netip.Addr) (member Endpoint, port string, ok bool) {
	for _, k := range l.Links {
		if k.Kind == LinkSwitch && k.B.Node == sw && k.A.Addr.Addr() == addr {
			return k.A, k.B.Iface, true
		}
	}
	return Endpoint{}, "", false
}

// SegmentPeer reports whether interface i of router n is on a switch with
// another router of n's AS: the AS's IGP speaks there.
func (l *Lab) SegmentPeer(n *Node, i *Interface) bool {
	sw := l.SwitchOf(i)
	if sw == nil {
		return false
	}
	for _, m := range l.SwitchMembers(sw.Name) {
		if p := l.Node(m.Node); p != nil && p != n && p.Kind == KindRouter && p.AS == n.AS {
			return true
		}
	}
	return false
}

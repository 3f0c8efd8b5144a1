package topo

import (
	"net/netip"

	"github.com/hashicorp/hcl/v2"
)

// buildSwitch checks a switch block; its node is declared with the others
// (switches share the node name space: each is a namespace of the lab).
func (b *builder) buildSwitch(n *Node, r *switchHCL) {
	n.Switch = &Switch{}
	n.Machine = str(r.Machine)
	if r.Subnet == nil {
		b.errf(b.label(r.DefRange, 0), "Missing subnet", "switch %q needs subnet = \"CIDR\": its members' addresses come from it.", r.Name)
		return
	}
	subj := attr(r.Body, "subnet", r.DefRange)
	p, prob := parsePrefix(*r.Subnet)
	switch {
	case prob != "":
		b.errf(subj, "Invalid CIDR", "switch subnet: %s", prob)
		return
	case p.Bits() > 30:
		b.errf(subj, "Subnet too small", "switch %q: subnet %s has no room for a segment; use a /30 or larger.", r.Name, p)
		return
	}
	for _, v := range b.lab.VPCs {
		if v.CIDR.IsValid() && v.CIDR.Overlaps(p) {
			b.errf(subj, "Overlapping subnets", "switch subnet %s overlaps the cidr %s of vpc %q.", p, v.CIDR, v.Name)
		}
		if v.PublicIPPool.IsValid() && v.PublicIPPool.Overlaps(p) {
			b.errf(subj, "Overlapping subnets", "switch subnet %s overlaps the public_ip_pool %s of vpc %q.", p, v.PublicIPPool, v.Name)
		}
	}
	for _, o := range b.lab.Nodes {
		if o.Switch != nil && o != n && o.Switch.Subnet.IsValid() && o.Switch.Subnet.Overlaps(p) {
			b.errf(subj, "Overlapping subnets", "switch subnet %s overlaps the subnet %s of switch %q.", p, o.Switch.Subnet, o.Name)
		}
	}
	n.Switch.Subnet = p
}

// switchSubnets are the switches' subnets, which the link allocator skips.
func (b *builder) switchSubnets() []netip.Prefix {
	var out []netip.Prefix
	for _, n := range b.lab.Nodes {
		if n.Switch != nil && n.Switch.Subnet.IsValid() {
			out = append(out, n.Switch.Subnet)
		}
	}
	return out
}

// switchLink turns a link with a switch end into a member's port: the
// member becomes end A, the switch end B, and the link takes the switch's
// subnet. ok is false when the link cannot be built.
func (b *builder) switchLink(pl *pendingLink) bool {
	r, k := pl.raw, pl.link
	a, bb := b.lab.Node(k.A.Node), b.lab.Node(k.B.Node)
	if a.Kind == KindSwitch && bb.Kind == KindSwitch {
		b.errf(b.label(r.DefRange, 1), "Link between switches", "%q and %q are both switches: link routers and hosts to a switch, not switches to each other.", k.A.Node, k.B.Node)
		return false
	}
	if a.Kind == KindSwitch {
		k.A, k.B = k.B, k.A
		pl.aIf, pl.bIf = pl.bIf, pl.aIf
		pl.swapped = true
	}
	sw := b.lab.Node(k.B.Node)
	k.Kind = LinkSwitch
	k.Subnet = sw.Switch.Subnet
	pl.sw = sw.Name
	if r.Subnet != nil {
		b.errf(attr(r.Body, "subnet", r.DefRange), "Subnet on a switch link", "link to switch %q: the segment's subnet is the switch's (%s); give the member's address with address = \"…\" instead.", sw.Name, sw.Switch.Subnet)
	}
	for _, o := range b.links {
		if o.sw == sw.Name && o.link.A.Node == k.A.Node {
			b.errf(b.label(r.DefRange, 0), "Already on the switch", "%q is already linked to switch %q at %s.", k.A.Node, sw.Name, where(o.raw.DefRange))
			return false
		}
	}
	if r.Address != nil {
		subj := attr(r.Body, "address", r.DefRange)
		ad, prob := parseAddr(*r.Address)
		p := sw.Switch.Subnet
		switch {
		case prob != "":
			b.errf(subj, "Invalid address", "link to switch %q: %s", sw.Name, prob)
		case !p.IsValid():
			// the switch's subnet is already reported
		case !p.Contains(ad):
			b.errf(subj, "Address outside its subnet", "%s is not inside switch %q's subnet %s.", ad, sw.Name, p)
		case ad == p.Addr() || ad == lastAddr(p):
			b.errf(subj, "Reserved address", "%s is the network or broadcast address of switch %q's subnet %s.", ad, sw.Name, p)
		default:
			for _, o := range b.links {
				if o.sw == sw.Name && o.addr == ad {
					b.errf(subj, "Duplicate address", "%s is already %q's address on switch %q (%s).", ad, o.link.A.Node, sw.Name, where(o.raw.DefRange))
					return true
				}
			}
			pl.addr = ad
		}
	}
	return true
}

// addressSwitches gives every member without an address the next free
// host address of its switch's subnet, in link order.
func (b *builder) addressSwitches() {
	for _, n := range b.lab.Nodes {
		if n.Switch == nil || !n.Switch.Subnet.IsValid() {
			continue
		}
		p := n.Switch.Subnet
		used := map[netip.Addr]bool{}
		var members []*pendingLink
		for _, pl := range b.links {
			if pl.sw == n.Name {
				members = append(members, pl)
				if pl.addr.IsValid() {
					used[pl.addr] = true
				}
			}
		}
		hosts := prefixSize(p) - 2
		if uint64(len(members)) > hosts {
			r := b.switchRaw[n.Name]
			b.errf(attr(r.Body, "subnet", r.DefRange), "Subnet too small for its members",
				"switch %q: subnet %s holds %d host addresses, but %d nodes link to it; use a larger subnet.", n.Name, p, hosts, len(members))
			continue
		}
		next := uint64(1)
		for _, pl := range members {
			if !pl.addr.IsValid() {
				for used[nthAddr(p, next)] {
					next++
				}
				pl.addr = nthAddr(p, next)
				used[pl.addr] = true
			}
			pl.link.A.Addr = netip.PrefixFrom(pl.addr, p.Bits())
		}
	}
}

// switchGateway is the default gateway of a host whose one link goes to a
// switch: the first router on the segment (in link order).
func (b *builder) switchGateway(sw string) netip.Addr {
	for _, m := range b.lab.SwitchMembers(sw) {
		if n := b.lab.Node(m.Node); n != nil && n.Kind == KindRouter && m.Addr.IsValid() {
			return m.Addr.Addr()
		}
	}
	return netip.Addr{}
}

// checkSwitchASes refuses routers of several ASes on one segment: netemu
// runs no eBGP across a switch, and one AS's IGP would form adjacencies
// with the other's routers.
func (b *builder) checkSwitchASes() {
	for _, n := range b.lab.Nodes {
		if n.Kind != KindSwitch {
			continue
		}
		var first *Node
		for _, pl := range b.links {
			if pl.sw != n.Name {
				continue
			}
			m := b.lab.Node(pl.link.A.Node)
			if m.Kind != KindRouter || m.AS == "" {
				continue
			}
			if first == nil {
				first = m
				continue
			}
			if m.AS != first.AS {
				b.errf(b.memberSubj(pl), "Several ASes on one switch", "switch %q: router %q (AS %q) and router %q (AS %q) are on one segment; a switch joins routers of one AS (link routers of different ASes directly for eBGP).", n.Name, first.Name, first.AS, m.Name, m.AS)
			}
		}
	}
}

// memberSubj is the link end label that names the member.
func (b *builder) memberSubj(pl *pendingLink) *hcl.Range {
	if pl.swapped {
		return b.label(pl.raw.DefRange, 1)
	}
	return b.label(pl.raw.DefRange, 0)
}

package topo

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

var defaultRoute = netip.MustParsePrefix("0.0.0.0/0")

func (b *builder) buildNodes(f *fileHCL) {
	eipUsers := map[string]hcl.Range{}
	ips := map[string]map[netip.Addr]hcl.Range{}
	for _, n := range b.lab.Nodes {
		switch n.Kind {
		case KindRouter:
			r := b.routerRaw[n.Name]
			n.Forwarding = true
			n.Machine = str(r.Machine)
			switch {
			case r.AS == nil:
				b.errf(b.label(r.DefRange, 0), "Missing AS", "router %q needs as = \"NAME\" naming its autonomous_system.", r.Name)
			case b.lab.AS(*r.AS) == nil:
				b.errf(attr(r.Body, "as", r.DefRange), "Unknown AS", "router %q: no autonomous_system %q is defined.", r.Name, *r.AS)
			default:
				n.AS = *r.AS
			}
			if r.Loopback != nil {
				s := strings.TrimSuffix(*r.Loopback, "/32")
				if a, prob := parseAddr(s); prob != "" {
					b.errf(attr(r.Body, "loopback", r.DefRange), "Invalid address", "router %q loopback: %s", r.Name, prob)
				} else {
					n.Loopback = netip.PrefixFrom(a, 32)
					b.explicitLo[n.Name] = true
				}
			}
			n.Processes = b.processes(n.Name, r.Processes)
		case KindHost:
			r := b.hostRaw[n.Name]
			n.Machine = str(r.Machine)
			n.Processes = b.processes(n.Name, r.Processes)
		case KindInstance:
			r := b.instRaw[n.Name]
			n.Machine = str(r.Machine)
			b.buildInstance(n, r, eipUsers, ips)
			n.Processes = b.processes(n.Name, r.Processes)
		case KindSwitch:
			b.buildSwitch(n, b.switchRaw[n.Name])
		}
	}
	b.allocatePrivateIPs(ips)
}

func (b *builder) processes(node string, raws []*processHCL) []*Process {
	var out []*Process
	seen := names{}
	for _, r := range raws {
		if !b.unique(seen, "process", r.Name, r.DefRange, MaxName) {
			continue
		}
		p := &Process{Name: r.Name, Command: r.Command, User: str(r.User), Env: r.Env, Range: r.DefRange}
		if len(r.Command) == 0 || r.Command[0] == "" {
			b.errf(attr(r.Body, "command", r.DefRange), "Empty command", "process %q on %q needs a command, e.g. [\"/usr/bin/python3\", \"-m\", \"http.server\"].", r.Name, node)
		} else if _, err := b.opts.LookPath(r.Command[0]); err != nil {
			what := "is not in PATH"
			if strings.HasPrefix(r.Command[0], "/") {
				what = "does not exist or is not executable"
			}
			b.errf(elem(r.Body, "command", 0, r.DefRange), "Program not found", "process %q on %q: %q %s on this machine.", r.Name, node, r.Command[0], what)
		}
		out = append(out, p)
	}
	return out
}

// splitEnd parses a link end "node" or "node:iface".
func splitEnd(s string) (node, iface string) {
	node, iface, _ = strings.Cut(s, ":")
	return node, iface
}

func (b *builder) isImplicit(name string) bool {
	for _, v := range b.lab.VPCs {
		if v.IGW == name || v.Router == name {
			return true
		}
	}
	return false
}

func (b *builder) buildLinks(f *fileHCL) {
	var explicit []*pendingLink
	for _, r := range f.Links {
		pl := &pendingLink{raw: r}
		k := &Link{Kind: LinkP2P, Range: r.DefRange}
		ok := true
		for i, end := range []string{r.A, r.B} {
			node, iface := splitEnd(end)
			subj := b.label(r.DefRange, i)
			n := b.lab.Node(node)
			switch {
			case n == nil && b.isImplicit(node):
				b.errf(subj, "Cannot link to an implicit node", "%q is created by a vpc and linked by it; link to the vpc's edge router instead.", node)
				ok = false
			case n == nil && b.badNodes[node]:
				ok = false // its name is already reported as invalid
			case n == nil:
				// The same text for every use of one name, so the uses
				// collapse into one error with a count.
				b.errf(subj, "Unknown node", "no router, host or switch %q is defined%s.", node, didYouMean(node, b.nodeNames()))
				ok = false
			case n.Kind == KindInstance:
				b.errf(subj, "Cannot link an instance", "instance %q attaches to its subnet, not to links.", node)
				ok = false
			}
			if strings.Contains(end, ":") {
				if p := checkIfName(iface); p != "" {
					b.errf(subj, "Invalid interface name", "link end %q: %s", end, p)
					iface = ""
				}
			}
			if i == 0 {
				k.A.Node, pl.aIf = node, iface
			} else {
				k.B.Node, pl.bIf = node, iface
			}
		}
		if ok && k.A.Node == k.B.Node {
			b.errf(b.label(r.DefRange, 1), "Link to itself", "link from %q to itself: a link joins two different nodes.", k.A.Node)
			ok = false
		}
		onSwitch := ok && (b.lab.Node(k.A.Node).Kind == KindSwitch || b.lab.Node(k.B.Node).Kind == KindSwitch)
		pl.link = k
		if onSwitch {
			ok = b.switchLink(pl)
		} else if r.Address != nil {
			b.errf(attr(r.Body, "address", r.DefRange), "Address on a point-to-point link", "address applies to a link to a switch; a point-to-point link's ends take the first two addresses of its subnet.")
		}
		if r.Subnet != nil && !onSwitch {
			pl.subnetSubj = attr(r.Body, "subnet", r.DefRange)
			p, prob := parsePrefix(*r.Subnet)
			switch {
			case prob != "":
				b.errf(pl.subnetSubj, "Invalid CIDR", "link subnet: %s", prob)
			case p.Bits() > 31:
				b.errf(pl.subnetSubj, "Subnet too small", "link subnet %s has room for one address; a link needs a /31 or larger.", p)
			default:
				for _, o := range explicit {
					if o.link.Subnet.IsValid() && o.link.Subnet.Overlaps(p) {
						b.errf(pl.subnetSubj, "Overlapping subnets", "link subnet %s overlaps the subnet %s of the link at %s.", p, o.link.Subnet, where(o.raw.DefRange))
					}
				}
				for _, sp := range b.switchSubnets() {
					if sp.Overlaps(p) {
						b.errf(pl.subnetSubj, "Overlapping subnets", "link subnet %s overlaps the subnet %s of a switch.", p, sp)
					}
				}
				for _, v := range b.lab.VPCs {
					if v.CIDR.IsValid() && v.CIDR.Overlaps(p) {
						b.errf(pl.subnetSubj, "Overlapping subnets", "link subnet %s overlaps the cidr %s of vpc %q.", p, v.CIDR, v.Name)
					}
					if v.PublicIPPool.IsValid() && v.PublicIPPool.Overlaps(p) {
						b.errf(pl.subnetSubj, "Overlapping subnets", "link subnet %s overlaps the public_ip_pool %s of vpc %q.", p, v.PublicIPPool, v.Name)
					}
				}
				k.Subnet = p
				pl.subnetGiven = true
				explicit = append(explicit, pl)
			}
		}
		k.IGP = r.IGP != nil && *r.IGP
		b.linkImpairment(r, k)
		if r.Relationship != nil {
			subj := attr(r.Body, "relationship", r.DefRange)
			if p := oneOf("relationship", *r.Relationship, "customer", "peer", "provider"); p != "" {
				b.errf(subj, "Invalid relationship", "%s", p)
			} else if ok {
				a, bb := b.lab.Node(k.A.Node), b.lab.Node(k.B.Node)
				if a.Kind != KindRouter || bb.Kind != KindRouter || a.AS == "" || bb.AS == "" || a.AS == bb.AS {
					b.errf(subj, "Relationship on a non-eBGP link", "relationship applies to eBGP links only: both ends must be routers of different autonomous systems (%q and %q are not).", k.A.Node, k.B.Node)
				} else {
					k.Relationship = *r.Relationship
				}
			}
		}
		k.BFD = b.bfd(r.BFD)
		if ok {
			b.links = append(b.links, pl)
		}
	}
}

// takenPrefixes is what the allocators must not hand out.
func (b *builder) takenPrefixes(pool netip.Prefix, withAS bool) []netip.Prefix {
	var taken []netip.Prefix
	for _, pl := range b.links {
		if pl.subnetGiven {
			taken = append(taken, pl.link.Subnet)
		}
	}
	for _, v := range b.lab.VPCs {
		taken = append(taken, v.CIDR, v.PublicIPPool)
	}
	taken = append(taken, b.switchSubnets()...)
	for _, n := range b.lab.Nodes {
		if b.explicitLo[n.Name] {
			taken = append(taken, n.Loopback)
		}
	}
	if withAS {
		for _, as := range b.lab.ASes {
			for _, p := range as.Prefixes {
				// A pool the user put inside their own AS prefix is
				// meant to be used, not skipped whole.
				if !(p.Bits() <= pool.Bits() && p.Contains(pool.Addr())) {
					taken = append(taken, p)
				}
			}
		}
	}
	return taken
}

// allocate gives links without subnet a /30 from the link pool and routers
// without loopback a /32 from the loopback pool.
func (b *builder) allocate() {
	linkTaken := append(b.takenPrefixes(b.linkPool, true), b.loPool)
	b.linkAlloc = newAllocator(b.linkPool, 30, linkTaken)
	for _, pl := range b.links {
		if pl.subnetGiven || pl.raw.Subnet != nil || pl.sw != "" {
			continue
		}
		p, ok := b.linkAlloc.take()
		if !ok {
			b.errf(&pl.raw.DefRange, "Link pool exhausted", "link %q–%q: no free /30 left in link_pool %s; give the lab a larger link_pool.", pl.link.A.Node, pl.link.B.Node, b.linkPool)
			continue
		}
		pl.link.Subnet = p
	}
	loTaken := b.takenPrefixes(b.loPool, false)
	for _, pl := range b.links {
		loTaken = append(loTaken, pl.link.Subnet)
	}
	lo := newAllocator(b.loPool, 32, loTaken)
	lo.skipFirst()
	for _, n := range b.lab.Nodes {
		if n.Kind != KindRouter || b.explicitLo[n.Name] {
			continue
		}
		if r := b.routerRaw[n.Name]; r.Loopback != nil {
			continue // invalid, already reported
		}
		p, ok := lo.take()
		if !ok {
			b.errf(&n.Range, "Loopback pool exhausted", "router %q: no free address left in loopback_pool %s.", n.Name, b.loPool)
			continue
		}
		n.Loopback = p
	}
	for _, pl := range b.links {
		b.lab.Links = append(b.lab.Links, pl.link)
	}
}

// expandVPCs adds each VPC's internet gateway and router, their links, and
// one port per instance.
func (b *builder) expandVPCs() {
	for _, v := range b.lab.VPCs {
		if _, ok := b.routerRaw[v.Edge]; !ok || !v.CIDR.IsValid() || !v.PublicIPPool.IsValid() {
			continue
		}
		if b.lab.Node(v.IGW) != nil || b.lab.Node(v.Router) != nil {
			continue // name clash, already reported
		}
		b.lab.Nodes = append(b.lab.Nodes,
			&Node{Name: v.IGW, Kind: KindIGW, Hostname: v.IGW, Forwarding: true, VPC: v.Name, Range: v.Range},
			&Node{Name: v.Router, Kind: KindVPCRouter, Hostname: v.Router, Forwarding: true, VPC: v.Name, Range: v.Range})
		for i, ends := range [][2]string{{v.Edge, v.IGW}, {v.IGW, v.Router}} {
			k := &Link{Kind: LinkP2P, A: Endpoint{Node: ends[0]}, B: Endpoint{Node: ends[1]}, Implicit: true, Range: v.Range}
			p, ok := b.linkAlloc.take()
			if !ok {
				b.errf(&v.Range, "Link pool exhausted", "vpc %q: no free /30 left in link_pool %s for the link %s–%s.", v.Name, b.linkPool, ends[0], ends[1])
			}
			k.Subnet = p
			b.lab.Links = append(b.lab.Links, k)
			if i == 0 {
				b.edgeIGWLink[v.Name] = len(b.lab.Links) - 1
			} else {
				b.igwRouterLnk[v.Name] = len(b.lab.Links) - 1
			}
		}
		for _, n := range b.lab.Nodes {
			if n.Kind != KindInstance || n.VPC != v.Name || !n.Instance.PrivateIP.IsValid() {
				continue
			}
			s := b.lab.Subnet(n.Instance.Subnet)
			b.lab.Links = append(b.lab.Links, &Link{
				Kind:     LinkVPCPort,
				A:        Endpoint{Node: v.Router, Addr: netip.PrefixFrom(nthAddr(s.CIDR, 1), s.CIDR.Bits())},
				B:        Endpoint{Node: n.Name, Addr: netip.PrefixFrom(n.Instance.PrivateIP, s.CIDR.Bits())},
				Subnet:   s.CIDR,
				Implicit: true,
				Range:    n.Range,
			})
		}
	}
}

// wireInterfaces names every link end and gives it its address.
func (b *builder) wireInterfaces() {
	explicit := map[string]map[string]bool{}
	claim := func(node, iface string, subj *hcl.Range) bool {
		if explicit[node] == nil {
			explicit[node] = map[string]bool{}
		}
		if explicit[node][iface] {
			b.errf(subj, "Duplicate interface name", "node %q already has an interface %q.", node, iface)
			return false
		}
		explicit[node][iface] = true
		return true
	}
	for i, pl := range b.links {
		if pl.aIf != "" && !claim(pl.link.A.Node, pl.aIf, b.label(pl.raw.DefRange, 0)) {
			pl.aIf = ""
		}
		if pl.bIf != "" && !claim(pl.link.B.Node, pl.bIf, b.label(pl.raw.DefRange, 1)) {
			pl.bIf = ""
		}
		b.lab.Links[i].A.Iface, b.lab.Links[i].B.Iface = pl.aIf, pl.bIf
	}
	next := map[string]int{}
	auto := func(node string) string {
		for {
			name := fmt.Sprintf("eth%d", next[node])
			next[node]++
			if !explicit[node][name] {
				return name
			}
		}
	}
	for idx, k := range b.lab.Links {
		if k.A.Iface == "" {
			k.A.Iface = auto(k.A.Node)
		}
		if k.B.Iface == "" {
			k.B.Iface = auto(k.B.Node)
		}
		if k.Kind == LinkP2P && k.Subnet.IsValid() {
			a, bb, _ := linkHosts(k.Subnet)
			k.A.Addr = netip.PrefixFrom(a, k.Subnet.Bits())
			k.B.Addr = netip.PrefixFrom(bb, k.Subnet.Bits())
		}
		na, nb := b.lab.Node(k.A.Node), b.lab.Node(k.B.Node)
		na.Interfaces = append(na.Interfaces, &Interface{Name: k.A.Iface, Addr: k.A.Addr, Link: idx, Peer: k.B.Node, PeerIface: k.B.Iface, HostRoute: k.Kind == LinkVPCPort})
		nb.Interfaces = append(nb.Interfaces, &Interface{Name: k.B.Iface, Addr: k.B.Addr, Link: idx, Peer: k.A.Node, PeerIface: k.A.Iface})
	}
}

// connected reports whether a lies on one of n's subnets without being one
// of n's own addresses.
func connected(n *Node, a netip.Addr) bool {
	on := false
	for _, i := range n.Interfaces {
		if !i.Addr.IsValid() {
			continue
		}
		if i.Addr.Addr() == a {
			return false
		}
		if i.Addr.Masked().Contains(a) {
			on = true
		}
	}
	return on
}

func (b *builder) staticRoutes(n *Node, raws []*routeHCL) {
	for _, r := range raws {
		to, prob := parsePrefix(r.To)
		if prob != "" {
			b.errf(attr(r.Body, "to", r.DefRange), "Invalid CIDR", "route to: %s", prob)
		}
		via, prob2 := parseAddr(r.Via)
		if prob2 != "" {
			b.errf(attr(r.Body, "via", r.DefRange), "Invalid address", "route via: %s", prob2)
		}
		if prob != "" || prob2 != "" {
			continue
		}
		if !connected(n, via) {
			b.errf(attr(r.Body, "via", r.DefRange), "Next hop not on a link", "%s %q: the next hop %s is not the address of a neighbour on one of its links.", n.Kind, n.Name, via)
			continue
		}
		// The kernel refuses a second route to the same destination
		// (including the prefix route of a connected subnet).
		if i := connectedIface(n, to); i != nil {
			b.errf(attr(r.Body, "to", r.DefRange), "Route to a connected subnet", "%s %q: %s is the subnet of its interface %s; it needs no route.", n.Kind, n.Name, to, i.Name)
			continue
		}
		if prev, dup := routeTo(n, to); dup {
			b.errf(attr(r.Body, "to", r.DefRange), "Duplicate route", "%s %q already has a route to %s (%s).", n.Kind, n.Name, to, where(prev.Range))
			continue
		}
		n.Routes = append(n.Routes, Route{To: to, Via: via, Range: r.DefRange})
	}
}

// connectedIface is the interface whose subnet is exactly p, or nil.
func connectedIface(n *Node, p netip.Prefix) *Interface {
	for _, i := range n.Interfaces {
		if i.Addr.IsValid() && !i.HostRoute && i.Addr.Masked() == p {
			return i
		}
	}
	return nil
}

// routeTo is n's route to exactly p, if any.
func routeTo(n *Node, p netip.Prefix) (Route, bool) {
	for _, r := range n.Routes {
		if r.To == p {
			return r, true
		}
	}
	return Route{}, false
}

func hasDefault(n *Node) bool {
	for _, r := range n.Routes {
		if r.To == defaultRoute {
			return true
		}
	}
	return false
}

// peerAddr is the address of the other end of the link between a and b.
func (b *builder) peerAddr(linkIdx int, self string) netip.Addr {
	k := b.lab.Links[linkIdx]
	if k.A.Node == self {
		return k.B.Addr.Addr()
	}
	return k.A.Addr.Addr()
}

func (b *builder) buildRoutes() {
	for _, n := range b.lab.Nodes {
		switch n.Kind {
		case KindRouter:
			b.staticRoutes(n, b.routerRaw[n.Name].Routes)
		case KindHost:
			r := b.hostRaw[n.Name]
			b.staticRoutes(n, r.Routes)
			if r.Gateway != nil {
				gw, prob := parseAddr(*r.Gateway)
				subj := attr(r.Body, "gateway", r.DefRange)
				switch {
				case prob != "":
					b.errf(subj, "Invalid address", "host %q gateway: %s", n.Name, prob)
				case !connected(n, gw):
					b.errf(subj, "Gateway not on a link", "host %q: gateway %s is not the address of a neighbour on one of its links.", n.Name, gw)
				case hasDefault(n):
					b.errf(subj, "Two default routes", "host %q has both a gateway and a route to 0.0.0.0/0.", n.Name)
				default:
					n.Routes = append(n.Routes, Route{To: defaultRoute, Via: gw, Range: r.DefRange})
				}
			} else if len(n.Interfaces) == 1 && !hasDefault(n) && n.Interfaces[0].Addr.IsValid() {
				via := b.peerAddr(n.Interfaces[0].Link, n.Name)
				if sw := b.lab.SwitchOf(n.Interfaces[0]); sw != nil {
					via = b.switchGateway(sw.Name)
				}
				if via.IsValid() {
					n.Routes = append(n.Routes, Route{To: defaultRoute, Via: via, Range: r.DefRange})
				}
			}
		case KindInstance:
			if len(n.Interfaces) == 1 {
				n.Routes = append(n.Routes, Route{To: defaultRoute, Via: b.peerAddr(n.Interfaces[0].Link, n.Name), Range: n.Range})
			}
		}
	}
	for _, v := range b.lab.VPCs {
		ei, ok1 := b.edgeIGWLink[v.Name]
		ir, ok2 := b.igwRouterLnk[v.Name]
		if !ok1 || !ok2 || !b.lab.Links[ei].Subnet.IsValid() || !b.lab.Links[ir].Subnet.IsValid() {
			continue
		}
		edge, igw, router := b.lab.Node(v.Edge), b.lab.Node(v.IGW), b.lab.Node(v.Router)
		if prev, dup := routeTo(edge, v.PublicIPPool); dup {
			b.errf(&prev.Range, "Duplicate route", "router %q: vpc %q already routes its public_ip_pool %s to its internet gateway; remove this route.", v.Edge, v.Name, v.PublicIPPool)
			continue
		}
		edge.Routes = append(edge.Routes, Route{To: v.PublicIPPool, Via: b.peerAddr(ei, v.Edge), Range: v.Range})
		igw.Routes = append(igw.Routes,
			Route{To: v.CIDR, Via: b.peerAddr(ir, v.IGW), Range: v.Range},
			Route{To: defaultRoute, Via: b.peerAddr(ei, v.IGW), Range: v.Range})
		router.Routes = append(router.Routes, Route{To: defaultRoute, Via: b.peerAddr(ir, v.Router), Range: v.Range})
	}
}

func (b *builder) buildBGPNeighbors() {
	for _, n := range b.lab.Nodes {
		if n.Kind != KindRouter || b.routerRaw[n.Name].BGP == nil {
			continue
		}
		seen := map[string]hcl.Range{}
		for _, r := range b.routerRaw[n.Name].BGP.Neighbors {
			subj := b.label(r.DefRange, 0)
			if prev, dup := seen[r.Label]; dup {
				b.errf(subj, "Duplicate neighbor", "router %q already has a neighbor %q at %s.", n.Name, r.Label, where(prev))
				continue
			}
			seen[r.Label] = r.DefRange
			nb := &BGPNeighbor{Description: str(r.Description), Import: str(r.Import), Export: str(r.Export), Passive: r.Passive != nil && *r.Passive, Range: r.DefRange}
			if a, err := netip.ParseAddr(r.Label); err == nil {
				switch {
				case !a.Is4():
					b.errf(subj, "Invalid address", "neighbor %q: only IPv4 neighbours are supported.", r.Label)
				case r.ASN == nil:
					b.errf(subj, "Missing asn", "neighbor %s is not a node of the lab, so it needs asn = N (%d to %d).", a, MinASN, MaxASN)
				case *r.ASN < MinASN || *r.ASN > MaxASN:
					b.errf(attr(r.Body, "asn", r.DefRange), "ASN out of range", "asn %d is out of range: use %d to %d.", *r.ASN, MinASN, MaxASN)
				default:
					nb.ASN = uint32(*r.ASN)
				}
				nb.Address = a
			} else {
				nb.Peer = r.Label
				peer := b.lab.Node(r.Label)
				switch {
				case peer == nil || peer.Kind != KindRouter:
					b.errf(subj, "Unknown neighbor", "neighbor %q is neither an IPv4 address nor a router of the lab.", r.Label)
				case peer.Name == n.Name:
					b.errf(subj, "Neighbor is itself", "router %q cannot peer with itself.", n.Name)
				case peer.AS != n.AS && b.lab.LinkBetween(n.Name, peer.Name) < 0:
					b.errf(subj, "No BGP session with that router", "router %q (AS %q) has no link to router %q (AS %q): eBGP runs only between directly linked routers of different ASes.", n.Name, n.AS, peer.Name, peer.AS)
				default:
					if as := b.lab.AS(peer.AS); as != nil {
						if r.ASN != nil && int64(as.ASN) != *r.ASN {
							b.errf(attr(r.Body, "asn", r.DefRange), "Wrong asn", "router %q is in AS %d, not %d; leave asn out for a router of the lab.", peer.Name, as.ASN, *r.ASN)
						}
						nb.ASN = as.ASN
					}
				}
			}
			for _, pol := range []struct {
				name string
				v    *string
			}{{"import", r.Import}, {"export", r.Export}} {
				if pol.v != nil && b.policy(*pol.v) == nil {
					b.errf(attr(r.Body, pol.name, r.DefRange), "Unknown policy", "neighbor %q %s: no policy %q is defined.", r.Label, pol.name, *pol.v)
				}
			}
			n.BGPNeighbors = append(n.BGPNeighbors, nb)
		}
	}
}

// checkAddresses finds loopbacks that collide with other addresses.
func (b *builder) checkAddresses() {
	seen := map[netip.Addr]string{}
	for _, n := range b.lab.Nodes {
		for _, i := range n.Interfaces {
			if i.Addr.IsValid() && !i.HostRoute && n.Kind != KindInstance {
				seen[i.Addr.Addr()] = fmt.Sprintf("%s %s", n.Name, i.Name)
			}
		}
	}
	for _, n := range b.lab.Nodes {
		if !b.explicitLo[n.Name] {
			continue
		}
		r := b.routerRaw[n.Name]
		subj := attr(r.Body, "loopback", r.DefRange)
		a := n.Loopback.Addr()
		if prev, dup := seen[a]; dup {
			b.errf(subj, "Duplicate address", "router %q loopback %s is already the address of %s.", n.Name, a, prev)
			continue
		}
		seen[a] = n.Name + " lo"
		for _, k := range b.lab.Links {
			if (k.Kind == LinkP2P || k.Kind == LinkSwitch) && k.Subnet.IsValid() && k.Subnet.Contains(a) {
				b.errf(subj, "Address on a link subnet", "router %q loopback %s lies inside the subnet %s of the link %s–%s.", n.Name, a, k.Subnet, k.A.Node, k.B.Node)
				break
			}
		}
		for _, v := range b.lab.VPCs {
			if v.CIDR.Contains(a) || v.PublicIPPool.Contains(a) {
				b.errf(subj, "Address inside a VPC", "router %q loopback %s lies inside vpc %q's addresses.", n.Name, a, v.Name)
			}
		}
	}
}

func (b *builder) checkMachines() {
	for _, n := range b.lab.Nodes {
		if n.Machine == "" {
			continue
		}
		var body hcl.Body
		switch n.Kind {
		case KindRouter:
			body = b.routerRaw[n.Name].Body
		case KindHost:
			body = b.hostRaw[n.Name].Body
		case KindInstance:
			body = b.instRaw[n.Name].Body
		}
		subj := attr(body, "machine", n.Range)
		switch {
		case len(b.lab.Machines) == 0:
			b.errf(subj, "No machines defined", "%s %q is placed on machine %q, but the file has no machine blocks.", n.Kind, n.Name, n.Machine)
		case b.lab.Machine(n.Machine) == nil:
			b.errf(subj, "Unknown machine", "%s %q: no machine %q is defined.", n.Kind, n.Name, n.Machine)
		}
	}
}

func (b *builder) buildClient(f *fileHCL) {
	if len(f.Labs) > 0 && f.Labs[0].Client != nil {
		raw := f.Labs[0]
		c := *raw.Client
		if n := b.lab.Node(c); n == nil || n.Kind != KindHost {
			b.errf(attr(raw.Body, "client", raw.DefRange), "Unknown client host", "client %q: no host %q is defined; client names the host `netemu ssh` connects from.", c, c)
		} else {
			b.lab.ClientHost = c
		}
		return
	}
	for _, n := range b.lab.Nodes {
		if n.Kind == KindHost {
			b.lab.ClientHost = n.Name
			return
		}
	}
}

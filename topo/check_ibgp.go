package topo

import "net/netip"

// checkStaticIBGP refuses an AS with igp = "static" whose routers would
// run iBGP between loopbacks that no route reaches: nothing carries the
// loopbacks in such an AS, so the sessions could never come up and `up`
// would only fail, a minute later, waiting for them. One route on each
// side (a /32, a wider prefix or a default) is enough here; where it
// leads is the author's business.
func (b *builder) checkStaticIBGP() {
	if b.lab.Daemons == DaemonsNone || len(b.diags) > 0 {
		return
	}
	for _, as := range b.lab.ASes {
		if as.IGP != IGPStatic || !b.lab.bgpAS(as.Name, b.lab.routerIndex()) {
			continue
		}
		for _, n := range b.lab.Nodes {
			if n.Kind != KindRouter || n.AS != as.Name || !n.Loopback.IsValid() {
				continue
			}
			for _, peer := range b.lab.Nodes {
				if peer == n || peer.Kind != KindRouter || peer.AS != as.Name || !peer.Loopback.IsValid() {
					continue
				}
				if !routesTo(n, peer.Loopback.Addr()) {
					b.errf(b.label(n.Range, 0), "No route to an iBGP peer",
						"router %q: autonomous_system %q has igp = \"static\", so nothing carries router %q's loopback %s for their iBGP session; add a route { to = \"%s\", via = … } towards it (or use igp = \"rip\").",
						n.Name, as.Name, peer.Name, peer.Loopback.Addr(), netip.PrefixFrom(peer.Loopback.Addr(), 32))
					break
				}
			}
		}
	}
}

// routesTo reports whether one of n's static routes covers a.
func routesTo(n *Node, a netip.Addr) bool {
	for _, r := range n.Routes {
		if r.To.Contains(a) {
			return true
		}
	}
	return false
}

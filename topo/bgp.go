package topo

import (
	"net/netip"
	"slices"
)

// BGPSession is one BGP session of a router, seen from that router.
type BGPSession struct {
	// Peer is the peer router's node name ("" for an external peer from a
	// neighbor block).
	Peer      string     `json:"peer,omitempty"`
	PeerAddr  netip.Addr `json:"peer_addr"`
	LocalAddr netip.Addr `json:"local_addr"`
	LocalAS   uint32     `json:"local_as"`
	PeerAS    uint32     `json:"peer_as"`
	IBGP      bool       `json:"ibgp"`
	// Iface is the local interface of a directly connected session ("" for
	// iBGP between loopbacks).
	Iface string `json:"iface,omitempty"`
	// Relationship is the peer's role seen from this router: "customer",
	// "peer", "provider" or "".
	Relationship string `json:"relationship,omitempty"`
	Import       string `json:"import,omitempty"`
	Export       string `json:"export,omitempty"`
	Passive      bool   `json:"passive,omitempty"`
	Description  string `json:"description,omitempty"`
	// RRClient: this router reflects routes to and from the peer, a
	// client of its (the AS's route_reflectors).
	RRClient bool `json:"rr_client,omitempty"`
}

// invertRelationship turns "B's role seen from A" into A's role seen from B.
func invertRelationship(r string) string {
	switch r {
	case "customer":
		return "provider"
	case "provider":
		return "customer"
	}
	return r
}

func (l *Lab) routerASN(n *Node) (uint32, bool) {
	if n == nil || n.Kind != KindRouter {
		return 0, false
	}
	as := l.AS(n.AS)
	if as == nil {
		return 0, false
	}
	return as.ASN, true
}

// routerIndex maps router names to their nodes: a lab of a thousand
// routers would otherwise look every link's ends up by a linear search.
func (l *Lab) routerIndex() map[string]*Node {
	idx := make(map[string]*Node, len(l.Nodes))
	for _, n := range l.Nodes {
		if n.Kind == KindRouter {
			idx[n.Name] = n
		}
	}
	return idx
}

// ebgpLinkSessions lists the sessions on links between routers of
// different ASes, seen from node.
func (l *Lab) ebgpLinkSessions(node string) []BGPSession {
	return l.ebgpLinkSessionsIdx(node, l.routerIndex())
}

func (l *Lab) ebgpLinkSessionsIdx(node string, idx map[string]*Node) []BGPSession {
	me := idx[node]
	myASN, ok := l.routerASN(me)
	if !ok {
		return nil
	}
	var out []BGPSession
	for _, k := range l.Links {
		var mine, theirs Endpoint
		rel := ""
		switch node {
		case k.A.Node:
			mine, theirs, rel = k.A, k.B, k.Relationship
		case k.B.Node:
			mine, theirs, rel = k.B, k.A, invertRelationship(k.Relationship)
		default:
			continue
		}
		peer := idx[theirs.Node]
		peerASN, ok := l.routerASN(peer)
		if !ok || peer.AS == me.AS {
			continue
		}
		out = append(out, BGPSession{
			Peer: peer.Name, PeerAddr: theirs.Addr.Addr(), LocalAddr: mine.Addr.Addr(),
			LocalAS: myASN, PeerAS: peerASN, Iface: mine.Iface, Relationship: rel,
		})
	}
	return out
}

// externalSessions are the node's neighbor blocks with an address.
func (l *Lab) externalSessions(node string) []BGPSession {
	me := l.Node(node)
	myASN, ok := l.routerASN(me)
	if !ok {
		return nil
	}
	var out []BGPSession
	for _, nb := range me.BGPNeighbors {
		if !nb.Address.IsValid() {
			continue
		}
		s := BGPSession{PeerAddr: nb.Address, LocalAS: myASN, PeerAS: nb.ASN, IBGP: nb.ASN == myASN,
			Import: nb.Import, Export: nb.Export, Passive: nb.Passive, Description: nb.Description}
		for _, ifc := range me.Interfaces {
			if ifc.Addr.Contains(nb.Address) {
				s.LocalAddr, s.Iface = ifc.Addr.Addr(), ifc.Name
				break
			}
		}
		if !s.LocalAddr.IsValid() && me.Loopback.IsValid() {
			s.LocalAddr = me.Loopback.Addr()
		}
		out = append(out, s)
	}
	return out
}

// bgpAS reports whether the routers of AS asName speak BGP: the AS has a
// link to a router of another AS, or one of its routers has an external
// neighbor.
func (l *Lab) bgpAS(asName string, idx map[string]*Node) bool {
	for _, k := range l.Links {
		a, b := idx[k.A.Node], idx[k.B.Node]
		if a != nil && b != nil && a.AS != b.AS && (a.AS == asName || b.AS == asName) &&
			l.AS(a.AS) != nil && l.AS(b.AS) != nil {
			return true
		}
	}
	for _, n := range l.Nodes {
		if n.Kind == KindRouter && n.AS == asName && len(l.externalSessions(n.Name)) > 0 {
			return true
		}
	}
	return false
}

// BGPSessions derives a router's BGP sessions from the model: eBGP on every
// link to a router of another AS, iBGP between the loopbacks of the
// routers of a BGP-speaking AS (a full mesh, or with route_reflectors each
// reflector to every router and each client to the reflectors only), and
// the router's neighbor blocks with an address. Neighbor blocks naming a
// router attach their policy to the session with that router. Nil for a
// node that speaks no BGP.
func (l *Lab) BGPSessions(node string) []BGPSession {
	idx := l.routerIndex()
	me := idx[node]
	myASN, ok := l.routerASN(me)
	if !ok {
		return nil
	}
	out := l.ebgpLinkSessionsIdx(node, idx)
	if l.bgpAS(me.AS, idx) && me.Loopback.IsValid() {
		rrs := l.AS(me.AS).RouteReflectors
		iAmRR := slices.Contains(rrs, node)
		for _, n := range l.Nodes {
			if n.Kind != KindRouter || n.AS != me.AS || n.Name == node || !n.Loopback.IsValid() {
				continue
			}
			peerRR := slices.Contains(rrs, n.Name)
			if len(rrs) > 0 && !iAmRR && !peerRR {
				continue // two clients: the reflectors carry their routes
			}
			out = append(out, BGPSession{Peer: n.Name, PeerAddr: n.Loopback.Addr(), LocalAddr: me.Loopback.Addr(),
				LocalAS: myASN, PeerAS: myASN, IBGP: true, RRClient: iAmRR && !peerRR})
		}
	}
	for _, nb := range me.BGPNeighbors {
		if nb.Peer == "" {
			continue
		}
		for i := range out {
			if out[i].Peer == nb.Peer {
				out[i].Import, out[i].Export = nb.Import, nb.Export
				out[i].Passive = nb.Passive
				out[i].Description = nb.Description
			}
		}
	}
	return append(out, l.externalSessions(node)...)
}

// BGPOriginated lists the prefixes a router originates into BGP: its AS's
// prefixes when it is a border router (it has an eBGP or external
// session), and the public IP pool of every VPC it is the edge of.
func (l *Lab) BGPOriginated(node string) []netip.Prefix {
	me := l.Node(node)
	if _, ok := l.routerASN(me); !ok {
		return nil
	}
	var out []netip.Prefix
	border := false
	for _, s := range l.BGPSessions(node) {
		if !s.IBGP {
			border = true
		}
	}
	if border {
		out = append(out, l.AS(me.AS).Prefixes...)
	}
	for _, v := range l.VPCs {
		if v.Edge == node && v.PublicIPPool.IsValid() && !slices.Contains(out, v.PublicIPPool) {
			out = append(out, v.PublicIPPool)
		}
	}
	return out
}

package agent

import (
	"fmt"
	"net/netip"

	"github.com/netemu/netemu/routing/bgp"
	"github.com/netemu/netemu/topo"
)

// BGPConfigFor derives a router's BGP configuration from the model; nil
// when the router has no BGP session. It lives here rather than in
// routing/bgp so the speaker knows nothing of the lab model.
func BGPConfigFor(lab *topo.Lab, node string) (*bgp.Config, error) {
	n := lab.Node(node)
	if n == nil {
		return nil, fmt.Errorf("bgp: no node %q", node)
	}
	sessions := lab.BGPSessions(node)
	if len(sessions) == 0 {
		return nil, nil
	}
	pols, lists := BGPPolicies(lab)
	cfg := &bgp.Config{Node: node, ASN: sessions[0].LocalAS, RouterID: routerID(n),
		Originate: lab.BGPOriginated(node), Policies: pols, PrefixLists: lists}
	t := lab.Timers
	for _, s := range sessions {
		name := s.Peer
		if name == "" {
			name = s.PeerAddr.String()
		}
		cfg.Peers = append(cfg.Peers, bgp.PeerConfig{
			Name: name, LocalAS: s.LocalAS, PeerAS: s.PeerAS, LocalAddr: s.LocalAddr, PeerAddr: s.PeerAddr,
			RouterID: cfg.RouterID, Iface: s.Iface, Passive: s.Passive,
			Hold: t.BGPHold, Keepalive: t.BGPKeepalive, ConnectRetry: t.BGPConnectRetry,
			Relationship: s.Relationship, Import: s.Import, Export: s.Export, Description: s.Description,
			RRClient: s.RRClient,
		})
	}
	if _, err := bgp.NewPolicies(cfg.Policies, cfg.PrefixLists); err != nil {
		return nil, fmt.Errorf("bgp %s: %w", node, err)
	}
	return cfg, nil
}

// BGPPolicies converts the lab's policies and prefix lists into the
// speaker's own types.
func BGPPolicies(lab *topo.Lab) ([]*bgp.Policy, []*bgp.PrefixList) {
	var pols []*bgp.Policy
	for _, p := range lab.Policies {
		bp := &bgp.Policy{Name: p.Name, Default: p.Default}
		for _, t := range p.Terms {
			bp.Terms = append(bp.Terms, bgp.PolicyTerm{
				Name: t.Name, PrefixList: t.PrefixList, ASPath: t.ASPath, Community: t.Community,
				Action: t.Action, SetLocalPref: t.SetLocalPref, SetMED: t.SetMED,
				AddCommunities: t.AddCommunities, Prepend: t.Prepend,
			})
		}
		pols = append(pols, bp)
	}
	var lists []*bgp.PrefixList
	for _, l := range lab.PrefixLists {
		bl := &bgp.PrefixList{Name: l.Name}
		for _, e := range l.Entries {
			bl.Entries = append(bl.Entries, bgp.PrefixListEntry{Prefix: e.Prefix, GE: e.GE, LE: e.LE, Action: e.Action})
		}
		lists = append(lists, bl)
	}
	return pols, lists
}

// routerID is the loopback, else the highest interface address.
func routerID(n *topo.Node) netip.Addr {
	if n.Loopback.IsValid() {
		return n.Loopback.Addr()
	}
	var id netip.Addr
	for _, i := range n.Interfaces {
		if a := i.Addr.Addr(); a.Is4() && (!id.IsValid() || id.Less(a)) {
			id = a
		}
	}
	return id
}

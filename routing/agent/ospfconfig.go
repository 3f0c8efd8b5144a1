package agent

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/netemu/netemu/routing/ospf"
	"github.com/netemu/netemu/topo"
)

// ospfTimers are the interface timers and origination pacing of a lab's
// timer set: RFC 2328's defaults, or fast ones (hello 1 s, dead 4 s) for
// labs that demonstrate convergence.
func ospfTimers(lab *topo.Lab) (hello, dead, rxmt time.Duration, c ospf.Config) {
	if lab.TimersName == "fast" {
		return time.Second, 4 * time.Second, 2 * time.Second,
			ospf.Config{SPFDelay: 50 * time.Millisecond, MinLSInterval: 500 * time.Millisecond, MinLSArrival: 200 * time.Millisecond}
	}
	return 10 * time.Second, 40 * time.Second, 5 * time.Second,
		ospf.Config{SPFDelay: 200 * time.Millisecond, MinLSInterval: 5 * time.Second, MinLSArrival: time.Second}
}

// ospfConfigFor is nil when OSPF runs on none of the router's interfaces.
// What the file leaves out is an operator's default: area 0, cost 10,
// point-to-point on veth links and broadcast (DR/BDR) on switches; the
// loopback and every connected network OSPF does not run on (hosts, eBGP
// links) are passive stub networks; router ID = loopback. The AS's ospf
// block gives stub areas, authentication and redistribution.
func ospfConfigFor(lab *topo.Lab, n *topo.Node) (*ospf.Config, error) {
	hello, dead, rxmt, c := ospfTimers(lab)
	var aso *topo.ASOSPF
	if as := lab.AS(n.AS); as != nil {
		aso = as.OSPF
	}
	var auth *ospf.Auth
	if aso != nil && aso.Auth != nil {
		auth = &ospf.Auth{Type: aso.Auth.Type, Key: aso.Auth.Key, KeyID: aso.Auth.KeyID}
	}
	active := 0
	var rid netip.Addr
	var areas []ID
	var floating []int // stubs without an ospf block: in the router's home area
	for _, i := range n.Interfaces {
		if !i.Addr.IsValid() {
			continue
		}
		lo := lab.OSPFOf(i.Link)
		oi := ospf.Interface{Name: i.Name, Addr: i.Addr, Area: ospf.ID(lo.Area), Type: ospf.PointToPoint, Cost: lo.Cost,
			Hello: hello, Dead: dead, Retransmit: rxmt, Auth: auth}
		if lab.SwitchOf(i) != nil {
			oi.Type = ospf.Broadcast
		}
		switch {
		case lab.OSPFLink(i.Link) && !lo.Passive:
			active++
		case !lab.OSPFLink(i.Link) && aso.Redistributes(topo.RedistributeConnected):
			// A network OSPF does not run on, as an AS-external route.
			c.External = append(c.External, ospf.External{Prefix: i.Addr.Masked(), Metric: 20})
			continue
		default:
			oi.Passive, oi.Auth = true, nil
			if !lab.OSPFLink(i.Link) && lab.Links[i.Link].OSPF == nil {
				// Were it in area 0 by default, a router whose OSPF
				// links are all in area 1 would be an ABR whose backbone
				// is its stubs.
				floating = append(floating, len(c.Interfaces))
				c.Interfaces = append(c.Interfaces, oi)
				continue
			}
		}
		if !slices.Contains(areas, oi.Area) {
			areas = append(areas, oi.Area)
		}
		if !n.Loopback.IsValid() && (!rid.IsValid() || rid.Less(i.Addr.Addr())) {
			rid = i.Addr.Addr()
		}
		c.Interfaces = append(c.Interfaces, oi)
	}
	if active == 0 {
		return nil, nil
	}
	// The loopback and the stubs join the backbone if the router is in
	// it, else its first area.
	area := areas[0]
	if slices.Contains(areas, 0) {
		area = 0
	}
	for _, k := range floating {
		c.Interfaces[k].Area = area
	}
	if n.Loopback.IsValid() {
		rid = n.Loopback.Addr()
		c.Interfaces = append([]ospf.Interface{{Name: "lo", Addr: n.Loopback, Area: area, Passive: true}}, c.Interfaces...)
	}
	if !rid.Is4() {
		return nil, fmt.Errorf("agent: router %q: no IPv4 address for an OSPF router ID", n.Name)
	}
	c.RouterID = ospf.IDOf(rid)
	for _, a := range areas {
		c.Areas = append(c.Areas, ospf.Area{ID: a, Stub: a != 0 && aso.Stub(topo.OSPFArea(a))})
	}
	if aso.Redistributes(topo.RedistributeStatic) {
		for _, r := range n.Routes {
			c.External = append(c.External, ospf.External{Prefix: r.To, Metric: 20})
		}
	}
	return &c, nil
}

// ID is an OSPF area or router ID.
type ID = ospf.ID

// igpOSPF is an AS's igp = "ospf".
const igpOSPF = topo.IGPOSPF

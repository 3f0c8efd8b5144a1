package agent

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/netemu/netemu/routing/ospf"
	"github.com/netemu/netemu/topo"
)

// igpOSPF is an AS's igp = "ospf". TODO(language): topo.IGPOSPF once the
// language accepts it; per-link area/cost/passive, switches (broadcast)
// and the AS's stub_areas/auth are read here once the model has them.
const igpOSPF = "ospf"

// ospfInterface reports whether OSPF speaks on a router's interface:
// towards a router of the same AS when the AS's IGP is OSPF, or on a link
// marked `igp = true` (a host running its own OSPF speaker) in such an AS.
func ospfInterface(lab *topo.Lab, n *topo.Node, i *topo.Interface) bool {
	as := lab.AS(n.AS)
	if as == nil || as.IGP != igpOSPF {
		return false
	}
	if i.Link >= 0 && i.Link < len(lab.Links) && lab.Links[i.Link].IGP {
		return true
	}
	p := lab.Node(i.Peer)
	return p != nil && p.Kind == topo.KindRouter && p.AS == n.AS
}

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
// Defaults are an operator's: everything in area 0, point-to-point on
// veth links, cost 10; the loopback and every other connected network
// (hosts, eBGP links) are passive stub networks; router ID = loopback.
func ospfConfigFor(lab *topo.Lab, n *topo.Node) (*ospf.Config, error) {
	hello, dead, rxmt, c := ospfTimers(lab)
	active := 0
	var rid netip.Addr
	if n.Loopback.IsValid() {
		rid = n.Loopback.Addr()
		c.Interfaces = append(c.Interfaces, ospf.Interface{Name: "lo", Addr: n.Loopback, Passive: true})
	}
	for _, i := range n.Interfaces {
		if !i.Addr.IsValid() {
			continue
		}
		oi := ospf.Interface{Name: i.Name, Addr: i.Addr, Type: ospf.PointToPoint, Cost: 10,
			Hello: hello, Dead: dead, Retransmit: rxmt}
		if ospfInterface(lab, n, i) {
			active++
		} else {
			oi.Passive = true
		}
		if !n.Loopback.IsValid() && (!rid.IsValid() || rid.Less(i.Addr.Addr())) {
			rid = i.Addr.Addr()
		}
		c.Interfaces = append(c.Interfaces, oi)
	}
	if active == 0 {
		return nil, nil
	}
	if !rid.Is4() {
		return nil, fmt.Errorf("agent: router %q: no IPv4 address for an OSPF router ID", n.Name)
	}
	c.RouterID = ospf.IDOf(rid)
	c.Areas = []ospf.Area{{ID: 0}}
	return &c, nil
}

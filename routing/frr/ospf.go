package frr

import (
	"fmt"
	"strings"

	"github.com/netemu/netemu/routing/ospf"
	"github.com/netemu/netemu/topo"
)

// ospfdConfig renders ospfd.conf from the OSPF configuration netemu's
// agent would run (agent.ConfigFor): the same interfaces, areas, network
// types, costs, timers, passive stubs and authentication, the AS's stub
// areas and redistribution. "" when OSPF runs nowhere on the router.
func ospfdConfig(lab *topo.Lab, n *topo.Node, c *ospf.Config) string {
	if c == nil || len(c.Interfaces) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "hostname %s\nlog stdout informational\n", n.Name)
	for _, i := range c.Interfaces {
		fmt.Fprintf(&b, "interface %s\n", i.Name)
		fmt.Fprintf(&b, " ip ospf area %s\n", i.Area)
		if i.Name == "lo" || i.Passive {
			b.WriteString("exit\n")
			continue
		}
		if i.Type == ospf.PointToPoint {
			b.WriteString(" ip ospf network point-to-point\n")
		}
		if i.Cost > 0 {
			fmt.Fprintf(&b, " ip ospf cost %d\n", i.Cost)
		}
		if i.Priority > 0 {
			fmt.Fprintf(&b, " ip ospf priority %d\n", i.Priority)
		}
		if i.Hello > 0 {
			fmt.Fprintf(&b, " ip ospf hello-interval %d\n", secs(i.Hello))
		}
		if i.Dead > 0 {
			fmt.Fprintf(&b, " ip ospf dead-interval %d\n", secs(i.Dead))
		}
		if i.Retransmit > 0 {
			fmt.Fprintf(&b, " ip ospf retransmit-interval %d\n", secs(i.Retransmit))
		}
		if a := i.Auth; a != nil {
			switch a.Type {
			case "md5":
				fmt.Fprintf(&b, " ip ospf authentication message-digest\n ip ospf message-digest-key %d md5 %s\n", a.KeyID, a.Key)
			case "simple":
				fmt.Fprintf(&b, " ip ospf authentication\n ip ospf authentication-key %s\n", a.Key)
			}
		}
		b.WriteString("exit\n")
	}
	b.WriteString("router ospf\n")
	fmt.Fprintf(&b, " ospf router-id %s\n", c.RouterID)
	for _, i := range c.Interfaces {
		if i.Name == "lo" || i.Passive {
			fmt.Fprintf(&b, " passive-interface %s\n", i.Name)
		}
	}
	for _, a := range c.Areas {
		switch {
		case a.Stub && a.NoSummary:
			fmt.Fprintf(&b, " area %s stub no-summary\n", a.ID)
		case a.Stub:
			fmt.Fprintf(&b, " area %s stub\n", a.ID)
		}
		if a.Stub && a.DefaultCost > 0 {
			fmt.Fprintf(&b, " area %s default-cost %d\n", a.ID, a.DefaultCost)
		}
	}
	if c.SPFDelay > 0 {
		d := c.SPFDelay.Milliseconds()
		fmt.Fprintf(&b, " timers throttle spf %d %d %d\n", d, 2*d, 5000)
	}
	if c.MinLSArrival > 0 {
		fmt.Fprintf(&b, " timers lsa min-arrival %d\n", c.MinLSArrival.Milliseconds())
	}
	if as := lab.AS(n.AS); as != nil && as.OSPF != nil {
		// netemu's static routes are written into the kernel by the
		// builder, so zebra knows them as kernel routes.
		for _, r := range []struct{ what, frr string }{
			{topo.RedistributeStatic, "kernel"},
			{topo.RedistributeConnected, "connected"},
			{topo.RedistributeBGP, "bgp"},
		} {
			if as.OSPF.Redistributes(r.what) {
				fmt.Fprintf(&b, " redistribute %s\n", r.frr)
			}
		}
	}
	b.WriteString("exit\n")
	return b.String()
}

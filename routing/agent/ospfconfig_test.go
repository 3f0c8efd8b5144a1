package agent

import (
	"testing"
	"time"

	"github.com/netemu/netemu/routing/ospf"
	"github.com/netemu/netemu/topo"
)

func TestOSPFConfigForRing(t *testing.T) {
	lab, err := topo.LoadExample("rip-ring")
	if err != nil {
		t.Fatal(err)
	}
	r1 := lab.Node("r1")
	if c, err := ConfigFor(lab, "r1"); err != nil || c.OSPF != nil {
		t.Fatalf("RIP lab: OSPF config %+v, %v", c.OSPF, err)
	}
	lab.AS(r1.AS).IGP = igpOSPF
	c, err := ConfigFor(lab, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if c.RIP != nil {
		t.Errorf("an OSPF AS runs RIP too: %+v", c.RIP)
	}
	o := c.OSPF
	if o == nil {
		t.Fatal("no OSPF config")
	}
	if o.RouterID != ospf.IDOf(r1.Loopback.Addr()) {
		t.Errorf("router ID %s, want the loopback %s", o.RouterID, r1.Loopback.Addr())
	}
	active := map[string]bool{}
	for _, i := range o.Interfaces {
		if !i.Passive {
			active[i.Name] = true
		}
		if i.Area != 0 {
			t.Errorf("%s in area %s, want the backbone", i.Name, i.Area)
		}
	}
	for _, i := range r1.Interfaces {
		want := i.Peer == "r2" || i.Peer == "r4"
		if active[i.Name] != want {
			t.Errorf("%s (to %s): active %v, want %v", i.Name, i.Peer, active[i.Name], want)
		}
	}
	if len(o.Interfaces) != len(r1.Interfaces)+1 || o.Interfaces[0].Name != "lo" || !o.Interfaces[0].Passive {
		t.Errorf("interfaces %+v: want lo (passive) and every interface", o.Interfaces)
	}
	hello := 10 * time.Second
	if lab.TimersName == "fast" {
		hello = time.Second
	}
	if o.Interfaces[1].Hello != hello {
		t.Errorf("hello %v with timers %q", o.Interfaces[1].Hello, lab.TimersName)
	}
}

package agent

import (
	"net/netip"
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

// TestOSPFConfigForBlocks: link ospf blocks, a switch, the AS's stub areas
// and auth, and a host link left passive.
func TestOSPFConfigForBlocks(t *testing.T) {
	pfx := netip.MustParsePrefix
	lab := &topo.Lab{Name: "o", TimersName: "fast"}
	lab.ASes = []*topo.AS{{Name: "x", IGP: topo.IGPOSPF, OSPF: &topo.ASOSPF{StubAreas: []topo.OSPFArea{1},
		Auth: &topo.OSPFAuth{Type: "md5", Key: "k", KeyID: 3}}}}
	r1 := &topo.Node{Name: "r1", Kind: topo.KindRouter, AS: "x", Loopback: pfx("10.255.0.1/32"), Interfaces: []*topo.Interface{
		{Name: "eth0", Addr: pfx("10.0.1.1/30"), Link: 0, Peer: "r2", PeerIface: "eth0"},
		{Name: "eth1", Addr: pfx("10.0.9.1/24"), Link: 1, Peer: "sw", PeerIface: "p1"},
		{Name: "eth2", Addr: pfx("192.168.1.1/24"), Link: 2, Peer: "h", PeerIface: "eth0"},
	}}
	r2 := &topo.Node{Name: "r2", Kind: topo.KindRouter, AS: "x", Interfaces: []*topo.Interface{
		{Name: "eth0", Addr: pfx("10.0.1.2/30"), Link: 0, Peer: "r1", PeerIface: "eth0"}}}
	sw := &topo.Node{Name: "sw", Kind: topo.KindSwitch}
	h := &topo.Node{Name: "h", Kind: topo.KindHost}
	lab.Nodes = []*topo.Node{r1, r2, sw, h}
	lab.Links = []*topo.Link{
		{Kind: topo.LinkP2P, A: topo.Endpoint{Node: "r1", Iface: "eth0"}, B: topo.Endpoint{Node: "r2", Iface: "eth0"},
			OSPF: &topo.LinkOSPF{Area: 1, Cost: 5}},
		{Kind: topo.LinkSwitch, A: topo.Endpoint{Node: "r1", Iface: "eth1"}, B: topo.Endpoint{Node: "sw", Iface: "p1"}},
		{Kind: topo.LinkP2P, A: topo.Endpoint{Node: "r1", Iface: "eth2"}, B: topo.Endpoint{Node: "h", Iface: "eth0"}},
	}
	c, err := ospfConfigFor(lab, r1)
	if err != nil || c == nil {
		t.Fatalf("config %v, %v", c, err)
	}
	by := map[string]ospf.Interface{}
	for _, i := range c.Interfaces {
		by[i.Name] = i
	}
	if i := by["eth0"]; i.Area != 1 || i.Cost != 5 || i.Type != ospf.PointToPoint || i.Passive || i.Auth == nil || i.Auth.KeyID != 3 {
		t.Errorf("eth0 %+v: want area 1, cost 5, p2p, active, md5 key 3", i)
	}
	if i := by["eth1"]; i.Area != 0 || i.Type != ospf.Broadcast || i.Passive {
		t.Errorf("eth1 (switch) %+v: want area 0, broadcast, active", i)
	}
	if i := by["eth2"]; !i.Passive || i.Auth != nil {
		t.Errorf("eth2 (host) %+v: want passive, no auth", i)
	}
	if i := by["lo"]; i.Area != 0 || !i.Passive {
		t.Errorf("lo %+v: want passive in the backbone", i)
	}
	want := map[ospf.ID]bool{0: false, 1: true}
	if len(c.Areas) != 2 {
		t.Fatalf("areas %+v", c.Areas)
	}
	for _, a := range c.Areas {
		if want[a.ID] != a.Stub {
			t.Errorf("area %s stub %v", a.ID, a.Stub)
		}
	}
	if c.Interfaces[1].Hello != time.Second {
		t.Errorf("fast timers: hello %v", c.Interfaces[1].Hello)
	}
}

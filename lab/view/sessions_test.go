package view

import (
	"net/netip"
	"testing"

	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/bfd"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

const ospfLab = `
lab "o" {}
autonomous_system "a" {
  asn = 65001
  igp = "ospf"
  bfd {}
}
router "r1" { as = "a" }
router "r2" { as = "a" }
switch "lan" { subnet = "10.9.0.0/29" }
link "r1" "r2" {}
link "r1" "lan" {}
link "r2" "lan" {}
`

func TestExpectedProtocols(t *testing.T) {
	l, err := topo.Parse([]byte(ospfLab), "o.hcl")
	if err != nil {
		t.Fatal(err)
	}
	g := New(l, nil)
	want := map[string]Protocols{
		"r1:eth0--r2:eth0":  {OSPF: Unknown, BFD: Unknown},
		"r1:eth1--lan:eth0": {OSPF: Unknown}, // no BFD towards a segment
		"r2:eth1--lan:eth1": {OSPF: Unknown},
	}
	for _, k := range g.Links {
		got := Protocols{k.BGP, k.RIP, k.OSPF, k.BFD}
		if got != want[k.ID] {
			t.Errorf("%s: %+v, want %+v", k.ID, got, want[k.ID])
		}
	}
	seed, err := topo.LoadExample(topo.Seed)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range New(seed, nil).Links {
		if k.OSPF != "" || k.BFD != "" {
			t.Errorf("seed %s: ospf %q bfd %q, want none", k.ID, k.OSPF, k.BFD)
		}
	}
}

func TestApplySessions(t *testing.T) {
	l, err := topo.Parse([]byte(ospfLab), "o.hcl")
	if err != nil {
		t.Fatal(err)
	}
	g := New(l, nil)
	p2p, port := "r1:eth0--r2:eth0", "r1:eth1--lan:eth0"
	get := func(id string) Link {
		for _, k := range g.Links {
			if k.ID == id {
				return k
			}
		}
		t.Fatalf("no link %s", id)
		return Link{}
	}
	peer := netip.MustParseAddr("100.64.0.2")
	steps := []struct {
		name    string
		apply   func() []SessionChange
		changes int
		id      string
		ospf    string
		bfd     string
	}{
		{"adjacency Full on both", func() []SessionChange {
			return g.ApplyView(l, converge.View{Node: "r1", OSPFNeighbours: []converge.OSPFNeighbour{
				{Addr: peer, Iface: "eth0", State: "Full"}, {Addr: netip.MustParseAddr("10.9.0.2"), Iface: "eth1", State: "Full"}}})
		}, 2, p2p, "up", Unknown},
		{"same answer, no change", func() []SessionChange {
			return g.ApplyView(l, converge.View{Node: "r1", OSPFNeighbours: []converge.OSPFNeighbour{
				{Addr: peer, Iface: "eth0", State: "Full"}, {Addr: netip.MustParseAddr("10.9.0.2"), Iface: "eth1", State: "Full"}}})
		}, 0, p2p, "up", Unknown},
		{"2-Way is not an adjacency", func() []SessionChange {
			return g.ApplyView(l, converge.View{Node: "r1", OSPFNeighbours: []converge.OSPFNeighbour{
				{Addr: peer, Iface: "eth0", State: "2-Way"}, {Addr: netip.MustParseAddr("10.9.0.2"), Iface: "eth1", State: "Full"}}})
		}, 1, p2p, "down", Unknown},
		{"an agent that did not answer changes nothing", func() []SessionChange {
			return g.ApplyView(l, converge.View{Node: "r1", Err: errTest{}})
		}, 0, p2p, "down", Unknown},
		{"BFD Up", func() []SessionChange {
			return g.ApplyBFD(l, "r1", []bfd.SessionStatus{{Key: bfd.Key{Peer: peer, Iface: "eth0"}, State: bfd.StateUp}})
		}, 1, p2p, "down", "up"},
		{"neighbour-up event", func() []SessionChange {
			return g.ApplyEvent(l, routing.Event{Node: "r1", Daemon: "ospf", Kind: routing.EventNeighbourUp, Peer: peer, Iface: "eth0"})
		}, 1, p2p, "up", "up"},
		{"BFD session-down event", func() []SessionChange {
			return g.ApplyEvent(l, routing.Event{Node: "r1", Daemon: "bfd", Kind: routing.EventSessionDown, Peer: peer, Iface: "eth0"})
		}, 1, p2p, "up", "down"},
		{"OSPF down on the switch port by interface", func() []SessionChange {
			return g.ApplyEvent(l, routing.Event{Node: "r1", Daemon: "ospf", Kind: routing.EventNeighbourDown, Peer: netip.MustParseAddr("10.9.0.2"), Iface: "eth1"})
		}, 1, port, "down", ""},
		{"BFD on a port without BFD is ignored", func() []SessionChange {
			return g.ApplyEvent(l, routing.Event{Node: "r1", Daemon: "bfd", Kind: routing.EventSessionUp, Iface: "eth1"})
		}, 0, port, "down", ""},
	}
	for _, s := range steps {
		cs := s.apply()
		if len(cs) != s.changes {
			t.Errorf("%s: %d changes %+v, want %d", s.name, len(cs), cs, s.changes)
		}
		if k := get(s.id); k.OSPF != s.ospf || k.BFD != s.bfd {
			t.Errorf("%s: %s ospf %q bfd %q, want %q %q", s.name, s.id, k.OSPF, k.BFD, s.ospf, s.bfd)
		}
	}
}

type errTest struct{}

func (errTest) Error() string { return "no answer" }

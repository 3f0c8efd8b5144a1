package agent

import (
	"net/netip"
	"testing"
	"time"

	"github.com/netemu/netemu/routing/bfd"
	"github.com/netemu/netemu/topo"
)

func TestBFDConfigFor(t *testing.T) {
	lab, err := topo.Parse([]byte(`lab "bfd" {
  timers = "fast"
  bfd {
    interval = "200ms"
    multiplier = 4
  }
}
autonomous_system "a" {
  asn = 64501
  bfd { interval = "100ms" }
}
autonomous_system "b" { asn = 64502 }
router "a1" {
  as = "a"
  loopback = "192.0.2.1/32"
}
router "a2" {
  as = "a"
  loopback = "192.0.2.2/32"
}
router "b1" { as = "b" }
link "a1" "a2" { subnet = "10.0.12.0/30" }
link "a1" "b1" { subnet = "10.0.13.0/30" }
`), "bfd.hcl")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ConfigFor(lab, "a1")
	if err != nil {
		t.Fatal(err)
	}
	got := map[bfd.Key]BFDSession{}
	for _, s := range cfg.BFD {
		got[s.Key] = s
	}
	a := netip.MustParseAddr
	want := []BFDSession{
		// RIP to a2 on the AS's inside link: the AS's 100 ms × 3.
		{SessionConfig: bfd.SessionConfig{Key: bfd.Key{Peer: a("10.0.12.2"), Local: a("10.0.12.1"), Iface: "eth0"},
			MinTx: 100 * time.Millisecond, MinRx: 100 * time.Millisecond, Multiplier: 3}, RIP: true},
		// eBGP to b1: the lab's 200 ms × 4, single hop.
		{SessionConfig: bfd.SessionConfig{Key: bfd.Key{Peer: a("10.0.13.2"), Local: a("10.0.13.1"), Iface: "eth1"},
			MinTx: 200 * time.Millisecond, MinRx: 200 * time.Millisecond, Multiplier: 4}, BGP: true},
		// iBGP to a2 between loopbacks: multihop, the AS's timers.
		{SessionConfig: bfd.SessionConfig{Key: bfd.Key{Peer: a("192.0.2.2"), Local: a("192.0.2.1"), Multihop: true},
			MinTx: 100 * time.Millisecond, MinRx: 100 * time.Millisecond, Multiplier: 3}, BGP: true},
	}
	if len(got) != len(want) {
		t.Errorf("got %d sessions: %+v", len(got), cfg.BFD)
	}
	for _, w := range want {
		if g, ok := got[w.Key]; !ok || g != w {
			t.Errorf("session %s: got %+v, want %+v", w.Key, g, w)
		}
	}
	for _, s := range cfg.BFD {
		if err := s.Validate(); err != nil {
			t.Error(err)
		}
	}
	// Without bfd blocks there are none.
	plain, err := topo.Parse([]byte(`lab "plain" {}
autonomous_system "a" { asn = 64501 }
router "a1" { as = "a" }
router "a2" { as = "a" }
link "a1" "a2" {}
`), "plain.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := ConfigFor(plain, "a1"); err != nil || len(cfg.BFD) != 0 {
		t.Fatalf("plain lab: %v %+v", err, cfg)
	}
}

type fakeDaemon struct {
	Daemon
	name string
}

func (f fakeDaemon) Name() string { return f.name }

type bfdFake struct{ fakeDaemon }

func (bfdFake) BFDDown(netip.Addr, string) {}
func (bfdFake) BFDUp(netip.Addr)           {}

type ospfFake struct {
	fakeDaemon
	down *[]netip.Addr
}

func (o ospfFake) NeighbourDown(a netip.Addr) { *o.down = append(*o.down, a) }

func TestBFDClients(t *testing.T) {
	var downs []netip.Addr
	ds := []Daemon{bfdFake{fakeDaemon{name: "bgp"}}, bfdFake{fakeDaemon{name: "rip"}}, ospfFake{fakeDaemon{name: "ospf"}, &downs}}
	if n := len(bfdClients(BFDSession{BGP: true}, ds)); n != 1 {
		t.Fatalf("bgp-only session: %d clients", n)
	}
	if n := len(bfdClients(BFDSession{BGP: true, RIP: true}, ds)); n != 2 {
		t.Fatalf("bgp+rip session: %d clients", n)
	}
	cs := bfdClients(BFDSession{OSPF: true}, ds)
	if len(cs) != 1 {
		t.Fatalf("ospf session: %d clients", len(cs))
	}
	cs[0].BFDDown(netip.MustParseAddr("10.0.0.2"), "test")
	if len(downs) != 1 || downs[0] != netip.MustParseAddr("10.0.0.2") {
		t.Fatalf("OSPF told %v", downs)
	}
}

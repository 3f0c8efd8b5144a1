package topo

import (
	"net/netip"
	"reflect"
	"testing"
)

func TestBGPSessionsSeed(t *testing.T) {
	l, err := LoadExample(Seed)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		peer string
		ibgp bool
		as   uint32
	}
	cases := map[string][]want{
		"home-gw":   {{"home-core", true, 64500}},
		"home-core": {{"transit-a", false, 64510}, {"transit-b", false, 64510}, {"home-gw", true, 64500}},
		"transit-a": {{"home-core", false, 64500}, {"aws-edge", false, 16509}, {"transit-b", true, 64510}},
		"aws-edge":  {{"transit-a", false, 64510}, {"transit-b", false, 64510}},
		"mac":       nil,
	}
	for node, ws := range cases {
		got := l.BGPSessions(node)
		if len(got) != len(ws) {
			t.Errorf("%s: %d sessions %+v, want %d", node, len(got), got, len(ws))
			continue
		}
		for i, w := range ws {
			s := got[i]
			if s.Peer != w.peer || s.IBGP != w.ibgp || s.PeerAS != w.as {
				t.Errorf("%s session %d: %+v, want %+v", node, i, s, w)
			}
			if !s.LocalAddr.IsValid() || !s.PeerAddr.IsValid() {
				t.Errorf("%s session %d: addresses missing: %+v", node, i, s)
			}
			if s.IBGP {
				if s.Iface != "" || s.LocalAddr != l.Node(node).Loopback.Addr() || s.PeerAddr != l.Node(s.Peer).Loopback.Addr() {
					t.Errorf("%s iBGP session not on loopbacks: %+v", node, s)
				}
			} else {
				ifc := l.Node(node).Interface(s.Iface)
				if ifc == nil || ifc.Addr.Addr() != s.LocalAddr || !ifc.Addr.Contains(s.PeerAddr) {
					t.Errorf("%s eBGP session not on its link: %+v", node, s)
				}
			}
		}
	}
	// Both ends agree on addresses.
	a, e := l.BGPSessions("transit-a")[1], l.BGPSessions("aws-edge")[0]
	if a.LocalAddr != e.PeerAddr || a.PeerAddr != e.LocalAddr {
		t.Errorf("ends disagree: %+v / %+v", a, e)
	}
	orig := map[string][]netip.Prefix{
		"home-gw":   nil,
		"home-core": {netip.MustParsePrefix("198.51.100.0/24")},
		"transit-b": {netip.MustParsePrefix("192.0.2.0/24")},
		"aws-edge":  {netip.MustParsePrefix("203.0.113.128/25")},
	}
	for node, want := range orig {
		if got := l.BGPOriginated(node); !reflect.DeepEqual(got, want) {
			t.Errorf("%s originates %v, want %v", node, got, want)
		}
	}
}

func TestBGPSessionsRelationshipAndNeighbors(t *testing.T) {
	src := `
lab "t" {}
autonomous_system "a" {
  asn = 65001
  igp = "static"
}
autonomous_system "b" {
  asn = 65002
  igp = "static"
}
policy "p-in" {
  term "all" { action = "accept" }
  default = "accept"
}
router "a1" {
  as = "a"
  bgp {
    neighbor "b1" {
      import = "p-in"
    }
    neighbor "10.9.0.2" {
      asn = 4200000001
      description = "bird"
      passive = true
    }
  }
}
router "b1" { as = "b" }
host "ext" {}
link "a1" "b1" {
  relationship = "provider"
}
link "a1" "ext" {
  subnet = "10.9.0.0/30"
}
`
	l, err := Parse([]byte(src), "t.hcl")
	if err != nil {
		t.Fatal(err)
	}
	a := l.BGPSessions("a1")
	if len(a) != 2 {
		t.Fatalf("a1 sessions %+v", a)
	}
	if a[0].Peer != "b1" || a[0].Relationship != "provider" || a[0].Import != "p-in" {
		t.Errorf("a1→b1 %+v", a[0])
	}
	if a[1].PeerAddr != netip.MustParseAddr("10.9.0.2") || a[1].LocalAddr != netip.MustParseAddr("10.9.0.1") ||
		a[1].PeerAS != 4200000001 || !a[1].Passive || a[1].Iface == "" {
		t.Errorf("external %+v", a[1])
	}
	b := l.BGPSessions("b1")
	if len(b) != 1 || b[0].Relationship != "customer" || b[0].Import != "" {
		t.Errorf("b1 sessions %+v", b)
	}
}

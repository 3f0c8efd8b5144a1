package topo

import (
	"net/netip"
	"testing"
)

const switchLab = `
lab "sw" { timers = "fast" }
autonomous_system "isp" {
  asn = 64500
  igp = "ospf"
  ospf {
    stub_areas   = [1, "0.0.0.2"]
    auth         = { type = "md5", key = "secret", key_id = 7 }
    redistribute = ["static", "connected"]
  }
}
router "r1" { as = "isp" }
router "r2" { as = "isp" }
router "r3" { as = "isp" }
host "pc" {}
host "nas" {}
switch "lan1" { subnet = "10.1.0.0/24" }
link "lan1" "r1" {}              # the switch first: normalised
link "r2" "lan1" { address = "10.1.0.1" }
link "pc" "lan1" {}
link "nas" "lan1" {}
link "r1" "r3" {
  ospf {
    area = "0.0.0.1"
    cost = 100
  }
}
link "r2" "r3" {
  ospf {
    area    = 1
    passive = true
  }
}
`

func TestSwitchAndOSPF(t *testing.T) {
	l, err := ParseWith([]byte(switchLab), "sw.hcl", Options{LookPath: testLookPath})
	if err != nil {
		t.Fatal(err)
	}
	sw := l.Node("lan1")
	if sw == nil || sw.Kind != KindSwitch || sw.Switch.Subnet != netip.MustParsePrefix("10.1.0.0/24") {
		t.Fatalf("switch: %+v", sw)
	}
	// r2 took .1 explicitly; the others get the next free ones in link order.
	want := map[string]string{"r1": "10.1.0.2/24", "r2": "10.1.0.1/24", "pc": "10.1.0.3/24", "nas": "10.1.0.4/24"}
	members := l.SwitchMembers("lan1")
	if len(members) != 4 {
		t.Fatalf("members: %+v", members)
	}
	for _, m := range members {
		if m.Addr.String() != want[m.Node] {
			t.Errorf("%s on lan1: %s, want %s", m.Node, m.Addr, want[m.Node])
		}
	}
	if len(sw.Interfaces) != 4 || sw.Interfaces[0].Addr.IsValid() {
		t.Errorf("switch ports: %+v", sw.Interfaces)
	}
	// A host on a switch routes by default via the first router on it.
	pc := l.Node("pc")
	if len(pc.Routes) != 1 || pc.Routes[0].Via.String() != "10.1.0.2" {
		t.Errorf("pc routes: %+v", pc.Routes)
	}
	r1 := l.Node("r1")
	if got := l.SwitchOf(r1.Interfaces[0]); got != sw {
		t.Errorf("SwitchOf(r1 eth0) = %v", got)
	}
	if l.SwitchOf(r1.Interfaces[1]) != nil {
		t.Errorf("r1 eth1 is point-to-point")
	}
	as := l.AS("isp")
	if as.IGP != IGPOSPF || as.OSPF == nil {
		t.Fatalf("as: %+v", as)
	}
	if !as.OSPF.Stub(1) || !as.OSPF.Stub(2) || as.OSPF.Stub(0) {
		t.Errorf("stub areas: %v", as.OSPF.StubAreas)
	}
	if a := as.OSPF.Auth; a == nil || a.Type != "md5" || a.Key != "secret" || a.KeyID != 7 {
		t.Errorf("auth: %+v", a)
	}
	if !as.OSPF.Redistributes(RedistributeStatic) || as.OSPF.Redistributes(RedistributeBGP) {
		t.Errorf("redistribute: %v", as.OSPF.Redistribute)
	}
	for i, k := range l.Links {
		o := l.OSPFOf(i)
		switch {
		case k.A.Node == "r1" && k.B.Node == "r3":
			if o.Area != 1 || o.Cost != 100 || o.Passive {
				t.Errorf("r1–r3: %+v", o)
			}
		case k.A.Node == "r2" && k.B.Node == "r3":
			if o.Area != 1 || o.Cost != OSPFDefaultCost || !o.Passive {
				t.Errorf("r2–r3: %+v", o)
			}
		default:
			if o.Area != 0 || o.Cost != OSPFDefaultCost {
				t.Errorf("%s–%s: %+v", k.A.Node, k.B.Node, o)
			}
		}
		wantOSPF := k.A.Node != "pc" && k.A.Node != "nas"
		if l.OSPFLink(i) != wantOSPF {
			t.Errorf("OSPFLink(%s–%s) = %v", k.A.Node, k.B.Node, !wantOSPF)
		}
	}
}

func TestOSPFArea(t *testing.T) {
	for _, c := range []struct {
		in   string
		want OSPFArea
		ok   bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"0.0.0.1", 1, true}, {"1.2.3.4", 0x01020304, true},
		{"4294967295", 0xffffffff, true}, {"4294967296", 0, false}, {"-1", 0, false},
		{"1.2.3", 0, false}, {"x", 0, false}, {"", 0, false},
	} {
		got, prob := ParseOSPFArea(c.in)
		if (prob == "") != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseOSPFArea(%q) = %v, %q", c.in, got, prob)
		}
		if c.ok {
			var back OSPFArea
			txt, _ := got.MarshalText()
			if err := back.UnmarshalText(txt); err != nil || back != got {
				t.Errorf("round trip %v: %v %v", got, back, err)
			}
		}
	}
}

// TestOSPFStubLink: a host's link to an OSPF router takes an ospf block
// (the stub network's area and cost) though OSPF speaks nothing there.
func TestOSPFStubLink(t *testing.T) {
	l, err := ParseWith([]byte(`
lab "stub" {}
autonomous_system "isp" {
  asn = 64500
  igp = "ospf"
}
router "r1" { as = "isp" }
host "h" {}
link "r1" "h" {
  ospf { area = 1 }
}
`), "stub.hcl", Options{LookPath: testLookPath})
	if err != nil {
		t.Fatal(err)
	}
	if l.OSPFLink(0) || l.OSPFOf(0).Area != 1 {
		t.Errorf("stub link: OSPFLink %v, %+v", l.OSPFLink(0), l.OSPFOf(0))
	}
}

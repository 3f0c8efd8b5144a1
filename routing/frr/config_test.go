package frr

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netemu/netemu/topo"
)

func TestConfigForSeed(t *testing.T) {
	lab, err := topo.LoadExample(topo.Seed)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ConfigFor(lab, "transit-a")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"router rip", "timers basic 5 30 20", "redistribute connected"} {
		if !strings.Contains(c.RIPd, want) {
			t.Errorf("ripd.conf lacks %q:\n%s", want, c.RIPd)
		}
	}
	for _, want := range []string{"router bgp 64510", "timers bgp 3 9", "remote-as 16509", "remote-as 64500", "remote-as 64510", "update-source", "next-hop-self", "network 192.0.2.0/24"} {
		if !strings.Contains(c.BGPd, want) {
			t.Errorf("bgpd.conf lacks %q:\n%s", want, c.BGPd)
		}
	}
	c, err = ConfigFor(lab, "aws-edge")
	if err != nil {
		t.Fatal(err)
	}
	if c.RIPd != "" || !strings.Contains(c.BGPd, "network 203.0.113.128/25") {
		t.Errorf("aws-edge: ripd %q\nbgpd:\n%s", c.RIPd, c.BGPd)
	}
}

func TestPrefixListText(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		e    topo.PrefixListEntry
		want string
	}{
		{topo.PrefixListEntry{Prefix: p("10.0.0.0/8")}, "ip prefix-list NE-PL-l seq 5 permit 10.0.0.0/8\n"},
		{topo.PrefixListEntry{Prefix: p("10.0.0.0/8"), Action: "deny"}, "ip prefix-list NE-PL-l seq 5 deny 10.0.0.0/8\n"},
		{topo.PrefixListEntry{Prefix: p("10.0.0.0/8"), LE: 24}, "ip prefix-list NE-PL-l seq 5 permit 10.0.0.0/8 le 24\n"},
		{topo.PrefixListEntry{Prefix: p("10.0.0.0/8"), GE: 16}, "ip prefix-list NE-PL-l seq 5 permit 10.0.0.0/8 ge 16 le 32\n"},
		{topo.PrefixListEntry{Prefix: p("10.0.0.0/8"), GE: 16, LE: 24}, "ip prefix-list NE-PL-l seq 5 permit 10.0.0.0/8 ge 16 le 24\n"},
		// FRR wants len < ge: a GE at the prefix's length is "le" alone.
		{topo.PrefixListEntry{Prefix: p("10.0.0.0/8"), GE: 8, LE: 24}, "ip prefix-list NE-PL-l seq 5 permit 10.0.0.0/8 le 24\n"},
		{topo.PrefixListEntry{Prefix: p("10.1.2.3/8")}, "ip prefix-list NE-PL-l seq 5 permit 10.0.0.0/8\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		prefixListText(&b, &topo.PrefixList{Name: "l", Entries: []topo.PrefixListEntry{tt.e}})
		if b.String() != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.e, b.String(), tt.want)
		}
	}
	var b strings.Builder
	prefixListText(&b, &topo.PrefixList{Name: "empty list"})
	if want := "ip prefix-list NE-PL-empty_list seq 5 deny any\n"; b.String() != want {
		t.Errorf("empty list: got %q, want %q", b.String(), want)
	}
}

func TestASPathRegexAndCommunity(t *testing.T) {
	for in, want := range map[string]string{`^65001 `: `^65001 `, `\d+$`: `[0-9]+$`, `(?:65001|65002)\s`: `(65001|65002)[ ]`} {
		if got := asPathRegex(in); got != want {
			t.Errorf("asPathRegex(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"65000:1": "65000:1", "no-export": "no-export", "no-advertise": "no-advertise", "no-export-subconfed": "local-AS"} {
		if got := community(in); got != want {
			t.Errorf("community(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConfigValley checks the session lines of the policy lab.
func TestConfigValley(t *testing.T) {
	lab, err := topo.Load("testdata/valley.hcl")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		node      string
		want, not []string
	}{
		{"p2", []string{
			"bgp bestpath compare-routerid", "bgp deterministic-med", "maximum-paths 1", "distance bgp 121 200 200",
			"network 10.2.0.0/16 route-map NE-ORIGIN",
			"route-map NE-ORIGIN permit 10\n set tag 28261\n",
			// p1 is p2's peer: only p2's own and its customers' routes.
			"route-map NE-OUT-100.64.0.5 permit 10\n match tag 28261\n set large-comm-list NE-REL delete\n call NE-POL-p2-to-p1\n",
			"route-map NE-OUT-100.64.0.5 permit 20\n match large-community NE-CUSTOMER\n",
			"route-map NE-OUT-100.64.0.5 deny 30\n",
			"bgp large-community-list standard NE-CUSTOMER seq 5 permit 65002:28261:1\n",
			"route-map NE-IN-100.64.0.5 permit 10\n set local-preference 100\n set large-community 65002:28261:2 additive\n",
			"route-map NE-POL-p2-to-p1 deny 10\n match community NE-POL-p2-to-p1-10\n",
			"route-map NE-POL-p2-to-p1 permit 20\n",
		}, nil},
		{"c", []string{
			"route-map NE-IN-100.64.0.9 permit 10\n set local-preference 50\n set large-community 65003:28261:3 additive\n call NE-POL-c-from-p1\n",
			"route-map NE-POL-c-from-p1 permit 10\n match ip address prefix-list NE-PL-d-main\n set local-preference 300\nexit\n",
			"route-map NE-POL-c-to-p1 permit 10\n set as-path prepend 65003 65003 65003\n",
			"ip prefix-list NE-PL-d-main seq 5 permit 10.4.0.0/16\n",
		}, []string{"NE-PL-d-second", "NE-POL-t-from-p1"}},
		{"d", []string{
			"route-map NE-POL-d-to-p2 permit 10\n match ip address prefix-list NE-PL-d-second\n set community 65004:100 additive\n on-match next\n",
			"route-map NE-POL-d-to-p2 permit 20\n set metric 7\n",
			"ip prefix-list NE-PL-d-second seq 5 permit 10.44.0.0/16 le 24\n",
		}, nil},
		{"t", []string{
			// t has customers only: no valley to avoid.
			"network 10.5.0.0/16\n",
			"bgp as-path access-list NE-POL-t-from-p1-10 seq 5 permit 65003$\n",
			"route-map NE-POL-t-from-p1 deny 10\n match as-path NE-POL-t-from-p1-10\n",
		}, []string{"NE-ORIGIN", "deny 30"}},
	}
	for _, tt := range tests {
		c, err := ConfigFor(lab, tt.node)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(c.BGPd, w) {
				t.Errorf("%s: bgpd.conf lacks %q:\n%s", tt.node, w, c.BGPd)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(c.BGPd, w) {
				t.Errorf("%s: bgpd.conf has %q:\n%s", tt.node, w, c.BGPd)
			}
		}
	}
}

// TestConfigFRRAccepts has FRR's vtysh check every generated file of the
// examples and the policy lab (skipped where FRR is not installed).
func TestConfigFRRAccepts(t *testing.T) {
	vtysh, err := exec.LookPath("vtysh")
	if err != nil {
		t.Skip("FRR's vtysh is not installed")
	}
	valley, err := topo.Load("testdata/valley.hcl")
	if err != nil {
		t.Fatal(err)
	}
	labs := []*topo.Lab{valley}
	for _, name := range []string{topo.Seed, "bgp-chain", "rip-ring"} {
		l, err := topo.LoadExample(name)
		if err != nil {
			t.Fatal(err)
		}
		labs = append(labs, l)
	}
	dir := t.TempDir()
	for _, lab := range labs {
		for _, n := range lab.Nodes {
			if n.Kind != topo.KindRouter {
				continue
			}
			c, err := ConfigFor(lab, n.Name)
			if err != nil {
				t.Fatal(err)
			}
			for d, text := range map[string]string{"zebra": c.Zebra, "ripd": c.RIPd, "bgpd": c.BGPd} {
				if text == "" {
					continue
				}
				f := filepath.Join(dir, lab.Name+"-"+n.Name+"-"+d+".conf")
				if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				if out, err := exec.Command(vtysh, "-C", "-f", f).CombinedOutput(); err != nil {
					t.Errorf("%s %s %s: vtysh -C: %v\n%s\n%s", lab.Name, n.Name, d, err, out, text)
				}
			}
		}
	}
}

// TestConfigSessionKnobs: the knobs netemu's speaker honours on a session
// reach bgpd: description, passive, and eBGP to an address no link
// reaches runs between loopbacks, multihop as netemu's TTL allows.
func TestConfigSessionKnobs(t *testing.T) {
	lab, err := topo.Parse([]byte(`
lab "t" {}
autonomous_system "a" {
  asn = 65001
  igp = "static"
}
router "a1" {
  as = "a"
  bgp {
    neighbor "10.9.0.2" {
      asn         = 4200000001
      description = "bird feed"
      passive     = true
      import      = "in"
    }
    neighbor "192.0.2.200" { asn = 65000 }
  }
}
host "ext" {}
link "a1" "ext" { subnet = "10.9.0.0/30" }
policy "in" {
  term "t" {
    community      = "no-export-subconfed"
    set_local_pref = 10
  }
  default = "reject"
}
`), "t.hcl")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ConfigFor(lab, "a1")
	if err != nil {
		t.Fatal(err)
	}
	lo := lab.Node("a1").Loopback.Addr()
	for _, w := range []string{
		" neighbor 10.9.0.2 remote-as 4200000001\n neighbor 10.9.0.2 description bird feed\n",
		" neighbor 10.9.0.2 passive\n",
		" neighbor 192.0.2.200 update-source " + lo.String() + "\n neighbor 192.0.2.200 ebgp-multihop 255\n",
		"  neighbor 10.9.0.2 route-map NE-IN-10.9.0.2 in\n",
		// No relationship: tags stripped, nothing else.
		"route-map NE-OUT-10.9.0.2 permit 10\n set large-comm-list NE-REL delete\nexit\n",
		"route-map NE-IN-10.9.0.2 permit 10\n call NE-POL-in\nexit\n",
		"bgp community-list standard NE-POL-in-10 seq 5 permit local-AS\n",
		"route-map NE-POL-in permit 10\n match community NE-POL-in-10\n set local-preference 10\nexit\nroute-map NE-POL-in deny 20\n",
	} {
		if !strings.Contains(c.BGPd, w) {
			t.Errorf("bgpd.conf lacks %q:\n%s", w, c.BGPd)
		}
	}
	for _, w := range []string{"neighbor 10.9.0.2 update-source", "neighbor 10.9.0.2 ebgp-multihop", "NE-IN-192.0.2.200", "NE-ORIGIN"} {
		if strings.Contains(c.BGPd, w) {
			t.Errorf("bgpd.conf has %q:\n%s", w, c.BGPd)
		}
	}
}

// TestConfigRouteReflector: route_reflectors on an AS makes the
// reflector's bgpd name its clients, and the clients peer only with it.
func TestConfigRouteReflector(t *testing.T) {
	lab, err := topo.Parse([]byte(`
lab "t" {}
autonomous_system "a" {
  asn              = 65001
  route_reflectors = ["a1"]
}
autonomous_system "b" { asn = 65002 }
router "a1" { as = "a" }
router "a2" { as = "a" }
router "a3" { as = "a" }
router "b1" { as = "b" }
link "a1" "a2" {}
link "a1" "a3" {}
link "a2" "b1" {}
`), "t.hcl")
	if err != nil {
		t.Fatal(err)
	}
	lo := func(n string) string { return lab.Node(n).Loopback.Addr().String() }
	rr, err := ConfigFor(lab, "a1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"a2", "a3"} {
		if w := "  neighbor " + lo(c) + " route-reflector-client\n"; !strings.Contains(rr.BGPd, w) {
			t.Errorf("reflector's bgpd.conf lacks %q:\n%s", w, rr.BGPd)
		}
	}
	cl, err := ConfigFor(lab, "a2")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cl.BGPd, "route-reflector-client") || strings.Contains(cl.BGPd, " neighbor "+lo("a3")+" ") {
		t.Errorf("client's bgpd.conf reflects or peers with another client:\n%s", cl.BGPd)
	}
}

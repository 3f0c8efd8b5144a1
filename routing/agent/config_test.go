package agent

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/netemu/netemu/topo"
)

func ripIfaces(c *Config) []string {
	if c.RIP == nil {
		return nil
	}
	var s []string
	for _, i := range c.RIP.Interfaces {
		s = append(s, i.Name)
	}
	return s
}

func TestConfigForRing(t *testing.T) {
	lab, err := topo.LoadExample("rip-ring")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ConfigFor(lab, "r1")
	if err != nil {
		t.Fatal(err)
	}
	r1 := lab.Node("r1")
	// RIP towards r2 and r4, not towards the host "left".
	var want []string
	for _, i := range r1.Interfaces {
		if i.Peer == "r2" || i.Peer == "r4" {
			want = append(want, i.Name)
		}
	}
	if got := ripIfaces(c); !slices.Equal(got, want) || len(got) != 2 {
		t.Errorf("rip interfaces %v, want %v", got, want)
	}
	if len(c.RIP.Connected) != len(r1.Interfaces) {
		t.Errorf("connected %v: want all %d interfaces (the host subnet is originated too)", c.RIP.Connected, len(r1.Interfaces))
	}
	if !slices.Equal(c.RIP.Originate, []netip.Prefix{r1.Loopback}) {
		t.Errorf("originate %v, want the loopback %v", c.RIP.Originate, r1.Loopback)
	}
	if c.RIP.Update != lab.Timers.RIPUpdate || c.RIP.Timeout != lab.Timers.RIPTimeout || c.RIP.Garbage != lab.Timers.RIPGarbage {
		t.Errorf("timers %+v, lab %+v", c.RIP, lab.Timers)
	}
	if c.RIP.Auth != nil {
		t.Errorf("auth %+v without rip_auth", c.RIP.Auth)
	}
	if _, err := ConfigFor(lab, "left"); err == nil {
		t.Error("ConfigFor a host: no error")
	}
	if _, err := ConfigFor(lab, "nope"); err == nil {
		t.Error("ConfigFor an unknown node: no error")
	}
}

func TestConfigForSeed(t *testing.T) {
	lab, err := topo.LoadExample(topo.Seed)
	if err != nil {
		t.Fatal(err)
	}
	peers := func(node string) []string {
		c, err := ConfigFor(lab, node)
		if err != nil {
			t.Fatal(err)
		}
		var ps []string
		n := lab.Node(node)
		for _, name := range ripIfaces(c) {
			ps = append(ps, n.Interface(name).Peer)
		}
		return ps
	}
	tests := []struct {
		node string
		want []string
	}{
		{"home-gw", []string{"home-core"}},   // not towards mac
		{"home-core", []string{"home-gw"}},   // not towards transit (eBGP)
		{"transit-a", []string{"transit-b"}}, // inside transit
		{"transit-b", []string{"transit-a"}}, //
		{"aws-edge", nil},                    // igp static
	}
	for _, tt := range tests {
		if got := peers(tt.node); !slices.Equal(got, tt.want) {
			t.Errorf("%s: RIP towards %v, want %v", tt.node, got, tt.want)
		}
	}
}

func TestConfigForAuthAndIGPLink(t *testing.T) {
	lab, err := topo.LoadExample("rip-ring")
	if err != nil {
		t.Fatal(err)
	}
	lab.AS("ring").RIPAuth = &topo.RIPAuth{Type: "md5", Key: "k", KeyID: 4}
	for _, l := range lab.Links {
		if l.A.Node == "r1" && l.B.Node == "left" {
			l.IGP = true
		}
	}
	c, err := ConfigFor(lab, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if a := c.RIP.Auth; a == nil || a.Type != "md5" || a.Key != "k" || a.KeyID != 4 {
		t.Errorf("auth %+v", a)
	}
	if got := ripIfaces(c); len(got) != 3 {
		t.Errorf("igp = true link not in RIP: %v", got)
	}
	lab.AS("ring").RIPAuth.Type = "sha"
	if _, err := ConfigFor(lab, "r1"); err == nil {
		t.Error("unknown auth type accepted")
	}
}

package frr

import (
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

package converge

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/netemu/netemu/topo"
)

// TestTraceAcrossSwitch: a packet sent into a switch goes to the member
// holding the next hop (the gateway, or the destination on-link), with a
// hop through the switch; a next hop nobody on the segment holds is a
// blackhole.
func TestTraceAcrossSwitch(t *testing.T) {
	lab, err := topo.Parse([]byte(`
lab "s" {}
autonomous_system "a" {
  asn = 64500
  igp = "ospf"
}
router "r1" { as = "a" }
router "r2" { as = "a" }
host "pc" {}
host "srv" {}
switch "lan" { subnet = "10.1.0.0/24" }
link "r1" "lan" {}  # 10.1.0.1
link "r2" "lan" {}  # 10.1.0.2
link "pc" "lan" {}  # 10.1.0.3
link "r2" "srv" { subnet = "10.9.0.0/30" }
`), "s.hcl")
	if err != nil {
		t.Fatal(err)
	}
	dst := netip.MustParseAddr("10.9.0.2")
	tables := fakeTables{
		"pc":  {OutIface: "eth0", Gateway: gw("10.1.0.1")},
		"r1":  {OutIface: "eth0", Gateway: gw("10.1.0.2")},
		"r2":  {OutIface: "eth1"},
		"srv": {Local: true},
	}
	p, err := Trace(lab, tables, "pc", dst, TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var nodes []string
	for _, h := range p.Hops {
		nodes = append(nodes, h.Node+"/"+h.InIface+">"+h.OutIface)
	}
	want := "pc/>eth0 lan/eth2>eth0 r1/eth0>eth0 lan/eth0>eth1 r2/eth0>eth1 srv/eth0>"
	if p.Result != Reached || strings.Join(nodes, " ") != want {
		t.Errorf("%s: %s\nwant %s", p.Result, strings.Join(nodes, " "), want)
	}
	tables["r1"] = Lookup{OutIface: "eth0", Gateway: gw("10.1.0.99")}
	p, err = Trace(lab, tables, "pc", dst, TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Result != Blackhole || !strings.Contains(p.Detail, "no node on lan holds 10.1.0.99") {
		t.Errorf("unknown next hop: %s %q", p.Result, p.Detail)
	}
}

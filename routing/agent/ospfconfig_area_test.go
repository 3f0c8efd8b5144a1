package agent

import (
	"testing"

	"github.com/netemu/netemu/routing/ospf"
	"github.com/netemu/netemu/topo"
)

// TestOSPFStubArea: a router whose OSPF links are all in area 1 keeps its
// loopback and its hosts' links there (no backbone of stubs, so no ABR),
// unless the file puts a host's link elsewhere.
func TestOSPFStubArea(t *testing.T) {
	lab, err := topo.Parse([]byte(`
lab "a" {}
autonomous_system "isp" {
  asn = 64500
  igp = "ospf"
}
router "r1" { as = "isp" }
router "r2" { as = "isp" }
host "h1" {}
host "h2" {}
link "r1" "r2" {
  ospf { area = 1 }
}
link "r2" "h1" {}
link "r2" "h2" {
  ospf { area = 2 }
}
`), "a.hcl")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ospfConfigFor(lab, lab.Node("r2"))
	if err != nil || c == nil {
		t.Fatal(c, err)
	}
	want := map[string]ospf.ID{"lo": 1, "eth0": 1, "eth1": 1, "eth2": 2}
	for _, i := range c.Interfaces {
		if i.Area != want[i.Name] {
			t.Errorf("%s in area %s, want %s", i.Name, i.Area, want[i.Name])
		}
	}
	if len(c.Areas) != 2 {
		t.Errorf("areas %+v, want 1 and 2", c.Areas)
	}
}

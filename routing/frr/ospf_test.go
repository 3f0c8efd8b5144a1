package frr

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netemu/netemu/topo"
)

// TestOSPFdConfig: an OSPF AS's routers get ospfd configured as netemu's
// agent would run OSPF (areas, network types, costs, passive stubs, MD5,
// stub areas, redistribution), and FRR accepts the files where installed.
func TestOSPFdConfig(t *testing.T) {
	lab, err := topo.Parse([]byte(`
lab "o" { timers = "fast" }
autonomous_system "isp" {
  asn = 64500
  igp = "ospf"
  ospf {
    stub_areas   = [1]
    auth         = { type = "md5", key = "s3cret", key_id = 3 }
    redistribute = ["static"]
  }
}
router "r1" { as = "isp" }
router "r2" { as = "isp" }
router "r3" { as = "isp" }
host "pc" {}
switch "lan" { subnet = "10.1.0.0/24" }
link "r1" "lan" {}
link "r2" "lan" {}
link "pc" "lan" {}
link "r1" "r3" {
  ospf {
    area = 1
    cost = 50
  }
}
`), "o.hcl")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ConfigFor(lab, "r1")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"interface eth0\n ip ospf area 0.0.0.0\n ip ospf cost 10\n ip ospf hello-interval 1\n ip ospf dead-interval 4\n",
		"interface eth1\n ip ospf area 0.0.0.1\n ip ospf network point-to-point\n ip ospf cost 50\n",
		" ip ospf authentication message-digest\n ip ospf message-digest-key 3 md5 s3cret\n",
		" ospf router-id 100.127.0.1\n",
		" passive-interface lo\n",
		" area 0.0.0.1 stub\n",
		" redistribute kernel\n",
	} {
		if !strings.Contains(c.OSPFd, want) {
			t.Errorf("ospfd.conf lacks %q:\n%s", want, c.OSPFd)
		}
	}
	if c.RIPd != "" {
		t.Errorf("an OSPF AS runs no ripd:\n%s", c.RIPd)
	}
	vtysh, err := exec.LookPath("vtysh")
	if err != nil {
		t.Log("vtysh not installed: FRR's own check skipped")
		return
	}
	f := filepath.Join(t.TempDir(), "ospfd.conf")
	if err := os.WriteFile(f, []byte(c.OSPFd), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(vtysh, "-C", "-f", f).CombinedOutput(); err != nil {
		t.Errorf("vtysh -C: %v\n%s\n%s", err, out, c.OSPFd)
	}
}

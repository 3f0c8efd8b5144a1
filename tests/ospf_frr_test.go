package tests

// daemons = "frr" with igp = "ospf": FRR's ospfd runs in the routers,
// configured from the same file as netemu's OSPF (a switch with a DR
// election, a stub area behind an ABR, MD5), and wait reads its neighbours.

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/tests/labtest"
)

const ospfFRRLab = `lab "x" {
  timers = "fast"
}
autonomous_system "isp" {
  asn = 64500
  igp = "ospf"
  ospf {
    stub_areas = [1]
    auth       = { type = "md5", key = "k1", key_id = 2 }
  }
}
router "r1" { as = "isp" }
router "r2" { as = "isp" }
router "r3" { as = "isp" }
host "pc" {}
host "far" {}
switch "lan1" { subnet = "10.1.0.0/24" }
link "r1" "lan1" {}
link "r2" "lan1" {}
link "pc" "lan1" {}
link "r2" "r3" {
  ospf { area = 1 }
}
link "r3" "far" {}
`

func TestOSPFFRRMode(t *testing.T) {
	frrNeed(t)
	file, lab := frrLabFile(t, []byte(ospfFRRLab), "ofrr", true)
	upLab(t, file)
	dir := filepath.Join(labpath.StateDir(lab, ""), "nodes")
	neighbours := func(node string) ([]converge.OSPFNeighbour, error) {
		out, errs, err := runNetemu(t, "--lab", lab, "exec", node, "--", "vtysh", "--vty_socket", filepath.Join(dir, node, "frr"), "-c", "show ip ospf neighbor json")
		if err != nil {
			return nil, fmt.Errorf("vtysh on %s: %w: %s", node, err, errs)
		}
		return converge.FRROSPFNeighbours([]byte(out)), nil
	}
	full := func(node string, ifaces ...string) func() error {
		return func() error {
			nbs, err := neighbours(node)
			if err != nil {
				return err
			}
			for _, want := range ifaces {
				ok := false
				for _, n := range nbs {
					ok = ok || (n.Iface == want && n.State == "Full")
				}
				if !ok {
					return fmt.Errorf("%s: no Full neighbour on %s: %+v", node, want, nbs)
				}
			}
			return nil
		}
	}
	// r2 is the ABR: Full with r1 on the switch (area 0) and r3 (stub area 1).
	labtest.Eventually(t, 60*time.Second, labtest.Named("r2 Full on both sides", full("r2", "eth0", "eth1")))
	ping := func(from, to string) func() error {
		return func() error {
			_, err := execErr(t, lab, from, "ping", "-c1", "-W1", to)
			return err
		}
	}
	// pc (on the switch, default via r1) reaches far behind r3: r1 knows
	// area 1 by r2's summaries.
	farAddr := hostAddr(t, lab, "far")
	labtest.Eventually(t, 60*time.Second, labtest.Named("pc pings far", ping("pc", farAddr)))
	if out := execIn(t, lab, "r3", "vtysh", "--vty_socket", filepath.Join(dir, "r3", "frr"), "-c", "show ip ospf database"); !strings.Contains(out, "[Stub]") {
		t.Errorf("r3's area 1 is not a stub area:\n%s", out)
	}

	// netemu ospf asks ospfd: the DR on the switch, both neighbours Full.
	if out := netemu(t, "--lab", lab, "ospf", "r2"); !strings.Contains(out, "Full/") || !strings.Contains(out, "broadcast") {
		t.Errorf("netemu ospf r2 on an FRR lab:\n%s", out)
	}

	// Cutting r2–r3 takes far away from pc; repairing it brings it back.
	netemu(t, "--lab", lab, "link", "down", "r2", "r3")
	labtest.Eventually(t, 30*time.Second, labtest.Named("far unreachable after the cut", func() error {
		if ping("pc", farAddr)() == nil {
			return fmt.Errorf("pc still reaches far")
		}
		return nil
	}))
	netemu(t, "--lab", lab, "link", "up", "r2", "r3")
	labtest.Eventually(t, 60*time.Second, labtest.Named("pc pings far after the repair", ping("pc", farAddr)))
}

// hostAddr is a host's first interface address from the lab's model.
func hostAddr(t *testing.T, lab, node string) string {
	t.Helper()
	n := st(t, lab).Model.Node(node)
	if n == nil || len(n.Interfaces) == 0 {
		t.Fatalf("no node %s with an interface", node)
	}
	return n.Interfaces[0].Addr.Addr().String()
}

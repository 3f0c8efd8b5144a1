package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/netemu/netemu/tests/labtest"
)

// TestParallelLinks: two routers joined by two links. `link down r1 r2`
// is ambiguous and refused; faults on NODE:IFACE ends are kept apart, so
// repairing one link leaves the other's fault in force and `wait`
// converges (it used to wait for the repaired link's twin forever).
func TestParallelLinks(t *testing.T) {
	labtest.RequireRoot(t)
	lab := labtest.UniqueName("par")
	src := fmt.Sprintf(`lab %q { timers = "fast" }
autonomous_system "core" { asn = 65001 }
router "r1" { as = "core" }
router "r2" { as = "core" }
host "a" {}
host "b" {}
link "r1:eth0" "r2:eth0" { subnet = "10.50.255.0/30" }
link "r1:eth1" "r2:eth1" { subnet = "10.50.255.4/30" }
link "r1" "a" { subnet = "10.50.1.0/24" }
link "r2" "b" { subnet = "10.50.2.0/24" }
`, lab)
	upLab(t, labtest.WriteFile(t, lab+".hcl", []byte(src)))
	if _, errs, err := runNetemu(t, "--lab", lab, "link", "down", "r1", "r2"); err == nil || !strings.Contains(errs, "r1:eth0 r2:eth0, r1:eth1 r2:eth1") {
		t.Errorf("ambiguous link down: %v: %s", err, errs)
	}
	netemu(t, "--lab", lab, "link", "down", "r1:eth1", "r2:eth1")
	netemu(t, "--lab", lab, "link", "down", "r1:eth0", "r2:eth0")
	netemu(t, "--lab", lab, "link", "up", "r1:eth0", "r2:eth0")
	if out := netemu(t, "--lab", lab, "wait", "--timeout", "40s"); !strings.Contains(out, "routing converged") {
		t.Errorf("wait: %s", out)
	}
	tr := netemu(t, "--lab", lab, "trace", "a", "b")
	if !strings.Contains(tr, "reached") || !strings.Contains(tr, "out eth0") || strings.Contains(tr, "[link-down]") {
		t.Errorf("trace over the repaired link, unflagged:\n%s", tr)
	}
}

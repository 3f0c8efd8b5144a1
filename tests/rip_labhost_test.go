package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// TestRIPLabBIRDHost runs BIRD as a `process` of a host node, on a link
// marked `igp = true`, next to two netemu routers brought up by
// `netemu up`: RIP crosses both ways, through the language's own path.
func TestRIPLabBIRDHost(t *testing.T) {
	labtest.RequireRoot(t)
	if _, err := exec.LookPath("bird"); err != nil {
		t.Skip("BIRD not installed")
	}
	name := labtest.UniqueName("riphost")
	dir := t.TempDir()
	_ = os.Chmod(dir, 0o755)
	conf := filepath.Join(dir, "bird.conf")
	sock := filepath.Join(dir, "bird.ctl")
	if err := os.WriteFile(conf, []byte(`router id 10.77.0.2;
protocol device { scan time 1; }
protocol direct { ipv4; interface "eth0"; }
protocol static { ipv4; route 10.88.0.0/24 blackhole; }
protocol kernel { ipv4 { import none; export where source = RTS_RIP; }; }
protocol rip {
	ipv4 { import all; export all; };
	interface "eth0" { version 2; update time 5; timeout time 30; garbage time 20; };
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	hcl := fmt.Sprintf(`lab %q {
  timers = "fast"
}
autonomous_system "as1" {
  asn = 65001
  igp = "rip"
}
router "r1" { as = "as1" }
router "r2" { as = "as1" }
host "birdhost" {
  process "bird" {
    command = ["bird", "-f", "-c", %q, "-s", %q]
  }
}
link "r1" "r2" {}
link "r2" "birdhost" {
  subnet = "10.77.0.0/30"
  igp    = true
}
`, name, conf, sock)
	file := labtest.WriteFile(t, name+".hcl", []byte(hcl))
	model, err := topo.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	lab := upLab(t, file)
	route := func(node, prefix string) string {
		out, _ := exec.Command("ip", "-n", labpath.NetnsName(lab, node), "route", "show", "exact", prefix).CombinedOutput()
		return strings.TrimSpace(string(out))
	}
	// netemu learns BIRD's static prefix: r2 at 2, r1 at 3.
	labtest.Eventually(t, 30*time.Second, labtest.Named("routers learn BIRD's prefix", func() error {
		if err := wantLine(route("r2", "10.88.0.0/24"), "via 10.77.0.2", "proto rip", "metric 2"); err != nil {
			return err
		}
		return wantLine(route("r1", "10.88.0.0/24"), "proto rip", "metric 3")
	}))
	// BIRD's own view: r1's loopback two hops away.
	r1lo := model.Node("r1").Loopback.String()
	labtest.Eventually(t, 30*time.Second, labtest.Named("BIRD learns r1's loopback", func() error {
		out, err := exec.Command("birdc", "-s", sock, "show route "+r1lo+" all").CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		if m := birdMetricRE.FindStringSubmatch(string(out)); m == nil || (m[1] != "3" && m[2] != "3") {
			return fmt.Errorf("no metric 3 in:\n%s", out)
		}
		return wantLine(route("birdhost", r1lo), "via 10.77.0.1", "proto bird")
	}))
	// Traffic follows: the BIRD host reaches r1's loopback.
	execIn(t, lab, "birdhost", "ping", "-c1", "-W2", model.Node("r1").Loopback.Addr().String())
}

package tests

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	labrep "github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// TestRIPRingLab brings up the rip-ring example with `netemu up` (agents
// started by the routing stage) and cuts a link of the ring.
func TestRIPRingLab(t *testing.T) {
	labtest.RequireRoot(t)
	file, _ := labtest.ExampleFile(t, "rip-ring", "ripring")
	model, err := topo.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	lab := upLab(t, file)
	ns := func(node string) string { return labpath.NetnsName(lab, node) }
	route := func(node, prefix string) string {
		out, _ := exec.Command("ip", "-n", ns(node), "route", "show", "exact", prefix).CombinedOutput()
		return strings.TrimSpace(string(out))
	}
	lo := func(node string) string { return model.Node(node).Loopback.String() }
	addrTowards := func(node, peer string) string {
		for _, i := range model.Node(node).Interfaces {
			if i.Peer == peer {
				return i.Addr.Addr().String()
			}
		}
		t.Fatalf("%s has no link to %s", node, peer)
		return ""
	}

	// Every router learns every loopback with its hop count.
	want := map[string]string{"r2": "metric 2", "r4": "metric 2", "r3": "metric 3"}
	labtest.Eventually(t, 30*time.Second, labtest.Named("r1 learns the ring", func() error {
		for n, m := range want {
			if err := wantLine(route("r1", lo(n)), "proto rip", m); err != nil {
				return err
			}
		}
		return nil
	}))
	// `netemu rip r1 -o json`: neighbours heard, table with states.
	var st labrep.RIPReport
	decodeStrict(t, "rip", netemu(t, "--lab", lab, "rip", "r1", "-o", "json"), &st)
	up := 0
	for _, n := range st.Neighbours {
		if n.Up {
			up++
		}
	}
	if up != 2 {
		t.Errorf("r1 hears %d neighbours, want 2: %+v", up, st.Neighbours)
	}
	states := map[string]string{}
	for _, r := range st.Routes {
		states[r.Prefix] = fmt.Sprintf("%d %s", r.Metric, r.State)
	}
	if states[lo("r1")] != "1 local" || states[lo("r3")] != "3 active" {
		t.Errorf("r1's table: %v", states)
	}
	table := netemu(t, "--lab", lab, "rip", "r1")
	for _, s := range []string{"NEIGHBOUR", "PREFIX", lo("r3"), "active"} {
		if !strings.Contains(table, s) {
			t.Errorf("`netemu rip r1` lacks %q:\n%s", s, table)
		}
	}
	// The agent is on UDP 520 inside the router, as lsof shows it.
	if out := execIn(t, lab, "r1", "lsof", "-i", "-n", "-P"); !strings.Contains(out, "UDP *:520") {
		t.Errorf("lsof in r1 shows no UDP *:520:\n%s", out)
	}
	execIn(t, lab, "left", "ping", "-c1", "-W2", "10.9.2.2")

	// Cut r1–r2: r1 reaches r2 the long way (r4, r3) without waiting for
	// a timeout.
	netemu(t, "--lab", lab, "link", "down", "r1", "r2")
	cut := time.Now()
	labtest.Eventually(t, 15*time.Second, labtest.Named("r1 reroutes to r2 via r4", func() error {
		return wantLine(route("r1", lo("r2")), "via "+addrTowards("r4", "r1"), "proto rip", "metric 4")
	}))
	t.Logf("r1 rerouted to r2's loopback %v after the cut (fast timers)", time.Since(cut).Round(time.Millisecond))
	// r1's side is rerouted; r2's way back to left converges on its own
	// triggered updates, so the round trip is awaited, not assumed.
	labtest.Eventually(t, 15*time.Second, labtest.Named("left reaches r2 the long way", func() error {
		_, err := execErr(t, lab, "left", "ping", "-c1", "-W1", lo("r2")[:strings.IndexByte(lo("r2"), '/')])
		return err
	}))

	netemu(t, "--lab", lab, "link", "up", "r1", "r2")
	labtest.Eventually(t, 15*time.Second, labtest.Named("r1 back to the direct path", func() error {
		return wantLine(route("r1", lo("r2")), "via "+addrTowards("r2", "r1"), "proto rip", "metric 2")
	}))
}

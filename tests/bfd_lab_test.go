package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	labrep "github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/bfd"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// TestBFDSeedSilentCut: the seed lab with BFD (100 ms × 3) on every
// session. A silent cut of the transit link mac → web uses is noticed by
// BFD, which tears the BGP session down at once: the timeline shows BFD's
// Down, then BGP's session-down for that reason, then the routes moving,
// and convergence well inside one BGP hold time. The traffic then goes
// through the other transit.
func TestBFDSeedSilentCut(t *testing.T) {
	lab, hold := upBFDSeed(t, "bfdseed", "")

	before := cvTracePath(t, lab, "mac", "web")
	via := cvTransit(before)
	if !cvToAWSVia(before, via) {
		t.Fatalf("before: %s", before.Format())
	}
	// Every BFD session of the eBGP link is Up before the cut.
	labtest.Eventually(t, 30*time.Second, func() error {
		tl := timelineJSON(t, netemu(t, "--lab", lab, "events", "-o", "json"))
		for _, n := range []string{via, "aws-edge"} {
			if !hasEvent(tl, n, "bfd", routing.EventSessionUp, "") {
				return fmt.Errorf("no BFD session-up on %s yet", n)
			}
		}
		return nil
	})

	// `netemu bfd` shows them, as a table and as JSON.
	var bs labrep.BFDReport
	decodeStrict(t, "bfd aws-edge", netemu(t, "--lab", lab, "bfd", "aws-edge", "-o", "json"), &bs)
	up := 0
	for _, s := range bs.Sessions {
		if s.State == bfd.StateUp.String() && s.TxIntervalMS == 100 && s.DetectTimeMS == 300 {
			up++
		}
	}
	if up < 2 {
		t.Errorf("aws-edge has %d BFD sessions Up at 100 ms × 3, want one per transit: %+v", up, bs)
	}
	if out := netemu(t, "--lab", lab, "bfd", "aws-edge"); !strings.Contains(out, "PEER") || !strings.Contains(out, " Up ") {
		t.Errorf("netemu bfd aws-edge:\n%s", out)
	}

	netemu(t, "--lab", lab, "link", "down", "--silent", via, "aws-edge")
	out := netemu(t, "--lab", lab, "wait", "--timeout", "30s")
	t.Logf("after the silent cut: %s", strings.TrimSpace(out))
	tl := timelineJSON(t, netemu(t, "--lab", lab, "events", "-o", "json"))
	t.Logf("timeline:\n%s", netemu(t, "--lab", lab, "events"))
	for _, n := range []string{via, "aws-edge"} {
		bfdDown := eventIndex(tl, n, "bfd", routing.EventSessionDown, "")
		bgpDown := eventIndex(tl, n, "bgp", routing.EventSessionDown, "BFD down")
		if bfdDown < 0 || bgpDown < 0 || bgpDown < bfdDown {
			t.Errorf("%s: BFD session-down at #%d, BGP session-down for BFD at #%d: want both, BFD first", n, bfdDown, bgpDown)
		}
		if i := firstRoutingChange(tl, n); i >= 0 && bfdDown >= 0 && i < bfdDown {
			t.Errorf("%s: routes moved (#%d) before BFD noticed (#%d)", n, i, bfdDown)
		}
	}
	// BFD, not the hold timer, noticed: convergence well inside it.
	if tl.Convergence <= 0 || tl.Convergence >= hold {
		t.Errorf("silent cut with BFD converged in %s, want within (0, %s) (the BGP hold time)", tl.Convergence, hold)
	}
	if p := cvTracePath(t, lab, "mac", "web"); !cvToAWSVia(p, cvOther(via)) {
		t.Fatalf("after the silent cut:\n%s", p.Format())
	}
	netemu(t, "--lab", lab, "link", "up", via, "aws-edge")
	netemu(t, "--lab", lab, "wait", "--timeout", "60s")
	if p := cvTracePath(t, lab, "mac", "web"); cvPathNodes(p) != cvPathNodes(before) {
		t.Fatalf("after the repair: %s, want %s", cvPathNodes(p), cvPathNodes(before))
	}
}

// eventIndex is the index of node's first event of daemon and kind whose
// detail contains detail, or -1.
func eventIndex(tl converge.Timeline, node, daemon string, kind routing.EventKind, detail string) int {
	for i, e := range tl.Entries {
		if e.Event.Node == node && e.Event.Daemon == daemon && e.Event.Kind == kind && strings.Contains(e.Event.Detail, detail) {
			return i
		}
	}
	return -1
}

func hasEvent(tl converge.Timeline, node, daemon string, kind routing.EventKind, detail string) bool {
	return eventIndex(tl, node, daemon, kind, detail) >= 0
}

// firstRoutingChange is the index of node's first RIB or kernel change.
func firstRoutingChange(tl converge.Timeline, node string) int {
	for i, e := range tl.Entries {
		if e.Event.Node == node && e.Event.Kind.IsRoutingChange() {
			return i
		}
	}
	return -1
}

// upBFDSeed brings up the seed lab with BFD 100 ms × 3 on every session
// (and extra lines in the lab block); it returns the lab's name and its
// BGP hold time.
func upBFDSeed(t *testing.T, prefix, extra string) (string, time.Duration) {
	t.Helper()
	labtest.RequireRoot(t)
	src, err := topo.ExampleSource("aws-ssh")
	if err != nil {
		t.Fatal(err)
	}
	lab := labtest.UniqueName(prefix)
	hcl := strings.Replace(string(labtest.RenameLab(src, lab)), `timers = "fast"`,
		"timers = \"fast\"\n  bfd {\n    interval = \"100ms\"\n    multiplier = 3\n  }\n"+extra, 1)
	if !strings.Contains(hcl, "bfd {") {
		t.Fatal("the seed lab no longer says timers = \"fast\": place the bfd block elsewhere")
	}
	upLab(t, labtest.WriteFile(t, lab+".hcl", []byte(hcl)))
	return lab, st(t, lab).Model.Timers.BGPHold
}

// TestBFDSeedSilentCutFRR: the same lab run by FRR (daemons = "frr"):
// bfdd with the lab's profile, bgpd's neighbours bound to it, so the
// silent cut converges inside the hold time there too.
func TestBFDSeedSilentCutFRR(t *testing.T) {
	if _, err := os.Stat("/usr/lib/frr/bfdd"); err != nil {
		t.Skipf("FRR's bfdd not installed: %v", err)
	}
	lab, hold := upBFDSeed(t, "bfdfrr", `  daemons = "frr"`)
	before := cvTracePath(t, lab, "mac", "web")
	via := cvTransit(before)
	if !cvToAWSVia(before, via) {
		t.Fatalf("before: %s", before.Format())
	}
	// bgpd registered its peers with bfdd and the sessions came Up.
	labtest.Eventually(t, 30*time.Second, func() error {
		out, err := (&labtest.Net{Lab: lab}).Command("aws-edge", "vtysh", "--vty_socket", frrDirOf(t, lab, "aws-edge"), "-c", "show bfd peers brief").CombinedOutput()
		if err != nil || strings.Count(string(out), " up ") < 2 {
			return fmt.Errorf("bfdd on aws-edge: %v\n%s", err, out)
		}
		return nil
	})
	netemu(t, "--lab", lab, "link", "down", "--silent", via, "aws-edge")
	netemu(t, "--lab", lab, "wait", "--timeout", "30s")
	tl := timelineJSON(t, netemu(t, "--lab", lab, "events", "-o", "json"))
	t.Logf("timeline:\n%s", netemu(t, "--lab", lab, "events"))
	if tl.Convergence <= 0 || tl.Convergence >= hold {
		t.Errorf("FRR with BFD converged in %s, want within (0, %s) (the BGP hold time)", tl.Convergence, hold)
	}
	if p := cvTracePath(t, lab, "mac", "web"); !cvToAWSVia(p, cvOther(via)) {
		t.Fatalf("after the silent cut:\n%s", p.Format())
	}
}

// frrDirOf is where a router's FRR daemons keep their sockets.
func frrDirOf(t *testing.T, lab, node string) string {
	return filepath.Join(st(t, lab).NodeDir(node), "frr")
}

package tests

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// TestFRRModeEvents: on an FRR lab, each router's route watcher writes the
// routes zebra installs and removes, and the session changes bgpd logs,
// into the router's event log, so `events` after a link cut shows the
// session going down, kernel route changes after the failure and a
// convergence time.
func TestFRRModeEvents(t *testing.T) {
	frrNeed(t)
	src, err := topo.ExampleSource("bgp-chain")
	if err != nil {
		t.Fatal(err)
	}
	file, lab := frrLabFile(t, src, "frrev", true)
	upLab(t, file)
	netemu(t, "--lab", lab, "wait", "--timeout", "90s")
	// `netemu bgp` in an FRR lab asks FRR's bgpd.
	if out, errs, err := runNetemu(t, "--lab", lab, "bgp", "a1"); err != nil || !strings.Contains(out, "FRR bgpd") {
		t.Errorf("bgp in an FRR lab: %v: %s%s", err, out, errs)
	}
	// The watchers logged the routes FRR installed while converging.
	tl := frrTimeline(t, lab, "10m")
	if !slices.ContainsFunc(tl.Entries, func(e converge.Entry) bool {
		return e.Node == "a1" && e.Kind.IsRoutingChange() && e.Prefix == netip.MustParsePrefix("10.3.0.0/16")
	}) {
		t.Fatalf("no kernel route event for 10.3.0.0/16 at a1 while converging:\n%s", tl.Format())
	}
	// a1's prefix reached c1 through b1 (its provider) and b2: the
	// customer tag travelled over FRR's iBGP.
	if !strings.Contains(execIn(t, lab, "c1", "ip", "-4", "route", "show", "10.1.0.0/16"), "via") {
		t.Errorf("c1 has no route to a1's 10.1.0.0/16")
	}
	netemu(t, "--lab", lab, "link", "down", "b2", "c1")
	netemu(t, "--lab", lab, "wait", "--timeout", "90s")
	l, err := topo.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	var after *converge.Timeline
	labtest.Eventually(t, 3*l.Timers.BGPHold, labtest.Until("kernel route events after the cut", func() bool {
		after = frrTimeline(t, lab, "LAST_FAILURE")
		return after.Convergence > 0 && slices.ContainsFunc(after.Entries, func(e converge.Entry) bool {
			return e.Node == "a1" && e.Kind.IsRoutingChange() && e.Prefix == netip.MustParsePrefix("10.3.0.0/16") && e.Rel > 0
		})
	}))
	if after.Ref.IsZero() || !strings.Contains(after.RefLabel, "c1") {
		t.Errorf("timeline not relative to the cut: ref %v %q", after.Ref, after.RefLabel)
	}
	// bgpd's own account of the session, from its log.
	if !slices.ContainsFunc(after.Entries, func(e converge.Entry) bool {
		return e.Node == "b2" && e.Daemon == "bgpd" && e.Kind == "session-down" && e.Rel >= 0
	}) {
		t.Errorf("no session-down from b2's bgpd after the cut:\n%s", after.Format())
	}
	t.Logf("after b2–c1 down:\n%s", after.Format())
}

// frrTimeline runs `netemu events -o json --since since`.
func frrTimeline(t *testing.T, lab, since string) *converge.Timeline {
	t.Helper()
	tl := timelineJSON(t, netemu(t, "--lab", lab, "events", "-o", "json", "--since", since))
	return &tl
}

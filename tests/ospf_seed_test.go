package tests

// The seed lab with both of the article's IGPs side by side
// (topo/examples/aws-ssh-ospf.hcl): the home ISP runs OSPF, with its LAN on
// a switch shared by two of its routers and two hosts; the transit runs
// RIP. Driven through the CLI as a user drives it.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	labrep "github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/routing/ospf"
	"github.com/netemu/netemu/tests/labtest"
)

// ospfStatus is `netemu ospf NODE -o json`.
func ospfStatus(t *testing.T, lab, node string) labrep.OSPFReport {
	t.Helper()
	var s labrep.OSPFReport
	decodeStrict(t, "ospf "+node, netemu(t, "--lab", lab, "ospf", node, "-o", "json"), &s)
	return s
}

// lanAdjacency says whether node has a Full neighbour on its switch port
// (eth0) and returns the segment's DR as node sees it.
func lanAdjacency(t *testing.T, lab, node string) (dr string, err error) {
	s := ospfStatus(t, lab, node)
	for _, i := range s.Interfaces {
		if i.Iface == "eth0" {
			if i.Type != string(ospf.Broadcast) {
				return "", fmt.Errorf("%s eth0 is %s, want broadcast", node, i.Type)
			}
			dr = i.DR
		}
	}
	for _, n := range s.Neighbours {
		if n.Iface == "eth0" && n.State == "Full" {
			return dr, nil
		}
	}
	return dr, fmt.Errorf("%s has no Full neighbour on the switch: %+v", node, s.Neighbours)
}

func TestOSPFSeedVariant(t *testing.T) {
	labtest.RequireRoot(t)
	cvNeedBGP(t)
	file, _ := labtest.ExampleFile(t, "aws-ssh-ospf", "ospfseed")
	lab := upLab(t, file)
	state := st(t, lab)
	if sw := state.Model.Node("home-lan"); sw == nil || sw.Switch == nil {
		t.Fatal("the model has no switch home-lan")
	}
	addrOn := func(node string) string {
		for _, m := range state.Model.SwitchMembers("home-lan") {
			if m.Node == node {
				return m.Addr.Addr().String()
			}
		}
		t.Fatalf("%s is not on home-lan", node)
		return ""
	}

	// OSPF on the switch: both routers Full with each other, one of them
	// the DR, and they agree which.
	var drs []string
	labtest.Eventually(t, 30*time.Second, labtest.Named("Full on the home LAN", func() error {
		drs = drs[:0]
		for _, r := range []string{"home-gw", "home-agg"} {
			dr, err := lanAdjacency(t, lab, r)
			if err != nil {
				return err
			}
			drs = append(drs, dr)
		}
		return nil
	}))
	if drs[0] != drs[1] || (drs[0] != addrOn("home-gw") && drs[0] != addrOn("home-agg")) {
		t.Errorf("DR on home-lan: home-gw sees %q, home-agg %q", drs[0], drs[1])
	}
	text := netemu(t, "--lab", lab, "ospf", "home-gw")
	if !strings.Contains(text, "Full/DR") && !strings.Contains(text, "Full/Backup") {
		t.Errorf("netemu ospf home-gw shows no Full neighbour with a role on the switch:\n%s", text)
	}
	// RIP in the transit, beside it.
	if out := netemu(t, "--lab", lab, "rip", "transit-a"); !strings.Contains(out, "transit-b") && !strings.Contains(out, "100.64.") {
		t.Errorf("netemu rip transit-a:\n%s", out)
	}

	// mac reaches web by ssh, across the switch and both IGPs.
	before := cvTracePath(t, lab, "mac", "web")
	if before.Result != converge.Reached || !cvCrosses(before, "home-lan", "home-gw") || !cvCrosses(before, "home-gw", "home-core") {
		t.Fatalf("mac → web:\n%s", before.Format())
	}
	ssh := cvStartTicker(t, lab)

	// An OSPF link cut: home-gw reaches home-core across the LAN and
	// home-agg instead.
	netemu(t, "--lab", lab, "link", "down", "home-gw", "home-core")
	t.Logf("after home-gw–home-core down: %s", strings.TrimSpace(netemu(t, "--lab", lab, "wait", "--timeout", "60s")))
	p := cvTracePath(t, lab, "mac", "web")
	if p.Result != converge.Reached || !cvCrosses(p, "home-lan", "home-agg") || !cvCrosses(p, "home-agg", "home-core") {
		t.Fatalf("after the cut mac → web should go through home-agg:\n%s", p.Format())
	}
	ssh.alive(t, "after the OSPF cut")
	netemu(t, "--lab", lab, "link", "up", "home-gw", "home-core")
	netemu(t, "--lab", lab, "wait", "--timeout", "60s")
	if p := cvTracePath(t, lab, "mac", "web"); cvPathNodes(p) != cvPathNodes(before) {
		t.Fatalf("after the repair: %s, want %s", cvPathNodes(p), cvPathNodes(before))
	}

	// One member cut off the switch: home-agg loses its LAN adjacency,
	// mac still reaches web through home-gw.
	netemu(t, "--lab", lab, "link", "down", "home-agg", "home-lan")
	// Unplugged, not shut: the member's own end stays up, without carrier.
	if out := execIn(t, lab, "home-agg", "ip", "-br", "link", "show", "eth0"); !strings.Contains(out, "NO-CARRIER") || !strings.Contains(out, ",UP") {
		t.Errorf("home-agg eth0 after the unplug: %s", out)
	}
	netemu(t, "--lab", lab, "wait", "--timeout", "60s")
	labtest.Eventually(t, 20*time.Second, labtest.Named("home-gw alone on the LAN", func() error {
		for _, n := range ospfStatus(t, lab, "home-gw").Neighbours {
			if n.Iface == "eth0" {
				return fmt.Errorf("home-gw still has %s (%s) on the switch", n.RouterID, n.State)
			}
		}
		return nil
	}))
	if p := cvTracePath(t, lab, "mac", "web"); cvPathNodes(p) != cvPathNodes(before) {
		t.Fatalf("with home-agg off the LAN: %s, want %s", cvPathNodes(p), cvPathNodes(before))
	}
	ssh.alive(t, "with home-agg off the LAN")
	netemu(t, "--lab", lab, "link", "up", "home-agg", "home-lan")
	netemu(t, "--lab", lab, "wait", "--timeout", "60s")
	labtest.Eventually(t, 30*time.Second, labtest.Named("Full on the home LAN again", func() error {
		_, err := lanAdjacency(t, lab, "home-agg")
		return err
	}))

	// The seed lab's convergence demo holds: cut the transit link in use,
	// the path moves to the other transit and the session lives.
	via := cvTransit(before)
	netemu(t, "--lab", lab, "link", "down", via, "aws-edge")
	t.Logf("after %s–aws-edge down: %s", via, strings.TrimSpace(netemu(t, "--lab", lab, "wait", "--timeout", "60s")))
	if p := cvTracePath(t, lab, "mac", "web"); !cvToAWSVia(p, cvOther(via)) {
		t.Fatalf("after the transit cut the path should reach aws-edge from %s:\n%s", cvOther(via), p.Format())
	}
	ssh.alive(t, "after the transit cut")
	if p := cvTracePath(t, lab, "web", "mac"); p.Result != converge.Reached || !cvCrosses(p, "home-lan", "mac") {
		t.Fatalf("the way back to mac after the transit cut:\n%s", p.Format())
	}
}

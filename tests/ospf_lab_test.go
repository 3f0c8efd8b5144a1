package tests

import (
	"bytes"
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

// TestOSPFRingLab is the rip-ring example with igp = "ospf", brought up by
// `netemu up`: every router reaches r3's loopback, r1 over both halves of
// the ring (a multipath kernel route), `netemu ospf r1 -o json` shows two
// Full neighbours; a cut link moves the route to the other half and the
// host across the ring stays reachable.
func TestOSPFRingLab(t *testing.T) {
	labtest.RequireRoot(t)
	src, err := topo.ExampleSource("rip-ring")
	if err != nil {
		t.Fatal(err)
	}
	name := labtest.UniqueName("ospfring")
	src = bytes.Replace(labtest.RenameLab(src, name), []byte(`igp      = "rip"`), []byte(`igp      = "ospf"`), 1)
	if !bytes.Contains(src, []byte(`"ospf"`)) {
		t.Fatal("the example's igp line changed: cannot turn it into OSPF")
	}
	file := labtest.WriteFile(t, name+".hcl", src)
	model, err := topo.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	lab := upLab(t, file)
	route := func(node, prefix string) string {
		out, _ := exec.Command("ip", "-n", labpath.NetnsName(lab, node), "route", "show", "exact", prefix).CombinedOutput()
		return strings.TrimSpace(string(out))
	}
	towards := func(node, peer string) string {
		for _, i := range model.Node(node).Interfaces {
			if i.Peer == peer {
				p := model.Node(peer)
				return p.Interface(i.PeerIface).Addr.Addr().String()
			}
		}
		t.Fatalf("%s has no link to %s", node, peer)
		return ""
	}
	r3 := model.Node("r3").Loopback.Addr().String()
	labtest.Eventually(t, 30*time.Second, labtest.Named("r1 reaches r3 both ways round", func() error {
		out := route("r1", r3)
		for _, gw := range []string{towards("r1", "r2"), towards("r1", "r4")} {
			if !strings.Contains(out, "via "+gw) || !strings.Contains(out, "proto ospf") {
				return fmt.Errorf("r1 → r3: %q, want OSPF via %s", out, gw)
			}
		}
		return nil
	}))
	var st labrep.OSPFReport
	decodeStrict(t, "ospf", netemu(t, "--lab", lab, "ospf", "r1", "-o", "json"), &st)
	full := 0
	for _, n := range st.Neighbours {
		if n.State == "Full" {
			full++
		}
	}
	if full != 2 || len(st.Database) != 4 {
		t.Fatalf("r1: %d Full neighbours and %d LSAs, want 2 and 4", full, len(st.Database))
	}
	execIn(t, lab, "left", "ping", "-c1", "-W2", "10.9.2.2")

	netemu(t, "--lab", lab, "link", "down", "r1", "r2")
	netemu(t, "--lab", lab, "wait", "--timeout", "30s")
	if out := route("r1", r3); strings.Contains(out, towards("r1", "r2")) || !strings.Contains(out, "via "+towards("r1", "r4")) {
		t.Fatalf("after r1–r2 went down, r1 → r3: %q", out)
	}
	execIn(t, lab, "left", "ping", "-c1", "-W2", "10.9.2.2")
}

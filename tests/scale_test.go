package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/bgp"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// TestScale200Routers is issue 18's correctness at size: a generated lab of
// two ASes of 100 routers (10 spines, 90 leaves on two spines each; RIP
// inside, eBGP between) comes up, its ASes get route reflectors by
// default, routing converges, and every router has a kernel route to every
// AS's prefix (the border router originating a prefix has it in its BGP
// table instead). Up's progress reports every agent started.
func TestScale200Routers(t *testing.T) {
	labtest.RequireRoot(t)
	name := labtest.UniqueName("scale")
	l, err := topo.Parse(labtest.FabricHCL(name, 2, 10, 90), name+".hcl")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Nodes) != 200 {
		t.Fatalf("generated %d nodes, want 200", len(l.Nodes))
	}
	for _, as := range l.ASes {
		if len(as.RouteReflectors) != topo.DefaultReflectors || !as.ReflectorsPicked {
			t.Fatalf("AS %s: reflectors %v (picked %v), want %d picked", as.Name, as.RouteReflectors, as.ReflectorsPicked, topo.DefaultReflectors)
		}
	}
	t.Cleanup(func() {
		if _, err := lab.Down(context.Background(), lab.DownOptions{Name: name, Log: labtest.Logger(t)}); err != nil {
			t.Errorf("down %s: %v", name, err)
		}
		labtest.AssertGone(t, name)
	})
	agentsUp, agentsTotal := 0, 0
	res, err := lab.Up(context.Background(), lab.UpOptions{
		Lab:  l,
		Self: buildNetemu(t),
		Log:  labtest.Logger(t),
		Progress: func(e lab.Event) {
			if e.Kind == lab.EventProgress && e.What == "agents" {
				agentsUp, agentsTotal = e.Done, e.Total
			}
		},
	})
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	if agentsUp != 200 || agentsTotal != 200 {
		t.Errorf("last agents progress %d of %d, want 200 of 200", agentsUp, agentsTotal)
	}
	var missing []string
	for _, n := range l.Nodes {
		own := map[netip.Prefix]bool{}
		for _, p := range l.BGPOriginated(n.Name) {
			own[p] = true
		}
		out, err := exec.Command("ip", "-n", labpath.NetnsName(name, n.Name), "-j", "route", "show", "table", "main").Output()
		if err != nil {
			t.Fatalf("%s: ip route: %v", n.Name, err)
		}
		var routes []struct {
			Dst string `json:"dst"`
		}
		if err := json.Unmarshal(out, &routes); err != nil {
			t.Fatalf("%s: ip -j route: %v", n.Name, err)
		}
		for _, as := range l.ASes {
			for _, p := range as.Prefixes {
				if own[p] {
					continue
				}
				if !slices.ContainsFunc(routes, func(r struct {
					Dst string `json:"dst"`
				}) bool {
					return r.Dst == p.String()
				}) {
					missing = append(missing, fmt.Sprintf("%s→%s", n.Name, p))
				}
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d routes missing, e.g. %v", len(missing), missing[:min(10, len(missing))])
	}
	// A reflector's sessions to its clients say so (`netemu bgp`).
	rr := l.AS("as0").RouteReflectors[0]
	raw, err := agent.Dial(filepath.Join(res.State.NodeDir(rr), agent.SocketName)).BGP(context.Background())
	if err != nil {
		t.Fatalf("bgp status of %s: %v", rr, err)
	}
	var st bgp.Status
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("bgp status: %v: %s", err, raw)
	}
	clients := 0
	for _, p := range st.Peers {
		if p.RRClient {
			clients++
		}
	}
	if clients != 98 {
		t.Errorf("reflector %s has %d clients, want 98", rr, clients)
	}
}

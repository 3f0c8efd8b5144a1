package converge

import (
	"strings"
	"testing"
	"time"
)

// TestCheckOSPF: the seed-like lab with OSPF as transit's IGP. transit-a
// and transit-b must be Full with each other across the working link; a
// silent failure holds convergence until the adjacency is gone.
func TestCheckOSPF(t *testing.T) {
	lab := seedLike()
	lab.AS("transit").IGP = igpOSPF
	views := func(stateA, stateB string) []View {
		vs := healthy()
		for k := range vs {
			vs[k].RIPNeighbours = nil
			switch vs[k].Node {
			case "transit-a":
				vs[k].OSPFNeighbours = []OSPFNeighbour{{Addr: ip("100.64.0.10"), Iface: "eth1", State: stateA}}
			case "transit-b":
				vs[k].OSPFNeighbours = []OSPFNeighbour{{Addr: ip("100.64.0.9"), Iface: "eth1", State: stateB}}
			}
		}
		return vs
	}
	now := t0.Add(time.Minute)
	if r := Check(lab, views("Full", "Full"), Faults{}, 2*time.Second, now); !r.Converged {
		t.Fatalf("Full both ways: %s", r.Summary())
	}
	r := Check(lab, views("Full", "Loading"), Faults{}, 2*time.Second, now)
	if r.Converged || len(r.Problems) != 1 || !strings.Contains(r.Problems[0].String(), "transit-b: ospf neighbour 100.64.0.9") {
		t.Fatalf("Loading: %+v", r.Problems)
	}
	silent := Faults{Links: map[[2]string]LinkFault{LinkKey("transit-a", "transit-b"): {Silent: true, Since: t0}}, Last: t0}
	r = Check(lab, views("Full", "Full"), silent, 2*time.Second, now)
	if r.Converged || !strings.Contains(r.Summary(), "silent") {
		t.Fatalf("silent link, still Full: %s", r.Summary())
	}
	if r := Check(lab, views("", ""), silent, 2*time.Second, now); !r.Converged {
		t.Fatalf("silent link, adjacency gone: %s", r.Summary())
	}
}

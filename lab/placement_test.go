package lab

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPlacementOf(t *testing.T) {
	l := twoMachines(t, "pl", "host \"c\" {}\nlink \"a\" \"c\" {}\n")
	p := PlacementOf(l)
	if p.Lab != "pl" || len(p.Machines) != 2 || p.Machines[0].Name != "m1" || p.Machines[1].Address.String() != "192.0.2.202" {
		t.Fatalf("placement = %+v", p)
	}
	seen := map[string]int{}
	for _, m := range p.Machines {
		for _, n := range m.Nodes {
			seen[n.Name]++
			if n.Placed != (n.Name == "c") {
				t.Errorf("%s on %s: placed = %v", n.Name, m.Name, n.Placed)
			}
		}
	}
	if seen["a"] != 1 || seen["b"] != 1 || seen["c"] != 1 {
		t.Errorf("nodes seen %v, want each once", seen)
	}
	if len(p.CutLinks) == 0 {
		t.Error("a–b joins two machines but no link is cut")
	}
	for _, c := range p.CutLinks {
		if c.LocalMachine == c.RemoteMachine || c.VNI == 0 {
			t.Errorf("cut link %+v", c)
		}
	}

	// A single-machine lab has empty lists, not null, for scripts.
	b, err := json.Marshal(PlacementOf(parseLab(t, "lab \"one\" {}\nhost \"a\" {}\n")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"machines":[]`) || !strings.Contains(string(b), `"cut_links":[]`) {
		t.Errorf("json = %s", b)
	}
}

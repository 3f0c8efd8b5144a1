package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/topo"
)

// TestValidateShowsReflectors: an AS above the full mesh max gets its
// reflectors picked, and validate says which and why, in text and JSON.
func TestValidateShowsReflectors(t *testing.T) {
	var b strings.Builder
	b.WriteString("lab \"rrcli\" {}\nautonomous_system \"core\" {\n  asn = 65001\n}\nautonomous_system \"edge\" {\n  asn = 65002\n  route_reflectors = [\"e1\"]\n}\n")
	n := topo.FullMeshMax + 2
	for i := range n {
		fmt.Fprintf(&b, "router \"c%02d\" { as = \"core\" }\n", i)
		if i > 0 {
			fmt.Fprintf(&b, "link \"c%02d\" \"c%02d\" {}\n", i-1, i)
		}
	}
	b.WriteString("router \"e0\" { as = \"edge\" }\nrouter \"e1\" { as = \"edge\" }\nlink \"e0\" \"e1\" {}\nlink \"c00\" \"e0\" {}\n")
	file := filepath.Join(t.TempDir(), "rr.hcl")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "validate", file)
	if code != 0 {
		t.Fatalf("validate: exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"ok (14 nodes, 13 links)",
		"AS core: route reflectors c01, c02 (picked: 12 routers > full mesh max 10)",
		"AS edge: route reflectors e1 (route_reflectors, 2 routers)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = runCLI(t, "validate", "-o", "json", file)
	if code != 0 {
		t.Fatalf("validate -o json: exit %d: %s", code, errOut)
	}
	var r lab.ValidateReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("validate -o json: %v\n%s", err, out)
	}
	if len(r.RouteReflectors) != 2 || r.RouteReflectors[0].AS != "core" || !r.RouteReflectors[0].Picked ||
		strings.Join(r.RouteReflectors[0].Reflectors, ",") != "c01,c02" || r.RouteReflectors[1].Picked {
		t.Errorf("route_reflectors = %+v", r.RouteReflectors)
	}
}

// TestStatusShowsReflectors: status lists each AS's reflectors under the
// table, and -o json carries them by AS.
func TestStatusShowsReflectors(t *testing.T) {
	st := fakeLab(t, "rrseed", nil)
	var as *topo.AS
	var routers []string
	for _, a := range st.Model.ASes {
		for _, n := range st.Model.Nodes {
			if n.Kind == topo.KindRouter && n.AS == a.Name {
				routers = append(routers, n.Name)
			}
		}
		if len(routers) > 0 {
			as = a
			break
		}
	}
	if as == nil {
		t.Fatal("the seed lab has no AS with routers")
	}
	as.RouteReflectors = routers[:1]
	if err := nodes.SaveState(st); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "status", "rrseed")
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, errOut)
	}
	want := fmt.Sprintf("AS %s: route reflectors %s (route_reflectors, %d routers)", as.Name, routers[0], len(routers))
	if !strings.Contains(out, want) {
		t.Errorf("status output lacks %q:\n%s", want, out)
	}
	code, out, errOut = runCLI(t, "status", "rrseed", "-o", "json")
	if code != 0 {
		t.Fatalf("status -o json: exit %d: %s", code, errOut)
	}
	var r lab.LabReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("status -o json: %v", err)
	}
	if got := r.RouteReflectors[as.Name]; len(got) != 1 || got[0] != routers[0] {
		t.Errorf("route_reflectors = %v, want %s: [%s]", r.RouteReflectors, as.Name, routers[0])
	}
}

package k8s

import (
	"reflect"
	"strings"
	"testing"

	"github.com/netemu/netemu/topo"
)

func seedSpec(t *testing.T, example string) Spec {
	t.Helper()
	src, err := topo.ExampleSource(example)
	if err != nil {
		t.Fatal(err)
	}
	return Spec{Source: string(src), File: example + ".hcl"}
}

func TestChooseMachines(t *testing.T) {
	plain, err := Model(seedSpec(t, "aws-ssh-static"), nil)
	if err != nil {
		t.Fatal(err)
	}
	pinned, err := topo.Parse([]byte(seedSpec(t, "aws-ssh-static").Source+"\nmachine \"b\" {\n  address = \"192.0.2.99\"\n}\n"), "p.hcl")
	if err != nil {
		t.Fatal(err)
	}
	cluster := []ClusterNode{{"c", "10.0.0.3"}, {"a", "10.0.0.1"}, {"b", "10.0.0.2"}}
	for _, tc := range []struct {
		name    string
		lab     *topo.Lab
		cluster []ClusterNode
		want    []Machine
		err     string
	}{
		{"all labelled nodes by name", plain, cluster, []Machine{{"a", "10.0.0.1"}, {"b", "10.0.0.2"}, {"c", "10.0.0.3"}}, ""},
		{"the file's machines, the Nodes' addresses", pinned, cluster, []Machine{{"b", "10.0.0.2"}}, ""},
		{"no nodes", plain, nil, nil, "no labelled Nodes"},
		{"file machine missing", pinned, cluster[:1], nil, `machine "b" is not a labelled Node`},
		{"no InternalIP", plain, []ClusterNode{{"a", ""}}, nil, "no usable InternalIP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ChooseMachines(tc.lab, tc.cluster)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// Every agent derives the same placement from the spec and the machines,
// and every node is placed on one of them.
func TestModelPlacement(t *testing.T) {
	spec := seedSpec(t, "aws-ssh-static")
	ms := []Machine{{"m1", "192.0.2.11"}, {"m2", "192.0.2.12"}, {"m3", "192.0.2.13"}}
	a, err := Model(spec, ms)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Model(spec, ms)
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := PlacementOf(a), PlacementOf(b)
	if !reflect.DeepEqual(pa, pb) {
		t.Fatalf("placements differ:\n%v\n%v", pa, pb)
	}
	n := 0
	for _, m := range ms {
		if len(pa[m.Name]) == 0 {
			t.Errorf("machine %s holds nothing: %v", m.Name, pa)
		}
		n += len(pa[m.Name])
	}
	if n != len(a.Nodes) {
		t.Errorf("%d nodes placed, the lab has %d", n, len(a.Nodes))
	}
	if got := a.Machine("m2").Address.String(); got != "192.0.2.12" {
		t.Errorf("m2's address %s", got)
	}
	// A file with machine blocks keeps its pins; addresses come from the
	// Nodes.
	pinned := Spec{Source: spec.Source + "\nmachine \"m1\" {\n  address = \"198.18.0.1\"\n}\n"}
	c, err := Model(pinned, ms[:1])
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Machine("m1").Address.String(); got != "192.0.2.11" {
		t.Errorf("file machine m1's address %s, want the Node's 192.0.2.11", got)
	}
	if _, err := Model(pinned, ms[1:]); err == nil || !strings.Contains(err.Error(), "machine m1") {
		t.Errorf("file machine missing from the status: err %v", err)
	}
}

func TestSummarise(t *testing.T) {
	base := func() Status {
		return Status{
			Machines:  []Machine{{"m1", "192.0.2.11"}, {"m2", "192.0.2.12"}},
			Placement: map[string][]string{"m1": {"a", "b"}, "m2": {"c"}},
		}
	}
	for _, tc := range []struct {
		name     string
		shares   map[string]Share
		lost     []Lost
		deleting bool
		phase    string
		conv     string
	}{
		{"building", map[string]Share{"m1": {Phase: PhaseReady, Converged: true}}, nil, false, PhaseBuilding, "1/2"},
		{"ready", map[string]Share{"m1": {Phase: PhaseReady, Converged: true}, "m2": {Phase: PhaseReady, Converged: true}}, nil, false, PhaseReady, "2/2"},
		{"failed", map[string]Share{"m1": {Phase: PhaseFailed}, "m2": {Phase: PhaseReady}}, nil, false, PhaseFailed, "0/2"},
		{"degraded", map[string]Share{"m1": {Phase: PhaseReady}}, []Lost{{"m2", []string{"c"}}}, false, PhaseDegraded, "0/2"},
		{"deleting", nil, []Lost{{"m2", []string{"c"}}}, true, PhaseDeleting, "0/2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			s.Shares, s.Lost = tc.shares, tc.lost
			s.summarise(tc.deleting)
			if s.Phase != tc.phase || s.Converged != tc.conv || s.MachineCount != 2 || s.NodeCount != 3 {
				t.Errorf("phase %s converged %s machines %d nodes %d; want %s %s 2 3", s.Phase, s.Converged, s.MachineCount, s.NodeCount, tc.phase, tc.conv)
			}
			if tc.phase == PhaseDegraded && !strings.Contains(s.Message, "machine m2 (nodes [c])") {
				t.Errorf("message %q does not name the lost machine and its nodes", s.Message)
			}
		})
	}
}

func TestLostMachines(t *testing.T) {
	s := Status{Machines: []Machine{{"m1", ""}, {"m2", ""}}, Placement: map[string][]string{"m1": {"a"}, "m2": {"b", "c"}}}
	if got := LostMachines(s, []ClusterNode{{"m1", "x"}, {"m2", "y"}}); got != nil {
		t.Errorf("nothing lost, got %v", got)
	}
	want := []Lost{{"m2", []string{"b", "c"}}}
	if got := LostMachines(s, []ClusterNode{{"m1", "x"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestBehind(t *testing.T) {
	l := &Lab{Status: Status{
		Machines: []Machine{{"m1", ""}, {"m2", ""}, {"m3", ""}},
		Shares:   map[string]Share{"m1": {Phase: PhaseReady, Applied: 5}, "m2": {Phase: PhaseReady, Applied: 4}},
		Lost:     []Lost{{Machine: "m3"}},
	}}
	behind, failed := l.Behind(5)
	if !reflect.DeepEqual(behind, []string{"m2"}) || failed != nil {
		t.Errorf("behind %v failed %v; want [m2] and none (m3 is lost)", behind, failed)
	}
}

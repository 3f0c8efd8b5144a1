package lab

import (
	"errors"
	"strings"
	"testing"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

func TestSelectShare(t *testing.T) {
	t.Setenv("NETEMU_RUN_DIR", t.TempDir())
	save := func(lab, machine string, nodeNames ...string) {
		m := &topo.Lab{Name: lab}
		for _, n := range nodeNames {
			m.Nodes = append(m.Nodes, &topo.Node{Name: n})
		}
		if err := nodes.SaveState(&nodes.State{Lab: lab, Machine: machine, Dir: labpath.StateDir(lab, machine), Model: m, Nodes: nodeNames}); err != nil {
			t.Fatal(err)
		}
	}
	share := func(name string) (*nodes.State, error) { return Share(Query{Lab: name}) }
	if _, err := share(""); err == nil || !strings.Contains(err.Error(), "no lab is up") {
		t.Errorf("no labs: %v", err)
	}
	save("one", "", "a", "b")
	if st, err := share(""); err != nil || st.Lab != "one" {
		t.Errorf("the only lab: %v %v", st, err)
	}
	save("two", "m1", "a")
	save("two", "m2", "c")
	if _, err := share(""); err == nil || !strings.Contains(err.Error(), "--lab") {
		t.Errorf("several labs: %v", err)
	}
	if st, err := share("two@m2"); err != nil || st.Machine != "m2" {
		t.Errorf("two@m2: %v %v", st, err)
	}
	if _, err := share("two"); err == nil || !strings.Contains(err.Error(), "LAB@MACHINE") {
		t.Errorf("two shares: %v", err)
	}
	if _, err := share("three"); err == nil || !strings.Contains(err.Error(), "not up") {
		t.Errorf("unknown lab: %v", err)
	}

	// A node is found in the one lab that has it …
	if st, err := Share(Query{Node: "c"}); err != nil || st.Machine != "m2" {
		t.Errorf("node c: %v %v", st, err)
	}
	// … is ambiguous across labs …
	if _, err := Share(Query{Node: "a"}); err == nil || !strings.Contains(err.Error(), "several") {
		t.Errorf("node a: %v", err)
	}
	// … unless --lab says which.
	if st, err := Share(Query{Lab: "one", Node: "a"}); err != nil || st.Lab != "one" {
		t.Errorf("--lab one, node a: %v %v", st, err)
	}
	if _, err := Share(Query{Lab: "one", Node: "zz"}); err == nil {
		t.Error("unknown node found")
	}
	if _, err := Share(Query{Lab: "three", Node: "a"}); err == nil || !strings.Contains(err.Error(), "lab three is not up") {
		t.Errorf("--lab three, node a: %v", err)
	}
}

// TestSelectWholeLab: ssh and --all-machines want every share here of one
// lab; a node in its file (not necessarily running here) picks the lab.
func TestSelectWholeLab(t *testing.T) {
	t.Setenv("NETEMU_RUN_DIR", t.TempDir())
	multi := &topo.Lab{Name: "two", Machines: []*topo.Machine{{Name: "m1"}, {Name: "m2"}},
		Nodes: []*topo.Node{{Name: "a", Machine: "m1"}, {Name: "c", Machine: "m2"}, {Name: "r", Machine: "m3"}}}
	single := &topo.Lab{Name: "one", Nodes: []*topo.Node{{Name: "a"}, {Name: "b"}}}
	for _, st := range []*nodes.State{
		{Lab: "one", Model: single, Nodes: []string{"a", "b"}},
		{Lab: "two", Machine: "m1", Model: multi, Nodes: []string{"a"}},
		{Lab: "two", Machine: "m2", Model: multi, Nodes: []string{"c"}},
	} {
		st.Dir = labpath.StateDir(st.Lab, st.Machine)
		if err := nodes.SaveState(st); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		q      Query
		shares string // ShareNames of the result
		err    string
	}{
		{q: Query{Node: "c", Whole: true}, shares: "two@m1, two@m2"},
		{q: Query{Lab: "two@m1", Node: "c", Whole: true}, shares: "two@m1"},
		{q: Query{Node: "a", Whole: true}, err: "node a is in several running labs (one, two)"},
		{q: Query{Node: "zz", Whole: true}, err: `no running lab here has a node "zz"`},
		{q: Query{Lab: "one", Node: "c", Whole: true}, err: `lab one is not up here or has no node "c"`},
		{q: Query{Whole: true}, err: "several labs are up (one, two@m1, two@m2)"},
		// Any share holds the file: the machine part does not matter.
		{q: Query{Lab: "two@m9", Whole: true}, shares: "two@m1, two@m2"},
		{q: Query{Lab: "three", Whole: true}, err: "lab three has no share on this machine"},
	} {
		got, err := Select(tc.q)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: got %v, want error %q", tc.q, err, tc.err)
			}
			continue
		}
		if err != nil || ShareNames(got) != tc.shares {
			t.Errorf("%+v: got %q %v, want %q", tc.q, ShareNames(got), err, tc.shares)
		}
	}
	if _, err := MultiHost("one"); err == nil || !strings.Contains(err.Error(), "no machine blocks") {
		t.Errorf("MultiHost(one): %v", err)
	}
	if l, err := MultiHost("two"); err != nil || l != nil && l.Name != "two" {
		t.Errorf("MultiHost(two): %v", err)
	}
	notHere := errors.New("not here")
	if err := Elsewhere("two", "r", notHere); err == nil || !strings.Contains(err.Error(), "node r runs on machine m3, not here") {
		t.Errorf("Elsewhere r: %v", err)
	}
	if err := Elsewhere("two", "a", notHere); err != notHere {
		t.Errorf("Elsewhere a (on m1, here): %v", err)
	}
}

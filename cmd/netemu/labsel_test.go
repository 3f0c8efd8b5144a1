package main

import (
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
	g := &globals{}
	if _, err := selectShare(g, ""); err == nil || !strings.Contains(err.Error(), "no lab is up") {
		t.Errorf("no labs: %v", err)
	}
	save("one", "", "a", "b")
	if st, err := selectShare(g, ""); err != nil || st.Lab != "one" {
		t.Errorf("the only lab: %v %v", st, err)
	}
	save("two", "m1", "a")
	save("two", "m2", "c")
	if _, err := selectShare(g, ""); err == nil || !strings.Contains(err.Error(), "--lab") {
		t.Errorf("several labs: %v", err)
	}
	if st, err := selectShare(g, "two@m2"); err != nil || st.Machine != "m2" {
		t.Errorf("two@m2: %v %v", st, err)
	}
	if _, err := selectShare(g, "two"); err == nil || !strings.Contains(err.Error(), "LAB@MACHINE") {
		t.Errorf("two shares: %v", err)
	}
	if _, err := selectShare(g, "three"); err == nil || !strings.Contains(err.Error(), "not up") {
		t.Errorf("unknown lab: %v", err)
	}

	// A node is found in the one lab that has it …
	if st, err := selectNodeShare(g, "c"); err != nil || st.Machine != "m2" {
		t.Errorf("node c: %v %v", st, err)
	}
	// … is ambiguous across labs …
	if _, err := selectNodeShare(g, "a"); err == nil || !strings.Contains(err.Error(), "several") {
		t.Errorf("node a: %v", err)
	}
	// … unless --lab says which.
	g.lab = "one"
	if st, err := selectNodeShare(g, "a"); err != nil || st.Lab != "one" {
		t.Errorf("--lab one, node a: %v %v", st, err)
	}
	if _, err := selectNodeShare(g, "zz"); err == nil {
		t.Error("unknown node found")
	}
}

package main

import (
	"cmp"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
)

// selectShare is the running share a command acts on: name (LAB or
// LAB@MACHINE) or --lab, else the only running one.
func selectShare(g *globals, name string) (*nodes.State, error) {
	return lab.Share(lab.Query{Lab: cmp.Or(name, g.lab)})
}

// selectNodeShare is the running share of --lab (or of any lab here) that
// runs node.
func selectNodeShare(g *globals, node string) (*nodes.State, error) {
	return lab.Share(lab.Query{Lab: g.lab, Node: node})
}

package main

import (
	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
)

// labArg is the lab a command with an optional LAB argument means: the
// argument (LAB or LAB@MACHINE), else --lab ("" for the only one).
func (g *globals) labArg(args []string) string {
	if len(args) > 0 {
		return args[0]
	}
	return g.lab
}

// fileArg is the FILE of a command with an optional FILE argument ("" for
// the seed lab).
func fileArg(args []string) string {
	if len(args) > 0 {
		return args[0]
	}
	return ""
}

// selectShare is the running share a command with an optional LAB
// argument acts on: the argument, else --lab, else the only running one.
func selectShare(g *globals, args []string) (*nodes.State, error) {
	return lab.Share(lab.Query{Lab: g.labArg(args)})
}

// selectNodeShare is the running share of --lab (or of any lab here) that
// runs node.
func selectNodeShare(g *globals, node string) (*nodes.State, error) {
	return lab.Share(lab.Query{Lab: g.lab, Node: node})
}

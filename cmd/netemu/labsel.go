package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
)

// selectShare finds the running share a command acts on: name (a lab, or
// LAB@MACHINE) or --lab, else the only running one.
func selectShare(g *globals, name string) (*nodes.State, error) {
	if name == "" {
		name = g.lab
	}
	states, err := nodes.ListStates()
	if err != nil && len(states) == 0 {
		return nil, err
	}
	if name != "" {
		lab, machine := labpath.SplitShareName(name)
		var found []*nodes.State
		for _, st := range states {
			if st.Lab == lab && (machine == "" || st.Machine == machine) {
				found = append(found, st)
			}
		}
		switch len(found) {
		case 0:
			return nil, fmt.Errorf("lab %s is not up", name)
		case 1:
			return found[0], nil
		}
		return nil, fmt.Errorf("lab %s has several shares on this machine (%s): name one as LAB@MACHINE", name, shareNames(found))
	}
	switch len(states) {
	case 0:
		return nil, errors.New("no lab is up (run `netemu up` first)")
	case 1:
		return states[0], nil
	}
	return nil, fmt.Errorf("several labs are up (%s): say which with --lab", shareNames(states))
}

// selectNodeShare finds the share running node: among the shares of
// --lab, or of every running lab when only one has such a node.
func selectNodeShare(g *globals, node string) (*nodes.State, error) {
	states, err := nodes.ListStates()
	if err != nil && len(states) == 0 {
		return nil, err
	}
	var found []*nodes.State
	labs := map[string]bool{}
	for _, st := range states {
		if g.lab != "" {
			lab, machine := labpath.SplitShareName(g.lab)
			if st.Lab != lab || (machine != "" && st.Machine != machine) {
				continue
			}
		}
		labs[st.Lab] = true
		if _, err := st.Node(node); err == nil {
			found = append(found, st)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return nil, fmt.Errorf("node %s is in several running labs (%s): say which with --lab", node, shareNames(found))
	case g.lab != "" && len(labs) == 0:
		return nil, fmt.Errorf("lab %s is not up", g.lab)
	case len(states) == 0:
		return nil, errors.New("no lab is up (run `netemu up` first)")
	}
	return nil, fmt.Errorf("no running lab here has a node %q", node)
}

func shareNames(states []*nodes.State) string {
	var s []string
	for _, st := range states {
		s = append(s, labpath.ShareName(st.Lab, st.Machine))
	}
	return strings.Join(s, ", ")
}

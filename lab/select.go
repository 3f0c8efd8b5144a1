package lab

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// Query says which running share(s) on this machine a command means.
type Query struct {
	// Lab is LAB or LAB@MACHINE: a command's argument, else --lab; ""
	// means the only lab running here.
	Lab string
	// Node keeps only the shares that run this node (exec, logs, routes,
	// node stop…); with Whole, the labs whose file has it.
	Node string
	// Whole asks for a lab as a whole rather than one share: every share
	// here of the one lab that matches (ssh: the instance and the client
	// host may be in different shares; --all-machines: any share holds
	// the lab's file, so the machine part of Lab does not matter when
	// Node is empty).
	Whole bool
}

// Select returns the running shares q means: exactly one, or with
// q.Whole every share here of one lab. Its errors say what to name to
// make the choice (--lab, LAB@MACHINE).
func Select(q Query) ([]*nodes.State, error) {
	states, err := nodes.ListStates()
	if err != nil && len(states) == 0 {
		return nil, err
	}
	lab, machine := labpath.SplitShareName(q.Lab)
	if q.Whole && q.Node == "" {
		machine = ""
	}
	var named, found []*nodes.State // named: the shares q.Lab allows
	for _, st := range states {
		if lab != "" && (st.Lab != lab || (machine != "" && st.Machine != machine)) {
			continue
		}
		named = append(named, st)
		if q.has(st) {
			found = append(found, st)
		}
	}
	if q.Whole {
		return selectLab(q, found)
	}
	if len(found) == 1 {
		return found, nil
	}
	switch {
	case q.Node != "" && len(found) > 1:
		return nil, fmt.Errorf("node %s is in several running labs (%s): say which with --lab", q.Node, ShareNames(found))
	case q.Node == "" && q.Lab != "" && len(found) > 1:
		return nil, fmt.Errorf("lab %s has several shares on this machine (%s): name one as LAB@MACHINE", q.Lab, ShareNames(found))
	case q.Lab != "" && (q.Node == "" || len(named) == 0):
		return nil, fmt.Errorf("lab %s is not up%s", q.Lab, labHint(lab, states))
	case len(states) == 0:
		return nil, errors.New("no lab is up (run `netemu up` first)")
	case q.Node == "":
		return nil, fmt.Errorf("several labs are up (%s): say which with --lab", ShareNames(states))
	}
	return nil, fmt.Errorf("no running lab here has a node %q%s", q.Node, DidYouMean(q.Node, NodeNames(named)))
}

// labHint suggests a running lab for a misspelt name, else lists them.
func labHint(name string, states []*nodes.State) string {
	labs := LabNames(states)
	if s := DidYouMean(name, labs); s != "" {
		return s
	}
	if len(labs) == 0 {
		return " (no lab is up here)"
	}
	return " (up here: " + strings.Join(labs, ", ") + ")"
}

// has reports whether st is one of the shares q wants.
func (q Query) has(st *nodes.State) bool {
	switch {
	case q.Whole:
		return st.Model != nil && (q.Node == "" || st.Model.Node(q.Node) != nil)
	case q.Node != "":
		_, err := st.Node(q.Node)
		return err == nil
	}
	return true
}

// selectLab is Select for q.Whole: found must hold shares of one lab.
func selectLab(q Query, found []*nodes.State) ([]*nodes.State, error) {
	var labs []string
	for _, st := range found {
		if len(labs) == 0 || labs[len(labs)-1] != st.Lab { // ListStates sorts by lab
			labs = append(labs, st.Lab)
		}
	}
	switch {
	case len(labs) == 1:
		return found, nil
	case len(labs) > 1 && q.Node != "":
		sort.Strings(labs)
		return nil, fmt.Errorf("node %s is in several running labs (%s): say which with --lab", q.Node, strings.Join(labs, ", "))
	case len(labs) > 1:
		return nil, fmt.Errorf("several labs are up (%s): say which with --lab", ShareNames(found))
	case q.Node != "" && q.Lab != "":
		return nil, fmt.Errorf("lab %s is not up here or has no node %q%s", q.Lab, q.Node, DidYouMean(q.Node, wholeNodes(found)))
	case q.Node != "":
		return nil, fmt.Errorf("no running lab here has a node %q%s", q.Node, DidYouMean(q.Node, wholeNodes(found)))
	case q.Lab != "":
		lab, _ := labpath.SplitShareName(q.Lab)
		return nil, fmt.Errorf("lab %s has no share on this machine: run the command on one of its machines", lab)
	}
	return nil, errors.New("no lab is up here (run `netemu up` first)")
}

// wholeNodes lists every node of the labs of states' models (nodes of
// every machine), for suggestions; all running labs when states is empty.
func wholeNodes(states []*nodes.State) []string {
	if len(states) == 0 {
		states, _ = nodes.ListStates()
	}
	var out []string
	for _, st := range states {
		if st.Model != nil {
			for _, n := range st.Model.Nodes {
				out = append(out, n.Name)
			}
		}
	}
	return out
}

// Share is Select for a command on one share.
func Share(q Query) (*nodes.State, error) {
	if q.Whole {
		return nil, errors.New("lab.Share: a query for a whole lab has several shares")
	}
	found, err := Select(q)
	if err != nil {
		return nil, err
	}
	return found[0], nil
}

// MultiHost is the model of the lab an --all-machines command acts on:
// the lab labFlag (--lab) names, or the only one here, taken from any of
// its shares on this machine (all hold the same file); it must have
// machines.
func MultiHost(labFlag string) (*topo.Lab, error) {
	found, err := Select(Query{Lab: labFlag, Whole: true})
	if err != nil {
		return nil, err
	}
	m := found[0].Model
	if len(m.Machines) == 0 {
		return nil, fmt.Errorf("lab %s has no machine blocks: --all-machines needs some", m.Name)
	}
	return m, nil
}

// Elsewhere turns err, "no share here runs node", into where the node
// runs, when a share here of the lab labFlag names knows it is on
// another machine; else it returns err as is.
func Elsewhere(labFlag, node string, err error) error {
	found, lerr := Select(Query{Lab: labFlag, Whole: true})
	if lerr != nil {
		return err
	}
	st := found[0]
	n := st.Model.Node(node)
	if n == nil || n.Machine == "" || n.Machine == st.Machine {
		return err
	}
	return fmt.Errorf("node %s runs on machine %s, not here: run the command there (--lab %s), or add --all-machines",
		node, n.Machine, labpath.ShareName(st.Lab, n.Machine))
}

// ShareNames lists states as "lab, lab@m1, …" for messages.
func ShareNames(states []*nodes.State) string {
	var s []string
	for _, st := range states {
		s = append(s, labpath.ShareName(st.Lab, st.Machine))
	}
	return strings.Join(s, ", ")
}

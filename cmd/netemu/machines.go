package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// Short names for lab's functions that other commands call.
// TODO(A2): call lab.Load, lab.Netns, lab.MachineNames, lab.ShareCommand directly, then drop these.
func loadLab(file string) (*topo.Lab, error)      { return lab.Load(file) }
func labNetns(name string) fw.Namespaces          { return lab.Netns(name) }
func machineNames(l *topo.Lab) []string           { return lab.MachineNames(l) }
func shareCommand(l, m string, a []string) string { return lab.ShareCommand(l, m, a) }

// printTunnels prints a share's VXLAN tunnels, nothing when it has none.
func printTunnels(w io.Writer, st *nodes.State) error {
	rs, err := lab.Tunnels(st)
	writeTunnels(w, rs)
	return err
}

// runAllMachines runs `netemu VERB --machine M …` on every machine of l
// over ssh, in parallel, and prints each machine's output under its name.
func runAllMachines(ctx context.Context, w io.Writer, l *topo.Lab, file string, verb string, extra []string) error {
	rs, err := lab.AllMachines(ctx, l, file, verb, extra)
	printMachineResults(w, rs)
	return err
}

// onMachines runs remote(machine) on each of machines over ssh, in
// parallel, and prints each machine's output under its name; what names
// the command in the error. stdin goes to every remote command.
func onMachines(ctx context.Context, w io.Writer, l *topo.Lab, machines []string, what string, stdin []byte, remote func(machine string) string) error {
	rs, err := lab.OnMachines(ctx, lab.FanOut{Lab: l, Machines: machines, What: what, Stdin: stdin, Remote: remote})
	printMachineResults(w, rs)
	return err
}

func printMachineResults(w io.Writer, rs []lab.MachineResult) {
	for _, r := range rs {
		state := "ok"
		if r.Err != nil {
			state = "FAILED: " + r.Err.Error()
		}
		fmt.Fprintf(w, "== machine %s (%s): %s\n", r.Machine, r.Address, state)
		w.Write(r.Output)
		if len(r.Output) > 0 && r.Output[len(r.Output)-1] != '\n' {
			fmt.Fprintln(w)
		}
	}
}

// labShare is a running share on this box of the lab --lab names (or of
// the only lab running here): --all-machines commands take the lab's
// model from it. Any machine's share will do; all hold the same file.
func labShare(g *globals) (*nodes.State, error) {
	states, err := nodes.ListStates()
	if err != nil && len(states) == 0 {
		return nil, err
	}
	want, _ := labpath.SplitShareName(g.lab)
	var found []*nodes.State
	labs := map[string]bool{}
	for _, st := range states {
		if (want == "" || st.Lab == want) && st.Model != nil {
			found = append(found, st)
			labs[st.Lab] = true
		}
	}
	switch {
	case len(found) == 0 && want != "":
		return nil, fmt.Errorf("lab %s has no share on this machine: run the command on one of its machines", want)
	case len(found) == 0:
		return nil, errors.New("no lab is up here (run `netemu up` first)")
	case len(labs) > 1:
		return nil, fmt.Errorf("several labs are up (%s): say which with --lab", shareNames(found))
	}
	return found[0], nil
}

// multiHostLab is the model of the lab an --all-machines command acts on
// (see labShare); it must have machines.
func multiHostLab(g *globals) (*topo.Lab, error) {
	st, err := labShare(g)
	if err != nil {
		return nil, err
	}
	if len(st.Model.Machines) == 0 {
		return nil, fmt.Errorf("lab %s has no machine blocks: --all-machines needs some", st.Model.Name)
	}
	return st.Model, nil
}

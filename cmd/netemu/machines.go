package main

import (
	"context"
	"fmt"
	"io"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
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

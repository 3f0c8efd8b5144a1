package main

import (
	"context"
	"fmt"
	"io"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/topo"
)

// runAllMachines runs `netemu VERB --machine M …` on every machine of l
// over ssh, in parallel, and prints each machine's output under its name.
func runAllMachines(ctx context.Context, w io.Writer, l *topo.Lab, file string, verb string, extra []string) error {
	rs, err := lab.AllMachines(ctx, l, file, verb, extra)
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

package main

import (
	"context"
	"io"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/topo"
)

// runAllMachines runs `netemu VERB --machine M …` on every machine of l
// over ssh, in parallel, and prints each machine's output under its name.
func runAllMachines(ctx context.Context, w io.Writer, l *topo.Lab, file string, verb string, extra []string) error {
	rs, err := lab.AllMachines(ctx, l, file, verb, extra)
	lab.WriteMachineResults(w, rs)
	return err
}

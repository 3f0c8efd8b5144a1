package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/vxlan"
)

func newDownCmd(g *globals) *cobra.Command {
	var all bool
	var machine string
	var allMachines bool
	cmd := &cobra.Command{
		Use:   "down [LAB]",
		Short: "Remove a lab: processes, namespaces, files (idempotent; works after a crash)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := g.lab
			if len(args) == 1 {
				name = args[0]
			}
			if allMachines {
				// The machines come from the file: here the argument is FILE.
				lab, err := loadLab(name)
				if err != nil {
					return err
				}
				return runAllMachines(cmd.Context(), os.Stdout, lab, name, "down", nil)
			}
			return runDown(cmd.Context(), g, name, machine, all)
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "remove every lab on this machine")
	cmd.Flags().StringVar(&machine, "machine", "", "remove only this machine's share of a multi-host lab")
	cmd.Flags().BoolVar(&allMachines, "all-machines", false, "with FILE instead of LAB: run `down --machine M` on every machine of the file over ssh, in parallel")
	return cmd
}

type shareID struct{ lab, machine string }

func runDown(ctx context.Context, g *globals, name, machine string, all bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	log := g.logger()
	var targets []shareID
	states, lerr := nodes.ListStates()
	if lerr != nil {
		log.Warn("some lab states are unreadable", "error", lerr)
	}
	switch {
	case all:
		seen := map[shareID]bool{}
		for _, st := range states {
			seen[shareID{st.Lab, st.Machine}] = true
		}
		// Labs whose state is gone but whose namespaces remain.
		for _, lab := range orphanLabs() {
			seen[shareID{lab, ""}] = true
		}
		// Unreadable state directories.
		if ents, err := os.ReadDir(labpath.RunDir()); err == nil {
			for _, e := range ents {
				if e.IsDir() {
					lab, m := labpath.SplitShareName(e.Name())
					seen[shareID{lab, m}] = true
				}
			}
		}
		for id := range seen {
			targets = append(targets, id)
		}
		sort.Slice(targets, func(i, j int) bool {
			return labpath.ShareName(targets[i].lab, targets[i].machine) < labpath.ShareName(targets[j].lab, targets[j].machine)
		})
		if len(targets) == 0 {
			fmt.Println("no lab is up")
			return nil
		}
	case name != "":
		lab, m := labpath.SplitShareName(name)
		if m == "" {
			m = machine
		}
		if m == "" {
			// Every share of the lab on this machine.
			for _, st := range states {
				if st.Lab == lab && st.Machine != "" {
					targets = append(targets, shareID{lab, st.Machine})
				}
			}
		}
		if len(targets) == 0 {
			targets = append(targets, shareID{lab, m})
		}
	default:
		switch len(states) {
		case 0:
			if o := orphanLabs(); len(o) > 0 {
				return fmt.Errorf("no lab state, but namespaces of %s remain: run `netemu down %s` or `netemu down --all`", strings.Join(o, ", "), o[0])
			}
			fmt.Println("no lab is up")
			return nil
		case 1:
			targets = append(targets, shareID{states[0].Lab, states[0].Machine})
		default:
			return fmt.Errorf("several labs are up (%s): name one, or use --all", shareNames(states))
		}
	}
	var errs []error
	for _, t := range targets {
		share := labpath.ShareName(t.lab, t.machine)
		unlock, err := nodes.Lock(ctx, t.lab, t.machine)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !nodes.Present(t.lab, t.machine) {
			unlock()
			fmt.Printf("lab %s is not up\n", share)
			continue
		}
		st, _ := nodes.LoadState(t.lab, t.machine) // its model names the tunnels
		err = nodes.Down(ctx, t.lab, t.machine, log)
		if err == nil && st != nil && st.Model != nil {
			err = vxlan.RemoveStale(st.Model, t.machine)
		}
		unlock()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Printf("lab %s is down\n", share)
	}
	return errors.Join(errs...)
}

// orphanLabs lists labs with namespaces in labpath.NetnsDir but no state.
func orphanLabs() []string {
	matches, _ := filepath.Glob(labpath.NetnsGlob(""))
	seen := map[string]bool{}
	var out []string
	for _, m := range matches {
		lab, _, ok := labpath.SplitNetnsName(filepath.Base(m))
		if !ok || seen[lab] {
			continue
		}
		if _, err := os.Stat(labpath.StateDir(lab, "")); err == nil {
			continue
		}
		seen[lab] = true
		out = append(out, lab)
	}
	sort.Strings(out)
	return out
}

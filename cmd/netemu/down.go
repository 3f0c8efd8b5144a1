package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
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
			name := g.labArg(args)
			if allMachines {
				// The machines come from the file: here the argument is FILE.
				l, err := lab.Load(name)
				if err != nil {
					return err
				}
				return runAllMachines(cmd.Context(), os.Stdout, l, name, "down", nil)
			}
			reports, err := lab.Down(cmd.Context(), lab.DownOptions{Name: name, Machine: machine, All: all, Log: g.logger()})
			if err == nil && len(reports) == 0 {
				fmt.Println("no lab is up")
			}
			for _, r := range reports {
				fmt.Println(r)
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "remove every lab on this machine")
	cmd.Flags().StringVar(&machine, "machine", "", "remove only this machine's share of a multi-host lab")
	cmd.Flags().BoolVar(&allMachines, "all-machines", false, "with FILE instead of LAB: run `down --machine M` on every machine of the file over ssh, in parallel")
	return cmd
}

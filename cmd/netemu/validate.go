package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

func newValidateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a topology file without touching the kernel",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := lab.Load(args[0])
			if err != nil {
				return err
			}
			if os.Geteuid() == 0 { // probing the kernel needs root
				if err := lab.CheckKernel(l, ""); err != nil {
					return err
				}
			}
			fmt.Printf("%s: ok (%d nodes, %d links)\n", args[0], len(l.Nodes), len(l.Links))
			return nil
		},
	}
}

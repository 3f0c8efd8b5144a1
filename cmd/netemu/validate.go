package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newValidateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a topology file without touching the kernel",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			lab, err := loadLab(args[0])
			if err != nil {
				return err
			}
			fmt.Printf("%s: ok (%d nodes, %d links)\n", args[0], len(lab.Nodes), len(lab.Links))
			return nil
		},
	}
}

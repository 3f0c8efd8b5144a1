package main

import (
	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
)

func newExecCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exec NODE [--] [CMD...]",
		Short: "Run a command inside a node (its network, hostname and, for instances, its files); default a shell",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			node, argv := args[0], args[1:]
			// Flags stop at NODE, so a "--" after it reaches us as is.
			if len(argv) > 0 && argv[0] == "--" {
				argv = argv[1:]
			}
			if len(argv) == 0 {
				argv = []string{"/bin/bash"}
			}
			st, err := selectNodeShare(g, node)
			if err != nil {
				return err
			}
			// Replaces this process: stdin, the terminal and the exit
			// status belong to the command. In an FRR lab a bare vtysh
			// finds the router's daemons.
			return nodes.Exec(st, node, lab.ExecArgv(st, node, argv)...)
		},
	}
	// Everything after NODE belongs to the command, with or without "--".
	cmd.Flags().SetInterspersed(false)
	return cmd
}

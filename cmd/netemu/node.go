package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
)

func newNodeCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "node stop|start ROUTER",
		Short: "Crash and restore a router's routing agent (failure injection)",
	}
	for _, v := range []struct {
		use, short, done string
		do               func(in *fault.Injector, st *nodes.State, node string) error
	}{
		{"stop ROUTER", "Kill the router's agent (SIGKILL, no restart); its kernel table stays", "stopped", (*fault.Injector).NodeStop},
		{"start ROUTER", "Start the router's agent again", "started", (*fault.Injector).NodeStart},
	} {
		cmd.AddCommand(&cobra.Command{
			Use:   v.use,
			Short: v.short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				st, err := selectNodeShare(g, args[0])
				if err != nil {
					return err
				}
				st, unlock, err := lockNodeShare(cmd.Context(), st, args[0])
				if err != nil {
					return err
				}
				defer unlock()
				if err := v.do(injector(g, st), st, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "node %s: agent %s\n", args[0], v.done)
				return nil
			},
		})
	}
	return cmd
}

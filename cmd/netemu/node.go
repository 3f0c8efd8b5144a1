package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newNodeCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "node stop|start ROUTER",
		Short: "Crash and restore a router's routing agent (failure injection)",
	}
	stop := &cobra.Command{
		Use:   "stop ROUTER",
		Short: "Kill the router's agent (SIGKILL, no restart); its kernel table stays",
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
			if err := injector(g, st).NodeStop(st, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "node %s: agent stopped\n", args[0])
			return nil
		},
	}
	start := &cobra.Command{
		Use:   "start ROUTER",
		Short: "Start the router's agent again",
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
			if err := injector(g, st).NodeStart(st, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "node %s: agent started\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(stop, start)
	return cmd
}

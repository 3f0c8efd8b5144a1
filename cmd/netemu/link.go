package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
)

// injector is the fault injector of a running share.
func injector(g *globals, st *nodes.State) *fault.Injector {
	return &fault.Injector{Lab: st.Model, StateDir: st.Dir, Log: g.logger()}
}

func newLinkCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "link down|up A B",
		Short: "Cut or restore a link (failure injection)",
		Long: "link down A B cuts the link between nodes A and B: both ends lose carrier.\n" +
			"link down A B --silent drops every packet on the link but keeps the carrier, so only\n" +
			"hold timers and route timeouts notice. link up A B removes either fault.\n" +
			"An end may be NODE:IFACE when two nodes share several links.",
	}
	var silent bool
	down := &cobra.Command{
		Use:   "down A B",
		Short: "Cut the link between A and B (carrier lost on both ends, or --silent)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, unlock, err := selectLockedShare(cmd.Context(), g)
			if err != nil {
				return err
			}
			defer unlock()
			if err := injector(g, st).LinkDown(args[0], args[1], silent); err != nil {
				return err
			}
			how := "carrier lost on both ends"
			if silent {
				how = "silent: every packet dropped, carrier kept"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "link %s–%s down (%s)\n", args[0], args[1], how)
			return nil
		},
	}
	down.Flags().BoolVar(&silent, "silent", false, "drop every packet but keep the carrier")
	up := &cobra.Command{
		Use:   "up A B",
		Short: "Restore the link between A and B",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, unlock, err := selectLockedShare(cmd.Context(), g)
			if err != nil {
				return err
			}
			defer unlock()
			if err := injector(g, st).LinkUp(args[0], args[1]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "link %s–%s up\n", args[0], args[1])
			return nil
		},
	}
	cmd.AddCommand(down, up)
	return cmd
}

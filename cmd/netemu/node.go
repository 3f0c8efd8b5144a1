package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

func newNodeCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "node stop|start ROUTER",
		Short: "Crash and restore a router's routing agent (failure injection)",
		Long: "Crash and restore a router's routing agent (failure injection): netemu's agent, or\n" +
			"FRR's daemons in a lab with daemons = \"frr\".\n\n" +
			"In a multi-host lab it runs on the router's machine; --all-machines runs it there over ssh.",
	}
	var allMachines bool
	var output outputFormat
	for _, v := range []struct {
		use, short string
		start      bool
	}{
		{"stop ROUTER", "Kill the router's agent (SIGKILL, no restart); its kernel table stays", false},
		{"start ROUTER", "Start the router's agent again", true},
	} {
		c := &cobra.Command{
			Use:   v.use,
			Short: v.short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				o := lab.NodeOptions{Lab: g.lab, Node: args[0], Start: v.start, Log: g.logger()}
				if allMachines {
					f, err := lab.NodeFanOut(o)
					return fanOut(cmd.Context(), cmd.OutOrStdout(), f, err)
				}
				msg, err := lab.SetNode(cmd.Context(), o)
				if err != nil {
					return err
				}
				if output == outputJSON {
					return printJSON(cmd.OutOrStdout(), lab.ChangeReport{Command: "node " + cmd.Name(), Target: args[0], Message: fmt.Sprint(msg)})
				}
				fmt.Fprintln(cmd.OutOrStdout(), msg)
				return nil
			},
		}
		c.Flags().BoolVar(&allMachines, "all-machines", false, "run it over ssh ($NETEMU_SSH, default ssh) on the machine that runs the router")
		cmd.AddCommand(withOutput(c, &output))
	}
	return cmd
}

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
	for _, v := range []struct {
		verb, use, short string
		start            bool
	}{
		{"stop", "stop ROUTER", "Kill the router's agent (SIGKILL, no restart); its kernel table stays", false},
		{"start", "start ROUTER", "Start the router's agent again", true},
	} {
		c := &cobra.Command{
			Use:   v.use,
			Short: v.short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				node := args[0]
				if allMachines {
					l, m, err := lab.NodeMachine(g.lab, node)
					if err != nil {
						return err
					}
					return onMachines(cmd.Context(), cmd.OutOrStdout(), l, []string{m}, "node "+v.verb+" "+node, nil, func(m string) string {
						return lab.ShareCommand(l.Name, m, []string{"node", v.verb, node})
					})
				}
				msg, err := lab.SetNode(cmd.Context(), lab.NodeOptions{Lab: g.lab, Node: node, Start: v.start, Log: g.logger()})
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), msg)
				return nil
			},
		}
		c.Flags().BoolVar(&allMachines, "all-machines", false, "run it over ssh ($NETEMU_SSH, default ssh) on the machine that runs the router")
		cmd.AddCommand(c)
	}
	return cmd
}

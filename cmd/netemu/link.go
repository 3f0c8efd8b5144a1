package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

func newLinkCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "link down|up|set|show A B",
		Short: "Cut or restore a link (failure injection), or change its delay, loss and rate",
		Long: "link down A B cuts the link between nodes A and B: both ends lose carrier.\n" +
			"link down A B --silent drops every packet on the link but keeps the carrier, so only\n" +
			"hold timers and route timeouts notice. link up A B removes either fault.\n" +
			"An end may be NODE:IFACE when two nodes share several links.\n\n" +
			"In a multi-host lab a link between two machines is a VXLAN tunnel: each machine changes\n" +
			"only its own end (a cut end's far side keeps its carrier; a silent end drops both what it\n" +
			"sends and what it receives). --all-machines runs the command over ssh on every machine\n" +
			"that holds an end.",
	}
	var silent, allMachines, fannedOut bool
	var output outputFormat
	run := func(down bool) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			o := lab.LinkOptions{Lab: g.lab, A: args[0], B: args[1], Down: down, Silent: silent, Log: g.logger()}
			w := cmd.OutOrStdout()
			if allMachines {
				f, err := lab.LinkFanOut(o)
				return fanOut(cmd.Context(), w, f, err)
			}
			c, err := lab.SetLink(cmd.Context(), o)
			if err != nil {
				return err
			}
			if output == outputJSON {
				return printJSON(w, lab.ChangeReport{Command: "link " + cmd.Name(), Target: args[0] + " " + args[1], Message: c.String(), Hint: c.FarEndHint()})
			}
			fmt.Fprintln(w, c)
			if hint := c.FarEndHint(); hint != "" && !fannedOut {
				fmt.Fprintln(os.Stderr, "netemu: "+hint)
			}
			return nil
		}
	}
	down := &cobra.Command{
		Use:   "down A B",
		Short: "Cut the link between A and B (carrier lost on both ends, or --silent)",
		Args:  cobra.ExactArgs(2),
		RunE:  run(true),
	}
	down.Flags().BoolVar(&silent, "silent", false, "drop every packet but keep the carrier")
	up := &cobra.Command{
		Use:   "up A B",
		Short: "Restore the link between A and B",
		Args:  cobra.ExactArgs(2),
		RunE:  run(false),
	}
	for _, c := range []*cobra.Command{down, up} {
		addFanOutFlags(c, &allMachines, &fannedOut, "on every machine that holds an end of the link, in parallel")
		withOutput(c, &output)
	}
	cmd.AddCommand(down, up)
	addImpairCmds(g, cmd)
	return cmd
}

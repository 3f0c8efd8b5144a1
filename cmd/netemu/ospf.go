package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

// newOSPFCmd is `netemu ospf NODE`: a router's OSPF interfaces,
// neighbours, database and routes, from its agent.
func newOSPFCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   "ospf NODE",
		Short: "Show a router's OSPF neighbours, database and routes",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := lab.OSPF(cmd.Context(), g.lab, args[0])
			if err != nil {
				return err
			}
			return show(os.Stdout, output, s, func() error { return s.WriteText(os.Stdout) })
		},
	}, &output)
}

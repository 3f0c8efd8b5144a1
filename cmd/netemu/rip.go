package main

import (
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

// newRIPCmd is `netemu rip NODE`: a router's RIP neighbours and table,
// from its agent.
func newRIPCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   "rip NODE",
		Short: "Show a router's RIP neighbours and table",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := lab.RIPSummary(cmd.Context(), g.lab, args[0])
			if err != nil {
				return err
			}
			return show(os.Stdout, output, s, func() error { return s.WriteText(os.Stdout, time.Now()) })
		},
	}, &output)
}

package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

// newBFDCmd is `netemu bfd NODE`: a router's BFD sessions, from its agent.
func newBFDCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   "bfd NODE",
		Short: "Show a router's BFD sessions: state, intervals, last diagnostic",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := lab.BFD(cmd.Context(), g.lab, args[0])
			if err != nil {
				return err
			}
			return show(os.Stdout, output, s, func() error { return s.WriteText(os.Stdout) })
		},
	}, &output)
}

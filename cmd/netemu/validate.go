package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

func newValidateCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   "validate FILE|EXAMPLE",
		Short: "Check a topology file without touching the kernel (every error at once)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			r, err := lab.Validate(file)
			if output != outputJSON {
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%d nodes, %d links)\n", file, r.Nodes, r.Links)
				lab.WriteReflectors(cmd.OutOrStdout(), r.RouteReflectors)
				return nil
			}
			if perr := printJSON(cmd.OutOrStdout(), r); perr != nil {
				return perr
			}
			if err != nil {
				// The errors are in the JSON; the exit status says so.
				return &exitError{code: exitFailure, err: errReported}
			}
			return nil
		},
	}, &output)
}

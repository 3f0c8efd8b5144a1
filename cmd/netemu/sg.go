package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

func newSGCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   "sg INSTANCE",
		Short: "An instance's effective security group and network ACL rules with packet/byte counters",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			st, err := selectNodeShare(g, name)
			if err != nil {
				return err
			}
			v, err := lab.SecurityGroups(cmd.Context(), st, name)
			if err != nil {
				return err
			}
			if output == outputJSON {
				return printJSON(os.Stdout, v)
			}
			return v.WriteText(os.Stdout)
		},
	}, &output)
}

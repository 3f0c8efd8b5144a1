package main

import (
	"os"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
	"github.com/spf13/cobra"
)

// newRoutesCmd is `netemu routes NODE`: the node's kernel routing table,
// read through netlink — what the kernel forwards with, whoever put it there.
func newRoutesCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   "routes NODE",
		Short: "A node's kernel routing table (all tables but local), with each route's protocol",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := selectNodeShare(g, args[0])
			if err != nil {
				return err
			}
			rs, err := nodes.Routes(st, args[0])
			if err != nil {
				return err
			}
			r := lab.RoutesReportOf(args[0], rs)
			return show(os.Stdout, output, r, func() error { return r.WriteText(os.Stdout) })
		},
	}, &output)
}

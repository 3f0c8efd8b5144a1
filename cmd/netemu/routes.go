package main

import (
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

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
			return show(os.Stdout, output, lab.RoutesReportOf(args[0], rs), func() error { return printRoutes(rs) })
		},
	}, &output)
}

func printRoutes(rs []nodes.KernelRoute) error {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tDESTINATION\tVIA\tDEV\tPROTO\tMETRIC\tTYPE")
	for _, r := range rs {
		table := lab.TableName(r.Table)
		via := "-"
		if r.Gateway.IsValid() {
			via = r.Gateway.String()
		} else if r.Scope == "link" {
			via = "on-link"
		}
		metric := "-"
		if r.Metric != 0 {
			metric = strconv.Itoa(r.Metric)
		}
		typ := r.Type
		if typ == "" {
			typ = "unicast"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", table, r.Dst, via, dash(r.Dev), r.Protocol, metric, typ)
	}
	return tw.Flush()
}

package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

// newBGPCmd is `netemu bgp NODE [routes [PREFIX]]`: a router's BGP
// sessions (like `show bgp summary`) or its paths, from its agent.
func newBGPCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   "bgp NODE [routes [PREFIX|ADDRESS] | refresh]",
		Short: "Show a router's BGP sessions, or every path with the best marked",
		Long: "bgp NODE: the sessions (peer, AS, state, up/down, prefixes received/accepted/sent), like `show bgp summary`.\n" +
			"bgp NODE routes [PREFIX|ADDRESS]: every path with its attributes; * marks the best.\n" +
			"bgp NODE refresh: re-apply import policies and ask every peer to resend its routes (ROUTE-REFRESH).",
		Args: cobra.RangeArgs(1, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, node := cmd.Context(), args[0]
			switch {
			case len(args) == 1:
				s, err := lab.BGPSummary(ctx, g.lab, node)
				if err != nil {
					return err
				}
				return show(os.Stdout, output, s, func() error { return s.WriteText(os.Stdout) })
			case args[1] == "refresh":
				if err := lab.BGPRefresh(ctx, g.lab, node); err != nil {
					return err
				}
				fmt.Println("import policies re-applied; ROUTE-REFRESH sent to every peer that supports it")
				return nil
			case args[1] == "routes":
				rs, err := lab.BGPRoutes(ctx, g.lab, node, strings.Join(args[2:], ""))
				if err != nil {
					return err
				}
				r := lab.BGPRoutesReportOf(node, rs)
				return show(os.Stdout, output, r, func() error { return r.WriteText(os.Stdout) })
			}
			return usage(fmt.Errorf("unknown view %q: want \"routes\" or \"refresh\"", args[1]))
		},
	}, &output)
}

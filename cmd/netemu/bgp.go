package main

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/netemu/netemu/routing/bgp"
	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

// newBGPCmd is `netemu bgp NODE [routes [PREFIX]]`: a router's BGP
// sessions (like `show bgp summary`) or its paths, from its agent.
func newBGPCmd(g *globals) *cobra.Command {
	output := outputTable
	cmd := &cobra.Command{
		Use:   "bgp NODE [routes [PREFIX|ADDRESS] | refresh]",
		Short: "Show a router's BGP sessions, or every path with the best marked",
		Long: "bgp NODE: the sessions (peer, AS, state, up/down, prefixes received/accepted/sent), like `show bgp summary`.\n" +
			"bgp NODE routes [PREFIX|ADDRESS]: every path with its attributes; * marks the best.\n" +
			"bgp NODE refresh: re-apply import policies and ask every peer to resend its routes (ROUTE-REFRESH).",
		Args: cobra.RangeArgs(1, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 && args[1] != "routes" && args[1] != "refresh" {
				return fmt.Errorf("unknown view %q: want \"routes\" or \"refresh\"", args[1])
			}
			c, ctx, cancel, err := lab.Agent(cmd.Context(), g.lab, args[0])
			if err != nil {
				return err
			}
			defer cancel()
			if len(args) == 1 {
				var s bgp.Status
				if err := c.Get(ctx, "/bgp", &s); err != nil {
					return fmt.Errorf("router %s: %w (does it run BGP? is its agent up?)", args[0], err)
				}
				if output == "json" {
					return printJSON(os.Stdout, s)
				}
				return printBGPSummary(&s)
			}
			if args[1] == "refresh" {
				var res map[string]string
				if err := c.Get(ctx, "/bgp/refresh", &res); err != nil {
					return fmt.Errorf("router %s: %w", args[0], err)
				}
				fmt.Println("import policies re-applied; ROUTE-REFRESH sent to every peer that supports it")
				return nil
			}
			path := "/bgp/routes"
			if len(args) == 3 {
				path += "?prefix=" + url.QueryEscape(args[2])
			}
			var rs []bgp.RouteStatus
			if err := c.Get(ctx, path, &rs); err != nil {
				return fmt.Errorf("router %s: %w", args[0], err)
			}
			if output == "json" {
				return printJSON(os.Stdout, rs)
			}
			return printBGPRoutes(rs)
		},
	}
	cmd.Flags().VarP(&output, "output", "o", outputUsage)
	return cmd
}

func printBGPSummary(s *bgp.Status) error {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "BGP router %s, AS %d, router ID %s, %d prefixes\n\n", s.Node, s.ASN, s.RouterID, s.Prefixes)
	fmt.Fprintln(tw, "PEER\tNAME\tAS\tTYPE\tSTATE\tUP/DOWN\tRCVD\tACCEPTED\tSENT\tLAST ERROR")
	for _, p := range s.Peers {
		typ := "ebgp"
		if p.IBGP {
			typ = "ibgp"
		}
		if p.Relation != "" {
			typ += "/" + p.Relation
		}
		up := p.Uptime
		if up == "" {
			up = "-"
		}
		last := p.LastError
		if last == "" {
			last = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", p.Addr, p.Name, p.AS, typ, p.State, up,
			p.Received, p.Accepted, p.Sent, last)
	}
	return tw.Flush()
}

func printBGPRoutes(rs []bgp.RouteStatus) error {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  PREFIX\tFROM\tNEXT HOP\tLOCPRF\tMED\tPATH\tCOMMUNITIES")
	for _, r := range rs {
		mark := " "
		if r.Best {
			mark = "*"
		}
		if !r.Reachable {
			mark = "!"
		}
		from := r.From
		if r.FromName != "" && r.FromName != r.From {
			from += " (" + r.FromName + ")"
		}
		if r.IBGP {
			from += " i"
		}
		nh := "-"
		if r.NextHop.IsValid() {
			nh = r.NextHop.String()
		}
		med := "-"
		if r.MED != nil {
			med = strconv.FormatUint(uint64(*r.MED), 10)
		}
		comms := strings.Join(append(append([]string{}, r.Comms...), r.Large...), " ")
		if comms == "" {
			comms = "-"
		}
		path := r.ASPath
		if path == "" {
			path = "(local)"
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%d\t%s\t%s %s\t%s\n", mark, r.Prefix, from, nh, r.LocalPref, med, path, r.Origin, comms)
	}
	fmt.Fprintln(tw, "\n* best, ! next hop unreachable, i learned over iBGP")
	return tw.Flush()
}

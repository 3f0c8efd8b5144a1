package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netemu/netemu/routing/bgp"
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
				return show(os.Stdout, output, s, func() error { return printBGPSummary(s) })
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
				return show(os.Stdout, output, lab.BGPRoutesReportOf(node, rs), func() error { return printBGPRoutes(rs) })
			}
			return usage(fmt.Errorf("unknown view %q: want \"routes\" or \"refresh\"", args[1]))
		},
	}, &output)
}

func printBGPSummary(s *lab.BGPReport) error {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	by := ""
	if s.Daemon == "frr" {
		by = " (FRR bgpd)"
	}
	fmt.Fprintf(tw, "BGP router %s%s, AS %d, router ID %s, %d prefixes\n\n", s.Node, by, s.ASN, s.RouterID, s.Prefixes)
	fmt.Fprintln(tw, "PEER\tNAME\tAS\tTYPE\tSTATE\tUP/DOWN\tRCVD\tACCEPTED\tSENT\tLAST ERROR")
	for _, p := range s.Peers {
		name, state := dash(p.Name), p.State
		if p.External {
			name = "(external)"
			if !strings.EqualFold(state, "established") {
				state += ", waiting for the external speaker"
			}
		}
		up := "-"
		if p.UptimeMS > 0 {
			up = (time.Duration(p.UptimeMS) * time.Millisecond).Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", p.Address, name, p.ASN, p.Type, state, up,
			p.PrefixesReceived, p.PrefixesAccepted, p.PrefixesSent, dash(p.LastError))
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
		comms := dash(strings.Join(append(append([]string{}, r.Comms...), r.Large...), " "))
		path := r.ASPath
		if path == "" {
			path = "(local)"
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%d\t%s\t%s %s\t%s\n", mark, r.Prefix, from, nh, r.LocalPref, med, path, r.Origin, comms)
	}
	fmt.Fprintln(tw, "\n* best, ! next hop unreachable, i learned over iBGP")
	return tw.Flush()
}

package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netemu/netemu/routing/rip"
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
			s, err := lab.RIP(cmd.Context(), g.lab, args[0])
			if err != nil {
				return err
			}
			return show(os.Stdout, output, s, func() error { return printRIP(s) })
		},
	}, &output)
}

func printRIP(s *rip.Status) error {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NEIGHBOUR\tIFACE\tSTATE\tLAST HEARD\tPACKETS\tBAD PACKETS")
	now := time.Now()
	for _, n := range s.Neighbours {
		state := "down"
		if n.Up {
			state = "up"
		}
		heard := "never"
		if !n.LastHeard.IsZero() {
			heard = now.Sub(n.LastHeard).Round(100*time.Millisecond).String() + " ago"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", n.Address, n.Iface, state, heard, n.Packets, reasons(n.BadPackets))
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "PREFIX\tMETRIC\tNEXT HOP\tIFACE\tAGE\tSTATE")
	for _, r := range s.Routes {
		nh := "-"
		if r.NextHop.IsValid() {
			nh = r.NextHop.String()
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", r.Prefix, r.Metric, nh, dash(r.Iface), r.Age.Round(time.Second), r.State)
	}
	return tw.Flush()
}

func reasons(m map[rip.Reason]uint64) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

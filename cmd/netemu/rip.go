package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
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
			return show(os.Stdout, output, s, func() error { return printRIP(s) })
		},
	}, &output)
}

func printRIP(s *lab.RIPReport) error {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	if s.Daemon == "frr" {
		fmt.Fprintf(tw, "RIP router %s (FRR ripd)\n\n", s.Node)
	}
	fmt.Fprintln(tw, "NEIGHBOUR\tIFACE\tSTATE\tLAST HEARD\tPACKETS\tBAD PACKETS")
	now := time.Now()
	for _, n := range s.Neighbours {
		state := "down"
		if n.Up {
			state = "up"
		}
		heard := "never"
		if !n.LastHeardAt.IsZero() {
			heard = now.Sub(n.LastHeardAt).Round(100*time.Millisecond).String() + " ago"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", n.Address, dash(n.Iface), state, heard, n.Packets, reasons(n.BadPackets))
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "PREFIX\tMETRIC\tNEXT HOP\tIFACE\tAGE\tSTATE")
	for _, r := range s.Routes {
		age := (time.Duration(r.AgeMS) * time.Millisecond).Round(time.Second)
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", r.Prefix, r.Metric, dash(r.NextHop), dash(r.Iface), age, r.State)
	}
	return tw.Flush()
}

func reasons(m map[string]uint64) string {
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

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
	output := outputTable
	cmd := &cobra.Command{
		Use:   "rip NODE",
		Short: "Show a router's RIP neighbours and table",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ctx, cancel, err := lab.Agent(cmd.Context(), g.lab, args[0])
			if err != nil {
				return err
			}
			defer cancel()
			s, err := c.RIP(ctx)
			if err != nil {
				return fmt.Errorf("router %s: %w (does it run RIP? is its agent up?)", args[0], err)
			}
			if output == "json" {
				return printJSON(os.Stdout, s)
			}
			return printRIP(s)
		},
	}
	cmd.Flags().VarP(&output, "output", "o", outputUsage)
	return cmd
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
		iface := r.Iface
		if iface == "" {
			iface = "-"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", r.Prefix, r.Metric, nh, iface, r.Age.Round(time.Second), r.State)
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

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

func newPlacementCmd(g *globals) *cobra.Command {
	output := outputTable
	cmd := &cobra.Command{
		Use:   "placement [FILE]",
		Short: "Which machine runs which node of a multi-host lab, and the links cut between them (VXLAN VNIs)",
		Long: "Every machine computes the same placement from the same file. Nodes the file does not pin\n" +
			"with `machine = ...` are marked * (placed by netemu: balanced node counts, few cut links).",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := ""
			if len(args) == 1 {
				file = args[0]
			}
			l, err := lab.Load(file)
			if err != nil {
				return err
			}
			p := lab.PlacementOf(l)
			if output == "json" {
				return printJSON(cmd.OutOrStdout(), p)
			}
			printPlacement(cmd.OutOrStdout(), len(l.Nodes), p)
			return nil
		},
	}
	cmd.Flags().VarP(&output, "output", "o", outputUsage)
	return cmd
}

func printPlacement(w io.Writer, nodes int, p lab.Placement) {
	if len(p.Machines) == 0 {
		fmt.Fprintf(w, "lab %s has no machine blocks: all %d nodes run on one machine\n", p.Lab, nodes)
		return
	}
	anyPlaced := false
	for _, m := range p.Machines {
		names := make([]string, 0, len(m.Nodes))
		for _, n := range m.Nodes {
			s := n.Name
			if n.Placed {
				s += "*"
				anyPlaced = true
			}
			names = append(names, s)
		}
		fmt.Fprintf(w, "machine %s (%s): %d nodes: %s\n", m.Name, m.Address, len(m.Nodes), strings.Join(names, " "))
	}
	fmt.Fprintf(w, "cut links: %d (vxlan udp/%d)\n", len(p.CutLinks), p.Port)
	for _, c := range p.CutLinks {
		moved := ""
		if c.BaseVNI != 0 {
			moved = fmt.Sprintf("  (hash %d collided: moved)", c.BaseVNI)
		}
		fmt.Fprintf(w, "  %s:%s (%s) – %s:%s (%s)  VNI %d%s\n", c.LocalNode, c.LocalIface, c.LocalMachine,
			c.RemoteNode, c.RemoteIface, c.RemoteMachine, c.VNI, moved)
	}
	if anyPlaced {
		fmt.Fprintln(w, "* placed by netemu (not pinned in the file)")
	}
}

package main

import (
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/nodes/vxlan"
	"github.com/netemu/netemu/topo"
)

// placementJSON is `placement -o json`.
type placementJSON struct {
	Lab      string             `json:"lab"`
	Port     uint16             `json:"vxlan_port"`
	Machines []machinePlacement `json:"machines"`
	CutLinks []vxlan.Cross      `json:"cut_links"`
}

type machinePlacement struct {
	Name    string       `json:"name"`
	Address netip.Addr   `json:"address"`
	Nodes   []placedNode `json:"nodes"`
}

type placedNode struct {
	Name string `json:"name"`
	// Placed: netemu chose the machine (the file did not pin the node).
	Placed bool `json:"placed,omitempty"`
}

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
			lab, err := loadLab(file)
			if err != nil {
				return err
			}
			p := placementOf(lab)
			if output == "json" {
				return printJSON(cmd.OutOrStdout(), p)
			}
			return printPlacement(cmd.OutOrStdout(), lab, p)
		},
	}
	cmd.Flags().VarP(&output, "output", "o", outputUsage)
	return cmd
}

func placementOf(lab *topo.Lab) placementJSON {
	p := placementJSON{Lab: lab.Name, Port: vxlan.Port(lab), Machines: []machinePlacement{}, CutLinks: vxlan.CrossLinks(lab, "")}
	if p.CutLinks == nil {
		p.CutLinks = []vxlan.Cross{}
	}
	for _, m := range lab.Machines {
		mp := machinePlacement{Name: m.Name, Address: m.Address, Nodes: []placedNode{}}
		for _, n := range lab.Nodes {
			if n.Machine == m.Name {
				mp.Nodes = append(mp.Nodes, placedNode{Name: n.Name, Placed: n.Placed})
			}
		}
		p.Machines = append(p.Machines, mp)
	}
	return p
}

func printPlacement(w io.Writer, lab *topo.Lab, p placementJSON) error {
	if len(lab.Machines) == 0 {
		fmt.Fprintf(w, "lab %s has no machine blocks: all %d nodes run on one machine\n", lab.Name, len(lab.Nodes))
		return nil
	}
	for _, m := range p.Machines {
		names := make([]string, 0, len(m.Nodes))
		for _, n := range m.Nodes {
			s := n.Name
			if n.Placed {
				s += "*"
			}
			names = append(names, s)
		}
		fmt.Fprintf(w, "machine %s (%s): %d nodes: %s\n", m.Name, m.Address, len(m.Nodes), strings.Join(names, " "))
	}
	fmt.Fprintf(w, "cut links: %d (vxlan udp/%d)\n", len(p.CutLinks), p.Port)
	for _, c := range p.CutLinks {
		moved := ""
		if c.VNI != c.BaseVNI {
			moved = fmt.Sprintf("  (hash %d collided: moved)", c.BaseVNI)
		}
		fmt.Fprintf(w, "  %s:%s (%s) – %s:%s (%s)  VNI %d%s\n", c.Local.Node, c.Local.Iface, c.LocalMachine,
			c.Remote.Node, c.Remote.Iface, c.RemoteMachine, c.VNI, moved)
	}
	if anyPlaced(lab) {
		fmt.Fprintln(w, "* placed by netemu (not pinned in the file)")
	}
	return nil
}

func anyPlaced(lab *topo.Lab) bool {
	for _, n := range lab.Nodes {
		if n.Placed {
			return true
		}
	}
	return false
}

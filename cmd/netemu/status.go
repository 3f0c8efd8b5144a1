package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/vxlan"
)

// statusJSON is one share in `status -o json`: the live status plus the
// extra node columns keyed by header.
type statusJSON struct {
	*nodes.LabStatus
	Extra map[string]map[string]string `json:"extra,omitempty"` // node → header → value
	// PublicIPs are the instances' current public IPs by node, the
	// column scripts want most, without the table's header as a key.
	PublicIPs map[string]string `json:"public_ips,omitempty"`
	// Tunnels are the share's cross-machine links (multi-host labs).
	Tunnels []vxlan.Record `json:"tunnels,omitempty"`
}

func newStatusCmd(g *globals) *cobra.Command {
	output := outputTable
	cmd := &cobra.Command{
		Use:   "status [LAB]",
		Short: "Running labs: nodes, kinds, interfaces, addresses, processes",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var states []*nodes.State
			if len(args) == 1 || g.lab != "" {
				name := g.lab
				if len(args) == 1 {
					name = args[0]
				}
				st, err := selectShare(g, name)
				if err != nil {
					return err
				}
				states = []*nodes.State{st}
			} else {
				var err error
				states, err = nodes.ListStates()
				if err != nil {
					g.logger().Warn("some lab states are unreadable", "error", err)
				}
			}
			out := []statusJSON{}
			for _, st := range states {
				ls, err := nodes.Status(st)
				if err != nil {
					return err
				}
				sj := statusJSON{LabStatus: ls}
				if sj.Tunnels, err = vxlan.Load(st.Dir); err != nil {
					return err
				}
				if sj.PublicIPs, err = publicIPs(st); err != nil {
					return err
				}
				if cols := nodeColumns(); len(cols) > 0 {
					sj.Extra = map[string]map[string]string{}
					for _, n := range st.Nodes {
						m := map[string]string{}
						for _, c := range cols {
							if v := c.value(st, n); v != "" {
								m[c.header] = v
							}
						}
						if len(m) > 0 {
							sj.Extra[n] = m
						}
					}
				}
				if output != "json" {
					fmt.Printf("lab %s (%s, %d nodes, %s)\n", labpath.ShareName(st.Lab, st.Machine), st.Phase, len(st.Nodes), st.Dir)
					if err := printNodesTable(os.Stdout, st, ls); err != nil {
						return err
					}
					if err := printTunnels(os.Stdout, st); err != nil {
						return err
					}
					fmt.Println()
				}
				out = append(out, sj)
			}
			if output == "json" {
				return printJSON(os.Stdout, out)
			}
			if len(states) == 0 {
				fmt.Println("no lab is up")
			}
			return nil
		},
	}
	cmd.Flags().VarP(&output, "output", "o", outputUsage)
	return cmd
}

// publicIPs maps the share's running instances to their public IPs (none
// for instances without one).
func publicIPs(st *nodes.State) (map[string]string, error) {
	aws, err := fw.LoadState(st.Dir)
	if err != nil {
		return nil, err
	}
	var out map[string]string
	for _, n := range st.Nodes {
		if ip := aws.PublicIP(n); ip.IsValid() {
			if out == nil {
				out = map[string]string{}
			}
			out[n] = ip.String()
		}
	}
	return out, nil
}

package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes/labpath"
)

func newStatusCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   "status [LAB]",
		Short: "Running labs: nodes, kinds, interfaces, addresses, processes",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := g.labArg(args)
			shares, err := lab.Status(name, g.logger())
			if err != nil {
				return err
			}
			if output == outputJSON {
				// One lab named: one object; else every share, an array.
				if name != "" && len(shares) == 1 {
					return printJSON(os.Stdout, shares[0].Report())
				}
				rs := []lab.LabReport{}
				for _, s := range shares {
					rs = append(rs, s.Report())
				}
				return printJSON(os.Stdout, rs)
			}
			for _, s := range shares {
				st := s.State
				fmt.Printf("lab %s (%s, %d nodes, %s)\n", labpath.ShareName(st.Lab, st.Machine), st.Phase, len(st.Nodes), st.Dir)
				if err := lab.WriteNodesTable(os.Stdout, st, s.LabStatus); err != nil {
					return err
				}
				lab.WriteTunnels(os.Stdout, s.Tunnels)
				lab.WriteReflectors(os.Stdout, lab.Reflectors(st.Model))
				fmt.Println()
			}
			if len(shares) == 0 {
				fmt.Println("no lab is up")
			}
			return nil
		},
	}, &output)
}

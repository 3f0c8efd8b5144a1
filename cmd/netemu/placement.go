package main

import (
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
			file := fileArg(args)
			l, err := lab.Load(file)
			if err != nil {
				return err
			}
			p := lab.PlacementOf(l)
			if output == "json" {
				return printJSON(cmd.OutOrStdout(), p)
			}
			p.WriteText(cmd.OutOrStdout(), len(l.Nodes))
			return nil
		},
	}
	cmd.Flags().VarP(&output, "output", "o", outputUsage)
	return cmd
}

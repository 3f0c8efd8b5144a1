package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

// version is stamped by the Makefile (-ldflags "-X main.version=…");
// without it the module's build information says what it can.
var version = ""

func (g *globals) versionLine() string { return lab.Version(version).String() }

func newVersionCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   "version",
		Short: "Print netemu's version (also --version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			return show(w, output, lab.Version(version), func() error {
				_, err := fmt.Fprintln(w, g.versionLine())
				return err
			})
		},
	}, &output)
}

func newExamplesCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   "examples",
		Short: "List the example labs built into netemu (`netemu up NAME` runs one)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ex, err := lab.Examples()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			return show(w, output, ex, func() error {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tNODES\tLINKS\tDESCRIPTION")
				for _, e := range ex {
					fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", e.Name, e.Nodes, e.Links, dash(e.Description))
				}
				return tw.Flush()
			})
		},
	}, &output)
}

package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

// newGraphCmd is `netemu graph [FILE] [-o dot|svg|html]`: the topology as
// a drawing. dot needs nothing; svg and html run Graphviz's dot.
func newGraphCmd(g *globals) *cobra.Command {
	var output, file string
	cmd := &cobra.Command{
		Use:   "graph [FILE]",
		Short: "Draw the topology: Graphviz dot, SVG or a standalone HTML page",
		Long: "Draws the lab in FILE, else the running lab (--lab, or the only one up), else the embedded\n" +
			"seed lab: routers grouped by AS, a VPC's nodes by VPC, switches as bars, every link with its\n" +
			"interfaces and addresses, eBGP links in bold. A running lab is drawn as the live view shows\n" +
			"it now: cut links red and dashed (DOWN), silent ones orange (SILENT), each link's BGP/RIP/\n" +
			"OSPF/BFD state, instances' public IPs. -o svg and -o html\n" +
			"need Graphviz's dot (Debian package graphviz); -o dot prints its input.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "dot" && output != "svg" && output != "html" {
				return usage(fmt.Errorf("unknown output %q: use dot, svg or html", output))
			}
			var from *string // FILE
			if len(args) == 1 {
				from = &args[0]
			}
			gr, desc, err := lab.GraphOf(cmd.Context(), g.lab, from, g.logger())
			if err != nil {
				return err
			}
			out, err := lab.Draw(gr, desc, output)
			if err != nil {
				return err
			}
			if file == "" || file == "-" {
				_, err = os.Stdout.Write(out)
				return err
			}
			if err := os.WriteFile(file, out, 0o644); err != nil {
				return fmt.Errorf("cannot write %s: %w", file, errors.Unwrap(err))
			}
			fmt.Fprintf(os.Stderr, "wrote %s\n", file)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "dot", "format: dot, svg or html")
	cmd.Flags().StringVarP(&file, "write", "w", "", "write to this file instead of stdout")
	return cmd
}

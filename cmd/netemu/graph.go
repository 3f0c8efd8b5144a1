package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/topo"
)

// newGraphCmd is `netemu graph [FILE] [-o dot|svg|html]`: the topology as
// a drawing. dot needs nothing; svg and html run Graphviz's dot.
func newGraphCmd(g *globals) *cobra.Command {
	var output, file string
	cmd := &cobra.Command{
		Use:   "graph [FILE]",
		Short: "Draw the topology: Graphviz dot, SVG or a standalone HTML page",
		Long: "Draws the lab in FILE, else the running lab (--lab, or the only one up), else the embedded\n" +
			"seed lab: routers grouped by AS, a VPC's nodes by VPC, every link with its interfaces and\n" +
			"addresses, eBGP links in bold. -o svg and -o html\n" +
			"need Graphviz's dot (Debian package graphviz); -o dot prints its input.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "dot" && output != "svg" && output != "html" {
				return usage(fmt.Errorf("unknown output %q: use dot, svg or html", output))
			}
			l, err := graphLab(g, args)
			if err != nil {
				return err
			}
			out, err := lab.Draw(l, output)
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

// graphLab is the lab to draw: FILE, else the running lab the other
// commands would act on (--lab names one, which must be up), else — with
// no lab up — the embedded seed lab. Without this, `netemu graph --lab X`
// silently drew the seed lab.
func graphLab(g *globals, args []string) (*topo.Lab, error) {
	if len(args) == 1 {
		return lab.Load(args[0])
	}
	states, _ := nodes.ListStates()
	if g.lab == "" && len(states) == 0 {
		return lab.Load("")
	}
	st, err := selectShare(g, nil)
	if err != nil {
		return nil, err
	}
	if st.Model == nil {
		return nil, fmt.Errorf("lab %s: its state has no model to draw; give the lab's FILE", st.Lab)
	}
	return st.Model, nil
}

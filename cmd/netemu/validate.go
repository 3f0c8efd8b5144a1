package main

import (
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/topo"
)

func newValidateCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   "validate FILE|EXAMPLE",
		Short: "Check a topology file without touching the kernel (every error at once)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			l, err := lab.Load(file)
			if output != outputJSON {
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%d nodes, %d links)\n", file, len(l.Nodes), len(l.Links))
				return nil
			}
			r := lab.ValidateReport{File: file, OK: err == nil, Errors: []lab.DiagnosticReport{}}
			if l != nil {
				r.Lab, r.Nodes, r.Links = l.Name, len(l.Nodes), len(l.Links)
			}
			var de *topo.DiagError
			switch {
			case errors.As(err, &de):
				for _, d := range de.Diags {
					dr := lab.DiagnosticReport{Summary: d.Summary, Detail: d.Detail}
					if d.Subject != nil {
						dr.File, dr.Line, dr.Column = d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column
					}
					if d.Severity == hcl.DiagWarning {
						r.Warn = append(r.Warn, dr)
					} else {
						r.Errors = append(r.Errors, dr)
					}
				}
			case err != nil:
				r.Errors = append(r.Errors, lab.DiagnosticReport{File: file, Summary: friendly(err).Error()})
			}
			if perr := printJSON(cmd.OutOrStdout(), r); perr != nil {
				return perr
			}
			if err != nil {
				// The errors are in the JSON; the exit status says so.
				return &exitError{code: exitFailure, err: errReported}
			}
			return nil
		},
	}, &output)
}

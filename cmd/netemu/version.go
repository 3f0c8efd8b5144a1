package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/topo"
)

// version is stamped by the Makefile (-ldflags "-X main.version=…");
// without it the module's build information says what it can.
var version = ""

// buildVersion is the version and commit of this binary.
func buildVersion() lab.VersionReport {
	r := lab.VersionReport{Version: version, GoVersion: runtime.Version(), SchemaVersion: lab.ReportSchemaVersion}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if r.Version == "" && bi.Main.Version != "" {
			r.Version = bi.Main.Version
		}
		dirty := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				r.Commit = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if dirty && r.Commit != "" {
			r.Commit += "-dirty"
		}
	}
	if r.Version == "" {
		r.Version = "(devel)"
	}
	return r
}

func (g *globals) versionLine() string {
	v := buildVersion()
	s := "netemu " + v.Version
	if v.Commit != "" {
		s += " (" + v.Commit + ")"
	}
	return s + " " + v.GoVersion
}

func newVersionCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   "version",
		Short: "Print netemu's version (also --version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			return show(w, output, buildVersion(), func() error {
				_, err := fmt.Fprintln(w, g.versionLine())
				return err
			})
		},
	}, &output)
}

// examples lists the embedded labs with their descriptions.
func examples() ([]lab.ExampleReport, error) {
	out := []lab.ExampleReport{}
	for _, name := range topo.Examples() {
		l, err := topo.LoadExample(name)
		if err != nil {
			return nil, fmt.Errorf("embedded example %s: %w", name, err)
		}
		out = append(out, lab.ExampleReport{Name: name, Description: l.Description, Nodes: len(l.Nodes), Links: len(l.Links)})
	}
	return out, nil
}

func newExamplesCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   "examples",
		Short: "List the example labs built into netemu (`netemu up NAME` runs one)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ex, err := examples()
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

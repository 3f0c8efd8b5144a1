package lab

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// Version is this binary's version: stamped (the Makefile's -ldflags
// "-X main.version=…"), else what the module's build information says.
func Version(stamped string) VersionReport {
	r := VersionReport{Version: stamped, GoVersion: runtime.Version(), SchemaVersion: ReportSchemaVersion}
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

// String is the one line `netemu --version` prints.
func (v VersionReport) String() string {
	s := "netemu " + v.Version
	if v.Commit != "" {
		s += " (" + v.Commit + ")"
	}
	return s + " " + v.GoVersion
}

// Examples lists the embedded example labs with their descriptions.
func Examples() ([]ExampleReport, error) {
	out := []ExampleReport{}
	for _, name := range topo.Examples() {
		l, err := topo.LoadExample(name)
		if err != nil {
			return nil, fmt.Errorf("embedded example %s: %w", name, err)
		}
		out = append(out, ExampleReport{Name: name, Description: l.Description, Nodes: len(l.Nodes), Links: len(l.Links)})
	}
	return out, nil
}

// Validate loads file (or the example it names) and reports every error
// in it; err is Load's error, for a caller that prints it as text.
func Validate(file string) (r ValidateReport, err error) {
	l, err := Load(file)
	r = ValidateReport{File: file, OK: err == nil, Errors: []DiagnosticReport{}}
	if l != nil {
		r.Lab, r.Nodes, r.Links = l.Name, len(l.Nodes), len(l.Links)
		r.RouteReflectors = Reflectors(l)
	}
	var de *topo.DiagError
	switch {
	case errors.As(err, &de):
		for _, d := range de.Diags {
			dr := DiagnosticReport{Summary: d.Summary, Detail: d.Detail}
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
		r.Errors = append(r.Errors, DiagnosticReport{File: file, Summary: err.Error()})
	}
	return r, err
}

// What a command's arguments are, for completion (Candidates).
const (
	ArgLab      = "lab"
	ArgNode     = "node"
	ArgRouter   = "router"
	ArgInstance = "instance"
	ArgLinkEnd  = "link" // A then B, B among A's neighbours
	ArgFile     = "file" // a lab file or an embedded example
)

// Candidates are the names a shell may complete for the next argument of
// kind, given the arguments so far, from the labs running here (of
// labFlag only, when set) and the embedded examples.
func Candidates(kind, labFlag string, args []string) []string {
	states, _ := nodes.ListStates()
	if labFlag != "" {
		lab, _ := labpath.SplitShareName(labFlag)
		states = slices.DeleteFunc(states, func(st *nodes.State) bool { return st.Lab != lab })
	}
	var out []string
	switch kind {
	case ArgFile:
		return topo.Examples()
	case ArgLab:
		return LabNames(states)
	case ArgLinkEnd:
		for _, st := range states {
			if st.Model == nil {
				continue
			}
			for _, ends := range LinkNames(st.Model) {
				switch {
				case len(args) == 0:
					out = append(out, ends[0], ends[1])
				case ends[0] == args[0]:
					out = append(out, ends[1])
				case ends[1] == args[0]:
					out = append(out, ends[0])
				}
			}
		}
	default:
		for _, st := range states {
			for _, name := range st.Nodes {
				n := st.Model.Node(name)
				switch {
				case n == nil:
				case kind == ArgRouter && n.Kind != topo.KindRouter:
				case kind == ArgInstance && n.Kind != topo.KindInstance:
				default:
					out = append(out, name)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
)

// printNodesTable prints one line per node of the share: name, kind,
// machine (multi-host only), each interface with its addresses, then the
// extra columns. Interfaces come from the model, or from live status when
// ls is given.
func printNodesTable(w io.Writer, st *nodes.State, ls *nodes.LabStatus) error {
	cols := lab.NodeColumns()
	multi := st.Model != nil && len(st.Model.Machines) > 0
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	hdr := []string{"NODE", "KIND"}
	if multi {
		hdr = append(hdr, "MACHINE")
	}
	hdr = append(hdr, "INTERFACES")
	for _, c := range cols {
		hdr = append(hdr, c.Header)
	}
	if ls != nil {
		hdr = append(hdr, "PROCESSES")
	}
	fmt.Fprintln(tw, strings.Join(hdr, "\t"))
	live := map[string]*nodes.NodeStatus{}
	if ls != nil {
		for i := range ls.Nodes {
			live[ls.Nodes[i].Name] = &ls.Nodes[i]
		}
	}
	for _, name := range st.Nodes {
		n := st.Model.Node(name)
		if n == nil {
			continue
		}
		row := []string{n.Name, string(n.Kind)}
		if multi {
			row = append(row, n.Machine)
		}
		var ifs []string
		if ns := live[name]; ns != nil {
			for _, i := range ns.Interfaces {
				if i.Name == "lo" && len(i.Addrs) == 0 {
					continue
				}
				ifs = append(ifs, i.Name+" "+strings.Join(i.Addrs, ","))
			}
			if ns.Error != "" {
				ifs = append(ifs, "error: "+ns.Error)
			}
		} else {
			if n.Loopback.IsValid() {
				ifs = append(ifs, "lo "+n.Loopback.String())
			}
			for _, i := range n.Interfaces {
				ifs = append(ifs, i.Name+" "+i.Addr.String())
			}
		}
		row = append(row, strings.Join(ifs, "  "))
		for _, c := range cols {
			row = append(row, dash(c.Value(st, name)))
		}
		if ns := live[name]; ns != nil {
			var ps []string
			for _, p := range ns.Processes {
				s := p.Name
				switch {
				case !p.Running:
					s += "(stopped)"
				case p.PID == 0:
					s += "(waiting)"
				}
				if p.Restarts > 0 {
					s += fmt.Sprintf("[%d restarts]", p.Restarts)
				}
				ps = append(ps, s)
			}
			row = append(row, dash(strings.Join(ps, " ")))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// printJSON writes v as indented JSON, the shape scripts read with -o json.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// outputFormat is the -o flag of the read commands. It checks its value
// when the flag is parsed, so no command can forget to.
type outputFormat string

const (
	outputTable outputFormat = "table"
	outputJSON  outputFormat = "json"
	outputUsage              = "output format: table or json"
)

func (o *outputFormat) String() string { return string(*o) }
func (o *outputFormat) Type() string   { return "format" }

func (o *outputFormat) Set(v string) error {
	switch outputFormat(v) {
	case outputTable, outputJSON:
		*o = outputFormat(v)
		return nil
	}
	return fmt.Errorf("unknown output %q (table or json)", v)
}

// withOutput adds the -o flag to cmd, writing to o.
func withOutput(cmd *cobra.Command, o *outputFormat) *cobra.Command {
	*o = outputTable
	cmd.Flags().VarP(o, "output", "o", outputUsage)
	return cmd
}

// show writes v as JSON with -o json, else calls table.
func show(w io.Writer, o outputFormat, v any, table func() error) error {
	if o == outputJSON {
		return printJSON(w, v)
	}
	return table()
}

// fanOut runs f over ssh and prints each machine's output under its name.
func fanOut(ctx context.Context, w io.Writer, f lab.FanOut, err error) error {
	if err != nil {
		return err
	}
	rs, err := lab.OnMachines(ctx, f)
	printMachineResults(w, rs)
	return err
}

// dash is s, or "-" for nothing, as the tables show an empty cell.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// progress draws "building lab: 12/40" on a terminal and nothing
// otherwise: quiet by default, pipes and logs stay clean.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	tty   bool
	drawn bool
	last  int
}

func newProgress(f *os.File, label string) *progress {
	fi, err := f.Stat()
	tty := err == nil && fi.Mode()&os.ModeCharDevice != 0
	return &progress{w: f, label: label, tty: tty}
}

func (p *progress) update(done, total int) {
	if p == nil || !p.tty || total == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pct := done * 100 / total
	if p.drawn && pct == p.last && done != total {
		return
	}
	p.last = pct
	p.drawn = true
	fmt.Fprintf(p.w, "\r%s: %d/%d (%d%%)", p.label, done, total, pct)
}

func (p *progress) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/nodes"
)

func newLogsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "logs NODE [PROCESS]",
		Short: "Print the logs of the processes netemu supervises in a node (all, or one)",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			node := args[0]
			st, err := selectNodeShare(g, node)
			if err != nil {
				return err
			}
			want := ""
			if len(args) == 2 {
				want = args[1]
			}
			return printLogs(os.Stdout, st, node, want)
		},
	}
}

// printLogs copies the log of each process of node (or only of want) to w,
// each under a header when there are several.
func printLogs(w io.Writer, st *nodes.State, node, want string) error {
	var procs []nodes.ProcessState
	var names []string
	seen := map[string]bool{}
	for _, p := range st.Processes {
		if p.Node != node || seen[p.Spec.Name] {
			continue
		}
		seen[p.Spec.Name] = true
		names = append(names, p.Spec.Name)
		if want == "" || p.Spec.Name == want {
			procs = append(procs, p)
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("node %s runs no process started by netemu", node)
	}
	if len(procs) == 0 {
		return fmt.Errorf("node %s has no process %q (it has: %s)", node, want, strings.Join(names, ", "))
	}
	for i, p := range procs {
		if len(procs) > 1 {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "==> %s (%s) <==\n", p.Spec.Name, p.LogFile)
		}
		f, err := os.Open(p.LogFile)
		if err != nil {
			return fmt.Errorf("process %s: %w", p.Spec.Name, err)
		}
		_, err = io.Copy(w, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("process %s: read log: %w", p.Spec.Name, err)
		}
	}
	return nil
}

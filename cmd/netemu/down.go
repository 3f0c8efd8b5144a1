package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

func newDownCmd(g *globals) *cobra.Command {
	var all bool
	var machine string
	var allMachines, missingOK bool
	var output outputFormat
	cmd := &cobra.Command{
		Use:   "down [LAB]",
		Short: "Remove a lab: processes, namespaces, files (works after a crash)",
		Long: "Removes a lab: its processes, namespaces, links and files, also after a crash.\n" +
			"Naming a lab that is not up is an error (exit 1: a misspelt name would otherwise pass\n" +
			"unnoticed) unless --missing-ok; `down --all` removes whatever is up.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := g.labArg(args)
			if allMachines {
				// The machines come from the file: here the argument is FILE.
				l, err := lab.Load(name)
				if err != nil {
					return err
				}
				return runAllMachines(cmd.Context(), os.Stdout, l, name, "down", nil)
			}
			o := lab.DownOptions{Name: name, Machine: machine, All: all, Log: g.logger()}
			started := time.Now()
			if output != outputJSON {
				// A line per share: removing a big lab takes a while.
				o.Progress = func(share string, n int) {
					fmt.Fprintf(os.Stderr, "removing lab %s (%d nodes)…\n", share, n)
				}
			}
			reports, err := lab.Down(cmd.Context(), o)
			if output == outputJSON {
				if perr := printJSON(os.Stdout, lab.DownJSON(reports)); perr != nil {
					return perr
				}
			} else {
				lab.WriteDownReports(os.Stdout, reports, err, time.Since(started), missingOK)
			}
			if err != nil {
				return err
			}
			// A lab named but not up: the name is probably wrong.
			if name != "" && !all && !missingOK {
				return lab.NotUp(name, reports)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "remove every lab on this machine")
	cmd.Flags().BoolVar(&missingOK, "missing-ok", false, "a lab that is not up is no error (for cleanup scripts)")
	cmd.Flags().StringVar(&machine, "machine", "", "remove only this machine's share of a multi-host lab")
	cmd.Flags().BoolVar(&allMachines, "all-machines", false, "with FILE instead of LAB: run `down --machine M` on every machine of the file over ssh, in parallel")
	return withOutput(cmd, &output)
}

package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/ui"
)

func newUpCmd(g *globals) *cobra.Command {
	var machine string
	var allMachines, withUI bool
	var output outputFormat
	cmd := &cobra.Command{
		Use:   "up [FILE|EXAMPLE]",
		Short: "Build a lab (default: the embedded seed lab) and start its programs",
		Long: "Builds the lab, starts its programs and routing daemons and waits until routing has\n" +
			"converged, then prints the nodes table (above 50 nodes a summary: `netemu status` has the\n" +
			"table). Sessions to BGP speakers netemu does not run\n" +
			"(neighbor \"ADDR\" blocks) are not waited for: they are listed as waiting for an external\n" +
			"speaker. Ctrl-C removes what was built and exits 130. Progress goes to stderr: a bar on a\n" +
			"terminal, a line per stage otherwise, nothing with -o json.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := fileArg(args)
			if allMachines {
				if machine != "" {
					return usage(fmt.Errorf("--all-machines and --machine exclude each other"))
				}
				l, err := lab.Load(file)
				if err != nil {
					return err
				}
				return runAllMachines(cmd.Context(), os.Stdout, l, file, "up", nil)
			}
			return runUp(cmd.Context(), g, file, machine, withUI, output)
		},
	}
	cmd.Flags().StringVar(&machine, "machine", "", "build only this machine's share of a multi-host lab (default: the machine whose address is on this host)")
	cmd.Flags().BoolVar(&allMachines, "all-machines", false, "run `up --machine M` on every machine of the file over ssh ($NETEMU_SSH, default ssh), in parallel")
	cmd.Flags().BoolVar(&withUI, "ui", false, "then serve the live view (as `netemu ui`, on "+ui.DefaultListen+") until Ctrl-C")
	return withOutput(cmd, &output)
}

func runUp(ctx context.Context, g *globals, file, machine string, withUI bool, output outputFormat) error {
	l, err := lab.Load(file)
	if err != nil {
		return err
	}
	self, err := lab.SelfPath()
	if err != nil {
		return err
	}
	opts := lab.UpOptions{Lab: l, Machine: machine, Self: self, Log: g.logger()}
	if err := opts.TimeoutsFromEnv(); err != nil {
		return err
	}
	parent := ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if output != outputJSON {
		opts.Progress = (&lab.UpPrinter{Lab: l, Out: os.Stdout, Err: os.Stderr}).Event
	}
	began := time.Now()
	res, err := lab.Up(ctx, opts)
	if err != nil {
		return interrupted(ctx, parent, err, "`up` stopped; what it had built is removed again")
	}
	if output == outputJSON {
		if err := printJSON(os.Stdout, res.Report()); err != nil || !withUI {
			return err
		}
		return ui.ServeShare(ctx, res.State, g.logger(), ui.ServeOptions{Out: os.Stderr})
	}
	// A big lab gets a summary: its table is `netemu status`.
	if len(res.State.Nodes) > lab.SummaryMax {
		lab.WriteUpSummary(os.Stdout, lab.Summarise(res.State, time.Since(began)))
	} else {
		lab.WriteReflectors(os.Stdout, lab.Reflectors(res.State.Model))
		if err := lab.WriteNodesTable(os.Stdout, res.State, nil); err != nil {
			return err
		}
	}
	if !withUI {
		return nil
	}
	return ui.ServeShare(ctx, res.State, g.logger(), ui.ServeOptions{Out: os.Stdout})
}

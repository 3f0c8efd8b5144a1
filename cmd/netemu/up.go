package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/topo"
	"github.com/netemu/netemu/ui"
)

// Environment variables that bound `up`'s waits: tests of labs that never
// converge, or machines started by hand.
const (
	convergeTimeoutEnv = "NETEMU_CONVERGE_TIMEOUT" // default: from the lab's timers
	peerTimeoutEnv     = "NETEMU_PEER_TIMEOUT"     // default: lab.DefaultPeerTimeout
)

func newUpCmd(g *globals) *cobra.Command {
	var machine string
	var allMachines, withUI bool
	var output outputFormat
	cmd := &cobra.Command{
		Use:   "up [FILE|EXAMPLE]",
		Short: "Build a lab (default: the embedded seed lab) and start its programs",
		Long: "Builds the lab, starts its programs and routing daemons and waits until routing has\n" +
			"converged, then prints the nodes table. Sessions to BGP speakers netemu does not run\n" +
			"(neighbor \"ADDR\" blocks) are not waited for: they are listed as waiting for an external\n" +
			"speaker. Ctrl-C removes what was built and exits 130. Progress goes to stderr: a bar on a\n" +
			"terminal, a line per stage otherwise, nothing with -o json.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := ""
			if len(args) == 1 {
				file = args[0]
			}
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
	if opts.ConvergeTimeout, err = envDuration(convergeTimeoutEnv); err != nil {
		return err
	}
	if opts.PeerTimeout, err = envDuration(peerTimeoutEnv); err != nil {
		return err
	}
	parent := ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if output != outputJSON {
		r := &upRenderer{lab: l, out: os.Stdout, errw: os.Stderr}
		opts.Progress = r.event
	}
	res, err := lab.Up(ctx, opts)
	if err != nil {
		return interrupted(ctx, parent, err, "`up` stopped; what it had built is removed again")
	}
	if output == outputJSON {
		r := lab.NodesReport(res.State)
		if res.Converged != nil {
			w := res.Converged.Report()
			r.Converged = &w
		}
		if res.Services != nil {
			for _, name := range slices.Sorted(maps.Keys(res.Services.Keys)) {
				r.KeyFiles = append(r.KeyFiles, res.Services.Keys[name])
			}
		}
		if err := printJSON(os.Stdout, r); err != nil || !withUI {
			return err
		}
		return ui.ServeShare(ctx, res.State, g.logger(), ui.ServeOptions{Out: os.Stderr})
	}
	if err := lab.WriteNodesTable(os.Stdout, res.State, nil); err != nil || !withUI {
		return err
	}
	return ui.ServeShare(ctx, res.State, g.logger(), ui.ServeOptions{Out: os.Stdout})
}

// envDuration is the duration in $name, 0 when unset.
func envDuration(name string) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: %w", name, v, err)
	}
	return d, nil
}

// upRenderer prints `up`'s progress as it happens: the build's progress
// bar on stderr, what each stage made on stdout once it is done.
type upRenderer struct {
	lab       *topo.Lab
	out, errw *os.File
	bar       *progress
	// wait is the bar of a stage's EventProgress (agents answering,
	// routers converged); lastStep the tenth last printed as a plain line.
	wait     *progress
	lastStep map[string]int
}

func (r *upRenderer) event(e lab.Event) {
	switch e.Kind {
	case lab.EventMachine:
		fmt.Fprintf(r.errw, "this host is machine %s of lab %s (it has %s)\n", e.Machine, r.lab.Name, r.lab.Machine(e.Machine).Address)
	case lab.EventStageStart:
		if e.Stage == lab.StageBuild {
			fmt.Fprintf(r.errw, "building lab %s: %d nodes, %d links\n", e.Share, len(r.lab.Nodes), len(r.lab.Links))
			r.bar = newProgress(r.errw, "building "+e.Share)
		} else if what := lab.StageLine(r.lab, e.Stage); what != "" {
			fmt.Fprintf(r.errw, "%s…\n", what)
		}
	case lab.EventProgress:
		r.stageProgress(e)
	case lab.EventRollback:
		r.bar.done()
		r.wait.done()
		fmt.Fprintf(r.errw, "removing what was built of %s\n", e.Share)
	case lab.EventBuilt:
		r.bar.update(e.Done, e.Total)
	case lab.EventStageDone:
		if e.Stage == lab.StageBuild {
			r.bar.done()
		}
		r.wait.done()
		r.wait = nil
		if e.Err == nil {
			e.Result.WriteStage(r.out, e.Stage)
		}
	}
}

// stageProgress shows a waiting stage's count: a bar on a terminal, else
// a plain line at every tenth of the way, so a log shows it is alive
// without a line per router.
func (r *upRenderer) stageProgress(e lab.Event) {
	if e.Total == 0 {
		return
	}
	label := fmt.Sprintf("%s: %s", e.Stage, e.What)
	if r.wait == nil {
		r.wait = newProgress(r.errw, label)
	}
	if r.wait.tty {
		r.wait.label = label
		r.wait.update(e.Done, e.Total)
		return
	}
	if r.lastStep == nil {
		r.lastStep = map[string]int{}
	}
	step := e.Done * 10 / e.Total
	if prev, ok := r.lastStep[label]; ok && step == prev {
		return
	}
	r.lastStep[label] = step
	fmt.Fprintf(r.errw, "%s %d/%d\n", label, e.Done, e.Total)
}

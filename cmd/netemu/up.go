package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/vxlan"
	"github.com/netemu/netemu/topo"
)

// upRun is what every stage of `netemu up` gets.
type upRun struct {
	lab   *topo.Lab
	state *nodes.State // the share being built (state.Dir, state.Nodes …); nil in check
	log   hclog.Logger
	// self is the absolute path of the running netemu binary (for
	// `netemu agent`, `netemu supervise`).
	self string
	// machine is the share being built ("" for a single-machine lab).
	machine string
}

// upStage is one step of `netemu up` after the kernel objects exist.
// A stage's failure fails `up`, which then tears everything down
// (processes, namespaces, files): stages need no undo of their own.
type upStage struct {
	name string
	// check, when set, runs BEFORE anything is built (r.state is nil):
	// missing programs, bad combinations. Failing here touches nothing.
	check func(r *upRun) error
	run   func(ctx context.Context, r *upRun) error
}

// upStages lists every stage after the kernel objects exist, in order.
// One line each; owners add theirs: firewall (issue 3), services (issue 4),
// routing (issues 5/6), converge (issue 7).
func upStages() []upStage {
	return []upStage{
		tunnelsStage(),
		fwStage(),
		servicesStage(),
		routingStage(),
		peersStage(),
		frrStage(),
		convergeStage(),
	}
}

func newUpCmd(g *globals) *cobra.Command {
	var machine string
	var allMachines bool
	cmd := &cobra.Command{
		Use:   "up [FILE]",
		Short: "Build a lab (default: the embedded seed lab) and start its programs",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := ""
			if len(args) == 1 {
				file = args[0]
			}
			if allMachines {
				if machine != "" {
					return fmt.Errorf("--all-machines and --machine exclude each other")
				}
				lab, err := loadLab(file)
				if err != nil {
					return err
				}
				return runAllMachines(cmd.Context(), os.Stdout, lab, file, "up", nil)
			}
			return runUp(cmd.Context(), g, file, machine)
		},
	}
	cmd.Flags().StringVar(&machine, "machine", "", "build only this machine's share of a multi-host lab (default: the machine whose address is on this host)")
	cmd.Flags().BoolVar(&allMachines, "all-machines", false, "run `up --machine M` on every machine of the file over ssh ($NETEMU_SSH, default ssh), in parallel")
	return cmd
}

func runUp(ctx context.Context, g *globals, file, machine string) error {
	log := g.logger()
	lab, err := loadLab(file)
	if err != nil {
		return err
	}
	if machine, err = resolveMachine(lab, machine); err != nil {
		return err
	}
	self, err := selfPath()
	if err != nil {
		return err
	}
	r := &upRun{lab: lab, log: log, self: self, machine: machine}
	stages := upStages()
	for _, s := range stages {
		if s.check == nil {
			continue
		}
		if err := s.check(r); err != nil {
			return fmt.Errorf("up %s: %s: %w", lab.Name, s.name, err)
		}
	}

	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	unlock, err := nodes.Lock(ctx, lab.Name, machine)
	if err != nil {
		return err
	}
	defer unlock()
	share := labpath.ShareName(lab.Name, machine)
	if _, err := nodes.LoadState(lab.Name, machine); err == nil {
		return fmt.Errorf("lab %s is already up (run `netemu down %s` first)", share, lab.Name)
	} else if !errors.Is(err, nodes.ErrNotUp) {
		return fmt.Errorf("lab %s: %w (run `netemu down %s`)", share, err, lab.Name)
	}

	prog := newProgress(os.Stderr, "building "+share)
	st, err := nodes.Build(ctx, lab, nodes.BuildOptions{
		Machine:    machine,
		Log:        log,
		Progress:   prog.update,
		Supervisor: self,
		CrossLink:  vxlan.New(log),
	})
	prog.done()
	if err != nil {
		return fmt.Errorf("up %s: %w", share, err)
	}
	r.state = st
	for _, s := range stages {
		err := ctx.Err()
		if err == nil {
			log.Debug("stage", "name", s.name)
			err = s.run(ctx, r)
		}
		if err != nil {
			log.Warn("up failed, tearing the lab down", "stage", s.name, "error", err)
			if derr := nodes.Down(context.Background(), lab.Name, machine, log); derr != nil {
				err = errors.Join(err, fmt.Errorf("teardown: %w", derr))
			}
			return fmt.Errorf("up %s: %s: %w", share, s.name, err)
		}
	}
	if err := nodes.MarkUp(st); err != nil {
		return err
	}
	return printNodesTable(os.Stdout, st, nil)
}

// selfPath is the running binary, resolved, so detached children (the
// supervisor, agents) keep working whatever the caller's cwd was.
func selfPath() (string, error) {
	p, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the netemu binary: %w", err)
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return p, nil
}

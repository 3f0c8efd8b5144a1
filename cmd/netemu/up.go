package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/nodes/vxlan"
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
				l, err := lab.Load(file)
				if err != nil {
					return err
				}
				return runAllMachines(cmd.Context(), os.Stdout, l, file, "up", nil)
			}
			return runUp(cmd.Context(), g, file, machine, withUI)
		},
	}
	cmd.Flags().StringVar(&machine, "machine", "", "build only this machine's share of a multi-host lab (default: the machine whose address is on this host)")
	cmd.Flags().BoolVar(&allMachines, "all-machines", false, "run `up --machine M` on every machine of the file over ssh ($NETEMU_SSH, default ssh), in parallel")
	cmd.Flags().BoolVar(&withUI, "ui", false, "then serve the live view (as `netemu ui`, on "+ui.DefaultListen+") until Ctrl-C")
	return cmd
}

func runUp(ctx context.Context, g *globals, file, machine string, withUI bool) error {
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
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := &upRenderer{lab: l, out: os.Stdout, errw: os.Stderr}
	opts.Progress = r.event
	res, err := lab.Up(ctx, opts)
	if err != nil {
		return err
	}
	if err := printNodesTable(os.Stdout, res.State, nil); err != nil || !withUI {
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
}

func (r *upRenderer) event(e lab.Event) {
	switch e.Kind {
	case lab.EventMachine:
		fmt.Fprintf(r.errw, "this host is machine %s of lab %s (it has %s)\n", e.Machine, r.lab.Name, r.lab.Machine(e.Machine).Address)
	case lab.EventStageStart:
		if e.Stage == lab.StageBuild {
			r.bar = newProgress(r.errw, "building "+e.Share)
		}
	case lab.EventBuilt:
		r.bar.update(e.Done, e.Total)
	case lab.EventStageDone:
		if e.Stage == lab.StageBuild {
			r.bar.done()
		}
		if e.Err == nil {
			printStage(r.out, e.Stage, e.Result)
		}
	}
}

// printStage prints what a finished stage made.
func printStage(w io.Writer, stage string, res *lab.UpResult) {
	switch stage {
	case lab.StageTunnels:
		writeTunnels(w, res.Tunnels)
	case lab.StageServices:
		printServices(w, res.State.Model.ClientHost, res.Services)
	case lab.StagePeers:
		if p := res.Peers; p != nil {
			fmt.Fprintf(w, "machines %s answered through the tunnels after %s\n", strings.Join(p.Machines, ", "), p.After.Round(10*time.Millisecond))
		}
	case lab.StageConverge:
		if res.Converged != nil {
			fmt.Fprintln(w, res.Converged)
		}
	}
}

// printServices lists the key pairs' files and MariaDB's password files.
func printServices(w io.Writer, clientHost string, res *svc.Result) {
	if res == nil {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(res.Keys)) {
		fmt.Fprintf(w, "key pair %s: %s", name, res.Keys[name])
		if c, ok := res.ClientKeys[name]; ok {
			fmt.Fprintf(w, " (copy for %s: %s)", clientHost, c)
		}
		fmt.Fprintln(w)
	}
	for _, node := range slices.Sorted(maps.Keys(res.MariaDBPasswords)) {
		fmt.Fprintf(w, "mariadb on %s: user %s, password in %s\n", node, svc.MariaDBUser, res.MariaDBPasswords[node])
	}
}

// writeTunnels prints a share's VXLAN tunnels, nothing when it has none.
func writeTunnels(w io.Writer, rs []vxlan.Record) {
	for _, r := range rs {
		moved := ""
		if r.VNI != r.BaseVNI {
			moved = fmt.Sprintf(" (hash %d collided)", r.BaseVNI)
		}
		fmt.Fprintf(w, "tunnel %s:%s → %s:%s on %s (%s): vxlan VNI %d%s udp/%d, mtu %d (underlay %s mtu %d − %d)\n",
			r.Local.Node, r.Local.Iface, r.Remote.Node, r.Remote.Iface, r.RemoteMachine, r.RemoteAddr,
			r.VNI, moved, r.Port, r.MTU, r.Underlay, r.UnderlayMTU, r.UnderlayMTU-r.MTU)
	}
}

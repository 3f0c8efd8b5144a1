package lab

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/nodes/vxlan"
	"github.com/netemu/netemu/topo"
)

// Names of Up's stages, as Event.Stage carries them, in order.
const (
	StageBuild    = "build"
	StageTunnels  = "tunnels"
	StageFirewall = "firewall"
	StageServices = "services"
	StageRouting  = "routing"
	StagePeers    = "peers"
	StageFRR      = "frr"
	StageConverge = "converge"
)

// UpOptions say what Up builds and where it reports.
type UpOptions struct {
	// Lab is the validated lab to build; when nil, File is loaded (Load).
	Lab  *topo.Lab
	File string
	// Machine is the machine whose share to build; "" takes the machine
	// whose address is on this host (ResolveMachine), or everything when
	// the lab has no machines.
	Machine string
	// Self is the netemu binary that supervises the lab's programs and runs
	// its routing agents (`netemu supervise`, `netemu agent`, `netemu
	// routewatch`); "" is SelfPath, right only when the caller is netemu.
	Self string
	// Log is the logger (none when nil).
	Log hclog.Logger
	// Progress, when set, sees every Event as it happens. Build progress
	// comes from Build's workers, serialised.
	Progress func(Event)
	// PeerTimeout bounds the wait for the other machines of a multi-host
	// lab (DefaultPeerTimeout when 0).
	PeerTimeout time.Duration
	// ConvergeTimeout bounds the wait for convergence (derived from the
	// lab's timers when 0).
	ConvergeTimeout time.Duration
}

// EventKind says what an Event reports.
type EventKind int

const (
	// EventMachine: the machine was found by this host's address
	// (Event.Machine); a multi-host lab's `up` without --machine.
	EventMachine EventKind = iota + 1
	// EventStageStart: Event.Stage starts.
	EventStageStart
	// EventStageDone: Event.Stage ended, with Event.Err when it failed;
	// Event.Result holds what the stages made so far.
	EventStageDone
	// EventBuilt: Done of Total steps of the build are done.
	EventBuilt
	// EventRollback: a stage failed (Event.Err); the share is torn down.
	EventRollback
	// EventProgress: within Event.Stage, Done of Total Event.What are
	// ready ("agents": agents answering; "routers": routers whose
	// sessions and neighbours are up); Event.Detail may say what is
	// still awaited. Sent when a count changes, and at least every few
	// seconds while a stage waits, so a big lab shows it is alive.
	EventProgress
)

// Event is one step of Up's progress.
type Event struct {
	Kind EventKind
	// Share names what is built: "lab" or "lab@machine".
	Share   string
	Machine string
	Stage   string
	// Done and Total count the build's steps (EventBuilt) or What
	// (EventProgress).
	Done, Total int
	What        string
	Detail      string
	Result      *UpResult
	Err         error
}

// UpResult is what Up made that its caller may want to show.
type UpResult struct {
	// State is the share, marked up (its nodes, model, directory).
	State   *nodes.State
	Machine string
	// Tunnels are the VXLAN tunnels of the cut links (multi-host only).
	Tunnels []vxlan.Record
	// Services are the key pairs and passwords the services stage made.
	Services *svc.Result
	// Peers is when the other machines answered (nil without tunnels).
	Peers *PeersResult
	// Converged is the convergence check's result (nil when the lab runs
	// no routing daemons).
	Converged *WaitResult
}

// stage is one named step of Up after the kernel objects exist. A stage's
// failure fails Up, which then tears everything down (processes,
// namespaces, files): stages need no undo of their own.
type stage struct {
	name string
	// check, when set, runs BEFORE anything is built (r.state is nil):
	// missing programs, bad combinations. Failing here touches nothing.
	check func(r *upRun) error
	run   func(ctx context.Context, r *upRun) error
}

// stages lists every stage after the build, in order, one line each.
func stages() []stage {
	return []stage{
		tunnelsStage(),
		impairStage(),
		fwStage(),
		servicesStage(),
		routingStage(),
		peersStage(),
		frrStage(),
		convergeStage(),
	}
}

// progress emits an EventProgress of the running stage.
func (r *upRun) progress(stage, what string, done, total int, detail string) {
	if r.opts.Progress != nil {
		r.opts.Progress(Event{Kind: EventProgress, Share: labpath.ShareName(r.lab.Name, r.machine), Machine: r.machine,
			Stage: stage, What: what, Done: done, Total: total, Detail: detail})
	}
}

// upRun is what every stage gets.
type upRun struct {
	lab     *topo.Lab
	machine string // the share being built ("" for a single-machine lab)
	self    string
	log     hclog.Logger
	opts    UpOptions
	// state is the share being built; nil in check.
	state *nodes.State
	// res collects what the stages made.
	res *UpResult
}

// kernel is what Up drives on the host: nodes' functions in production,
// fakes in the orchestration's unit tests.
type kernel struct {
	lock      func(ctx context.Context, lab, machine string) (func(), error)
	loadState func(lab, machine string) (*nodes.State, error)
	build     func(ctx context.Context, lab *topo.Lab, opts nodes.BuildOptions) (*nodes.State, error)
	down      func(ctx context.Context, lab, machine string, log hclog.Logger) error
	markUp    func(st *nodes.State) error
	// crossLink builds the local end of a cut link (vxlan).
	crossLink func(log hclog.Logger) nodes.CrossLinker
}

func nodesKernel() kernel {
	return kernel{
		lock:      nodes.Lock,
		loadState: nodes.LoadState,
		build:     nodes.Build,
		down:      nodes.Down,
		markUp:    nodes.MarkUp,
		crossLink: func(log hclog.Logger) nodes.CrossLinker { return vxlan.New(log) },
	}
}

// Up builds the lab's share on this machine and runs every stage, returning
// once routing has converged. On failure, or when ctx is cancelled (the
// CLI cancels it on SIGINT/SIGTERM), everything built is removed again.
func Up(ctx context.Context, o UpOptions) (*UpResult, error) {
	return up(ctx, o, nodesKernel(), stages())
}

func up(ctx context.Context, o UpOptions, k kernel, stages []stage) (*UpResult, error) {
	log := o.Log
	if log == nil {
		log = hclog.NewNullLogger()
	}
	l := o.Lab
	if l == nil {
		var err error
		if l, err = Load(o.File); err != nil {
			return nil, err
		}
	}
	emit := func(e Event) {
		if o.Progress != nil {
			o.Progress(e)
		}
	}
	machine, err := ResolveMachine(l, o.Machine)
	if err != nil {
		return nil, err
	}
	share := labpath.ShareName(l.Name, machine)
	if o.Machine == "" && machine != "" {
		emit(Event{Kind: EventMachine, Share: share, Machine: machine})
	}
	self := o.Self
	if self == "" {
		if self, err = SelfPath(); err != nil {
			return nil, err
		}
	}
	res := &UpResult{Machine: machine}
	r := &upRun{lab: l, machine: machine, self: self, log: log, opts: o, res: res}
	for _, s := range stages {
		if s.check == nil {
			continue
		}
		if err := s.check(r); err != nil {
			return nil, fmt.Errorf("up %s: %s: %w", l.Name, s.name, err)
		}
	}

	unlock, err := k.lock(ctx, l.Name, machine)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, err := k.loadState(l.Name, machine); err == nil {
		return nil, fmt.Errorf("lab %s is already up (run `netemu down %s` first)", share, l.Name)
	} else if !errors.Is(err, nodes.ErrNotUp) {
		return nil, fmt.Errorf("lab %s: %w (run `netemu down %s`)", share, err, l.Name)
	}

	// Build removes what it made when it fails: no rollback of ours.
	emit(Event{Kind: EventStageStart, Share: share, Machine: machine, Stage: StageBuild})
	st, err := k.build(ctx, l, nodes.BuildOptions{
		Machine: machine,
		Log:     log,
		Progress: func(done, total int) {
			emit(Event{Kind: EventBuilt, Share: share, Machine: machine, Stage: StageBuild, Done: done, Total: total})
		},
		Supervisor: self,
		CrossLink:  k.crossLink(log),
	})
	if err != nil {
		err = fmt.Errorf("up %s: %w", share, err)
		emit(Event{Kind: EventStageDone, Share: share, Machine: machine, Stage: StageBuild, Result: res, Err: err})
		return nil, err
	}
	r.state, res.State = st, st
	emit(Event{Kind: EventStageDone, Share: share, Machine: machine, Stage: StageBuild, Result: res})

	for _, s := range stages {
		err := ctx.Err()
		if err == nil {
			log.Debug("stage", "name", s.name)
			emit(Event{Kind: EventStageStart, Share: share, Machine: machine, Stage: s.name})
			err = s.run(ctx, r)
			emit(Event{Kind: EventStageDone, Share: share, Machine: machine, Stage: s.name, Result: res, Err: err})
		}
		if err != nil {
			log.Warn("up failed, tearing the lab down", "stage", s.name, "error", err)
			emit(Event{Kind: EventRollback, Share: share, Machine: machine, Stage: s.name, Err: err})
			if derr := k.down(context.Background(), l.Name, machine, log); derr != nil {
				err = errors.Join(err, fmt.Errorf("teardown: %w", derr))
			}
			return nil, fmt.Errorf("up %s: %s: %w", share, s.name, err)
		}
	}
	if err := k.markUp(st); err != nil {
		return nil, err
	}
	return res, nil
}

// localShare is l with only the nodes machine builds (all of them when
// the lab has no machines).
func localShare(l *topo.Lab, machine string) *topo.Lab {
	if machine == "" {
		return l
	}
	cp := *l
	cp.Nodes = nil
	for _, n := range l.Nodes {
		if n.Machine == machine {
			cp.Nodes = append(cp.Nodes, n)
		}
	}
	return &cp
}

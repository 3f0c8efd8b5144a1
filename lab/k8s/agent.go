package k8s

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"k8s.io/client-go/util/retry"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// DefaultRecordDir holds the agents' records of the shares they own.
const DefaultRecordDir = "/var/lib/netemu/k8s/shares"

// Agent is one machine's reconcile loop: it keeps this machine's share of
// every Lab object as the object says, and reports it in the status.
type Agent struct {
	Client *Client
	// Node is this machine: its Kubernetes Node name.
	Node string
	// Self is the netemu binary (lab.UpOptions.Self).
	Self string
	Log  hclog.Logger
	// Resync is how often every lab is looked at again (2s when 0).
	Resync time.Duration
	// RecordDir holds a record per share this agent owns (the lab's UID),
	// written before the build starts, so a restarted agent knows which
	// shares are its own — to adopt, rebuild, or remove when the object
	// is gone — and never touches a share `netemu up` made by hand.
	RecordDir string
	// Retry is how long after a failed build it is tried again (30s).
	Retry time.Duration
	// PeerTimeout and ConvergeTimeout go to lab.Up.
	PeerTimeout, ConvergeTimeout time.Duration

	// statusMu makes this agent's own status writes (the reconcile loop's
	// and its builds') take turns too: the Lease is held per agent.
	statusMu sync.Mutex
	mu       sync.Mutex
	builds   map[string]*build    // lab → the build in progress
	failed   map[string]time.Time // lab UID → when its build last failed
}

type build struct {
	uid    string
	cancel context.CancelFunc
	done   chan struct{}
}

// record is what RecordDir keeps of a share.
type record struct {
	Lab string `json:"lab"`
	UID string `json:"uid"`
}

func (a *Agent) init() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.builds == nil {
		a.builds, a.failed = map[string]*build{}, map[string]time.Time{}
	}
	if a.Log == nil {
		a.Log = hclog.NewNullLogger()
	}
	if a.RecordDir == "" {
		a.RecordDir = DefaultRecordDir
	}
	if a.Resync <= 0 {
		a.Resync = 2 * time.Second
	}
	if a.Retry <= 0 {
		a.Retry = 30 * time.Second
	}
}

// Run reconciles until ctx ends; then builds in progress are cancelled
// (lab.Up removes what they made) while finished shares stay: a
// restarted agent adopts them.
func (a *Agent) Run(ctx context.Context) error {
	a.init()
	if a.Node == "" {
		return errors.New("agent: no node name (--node-name, from the downward API)")
	}
	a.Log.Info("agent started", "node", a.Node, "labels", a.Client.NodeLabel)
	t := time.NewTicker(a.Resync)
	defer t.Stop()
	for {
		if err := a.Reconcile(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("reconcile", "error", err)
		}
		select {
		case <-ctx.Done():
			a.stopBuilds()
			return nil
		case <-t.C:
		}
	}
}

func (a *Agent) stopBuilds() {
	a.mu.Lock()
	bs := make([]*build, 0, len(a.builds))
	for _, b := range a.builds {
		b.cancel()
		bs = append(bs, b)
	}
	a.mu.Unlock()
	for _, b := range bs {
		<-b.done
	}
}

// Reconcile looks at every lab once.
func (a *Agent) Reconcile(ctx context.Context) error {
	a.init()
	labs, err := a.Client.List(ctx)
	if err != nil {
		return err
	}
	cluster, err := a.Client.ClusterNodes(ctx)
	if err != nil {
		return err
	}
	var errs []error
	live := map[string]string{}
	for _, l := range labs {
		live[l.Name] = l.UID
		if err := a.reconcileLab(ctx, l, cluster); err != nil {
			errs = append(errs, fmt.Errorf("lab %s: %w", l.Name, err))
		}
	}
	errs = append(errs, a.removeOrphans(ctx, live))
	return errors.Join(errs...)
}

func (a *Agent) share(lab string) string { return labpath.ShareName(lab, a.Node) }

func (a *Agent) recordPath(lab string) string {
	return filepath.Join(a.RecordDir, a.share(lab)+".json")
}

func (a *Agent) readRecord(lab string) (*record, error) {
	data, err := os.ReadFile(a.recordPath(lab))
	if err != nil {
		return nil, err
	}
	r := &record{}
	return r, json.Unmarshal(data, r)
}

func (a *Agent) writeRecord(l *Lab) error {
	if err := os.MkdirAll(a.RecordDir, 0o755); err != nil {
		return fmt.Errorf("agent records: %w", err)
	}
	data, _ := json.Marshal(record{Lab: l.Name, UID: l.UID})
	return os.WriteFile(a.recordPath(l.Name), data, 0o644)
}

func (a *Agent) building(lab string) *build {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.builds[lab]
}

func (a *Agent) reconcileLab(ctx context.Context, l *Lab, cluster []ClusterNode) error {
	if b := a.building(l.Name); b != nil && (b.uid != l.UID || l.Deleting) {
		// The object we build for is gone or going.
		b.cancel()
		<-b.done
	}
	if l.Deleting {
		return a.remove(ctx, l, cluster)
	}
	if len(l.Status.Machines) == 0 {
		return a.choose(ctx, l, cluster)
	}
	if lost := LostMachines(l.Status, cluster); !reflect.DeepEqual(lost, l.Status.Lost) {
		if err := a.writeStatus(ctx, l.Name, func(x *Lab) { x.Status.Lost = LostMachines(x.Status, cluster) }); err != nil {
			return err
		}
	}
	if l.Status.Machine(a.Node) == nil {
		return nil // not one of this lab's machines
	}
	model, err := Model(l.Spec, l.Status.Machines)
	if err != nil {
		return a.report(ctx, l, Share{Phase: PhaseFailed, Message: err.Error()})
	}
	if a.building(l.Name) != nil {
		return nil
	}
	rec, _ := a.readRecord(l.Name)
	ours := rec != nil && rec.UID == l.UID
	st, serr := nodes.LoadState(l.Name, a.Node)
	switch {
	case serr == nil && st.Phase == nodes.PhaseUp && ours:
		// Up (possibly before this agent restarted): adopt it.
		return a.converge(ctx, l, model, st)
	case nodes.Present(l.Name, a.Node) && rec == nil:
		return a.report(ctx, l, Share{Phase: PhaseFailed,
			Message: fmt.Sprintf("a share %s not made by the agent runs on %s: remove it with `netemu down %s`", a.share(l.Name), a.Node, a.share(l.Name))})
	case nodes.Present(l.Name, a.Node):
		// Half built (the agent died during the build) or another
		// object's: take it down and build again.
		a.Log.Info("removing a stale share", "share", a.share(l.Name))
		if _, err := lab.Down(ctx, lab.DownOptions{Name: a.share(l.Name), Log: a.Log}); err != nil {
			return err
		}
	}
	a.mu.Lock()
	when, failed := a.failed[l.UID]
	a.mu.Unlock()
	if failed && time.Since(when) < a.Retry {
		return nil
	}
	return a.startBuild(ctx, l, model)
}

// choose fixes the lab's machines (and so its placement) and puts every
// machine's finalizer on it, under the Lease, once.
func (a *Agent) choose(ctx context.Context, l *Lab, cluster []ClusterNode) error {
	return a.Client.WithLease(ctx, l.Name, a.Node, func() error {
		return retry.RetryOnConflict(retry.DefaultRetry, func() error {
			l, err := a.Client.Get(ctx, l.Name)
			if err != nil || len(l.Status.Machines) > 0 || l.Deleting {
				return err
			}
			src, err := Model(l.Spec, nil)
			if err != nil {
				l.Status.Message = err.Error()
				return a.Client.updateStatus(ctx, l)
			}
			machines, err := ChooseMachines(src, cluster)
			if err != nil {
				l.Status.Message = err.Error()
				return a.Client.updateStatus(ctx, l)
			}
			model, err := Model(l.Spec, machines)
			if err != nil {
				l.Status.Message = err.Error()
				return a.Client.updateStatus(ctx, l)
			}
			fins := slices.Clone(l.Finalizers)
			for _, m := range machines {
				if !slices.Contains(fins, FinalizerPrefix+m.Name) {
					fins = append(fins, FinalizerPrefix+m.Name)
				}
			}
			// Finalizers first: no machine may build before its
			// finalizer guards the object.
			if err := a.Client.patchFinalizers(ctx, l, fins); err != nil {
				return err
			}
			if l, err = a.Client.Get(ctx, l.Name); err != nil {
				return err
			}
			l.Status.Machines = machines
			l.Status.Placement = PlacementOf(model)
			a.Log.Info("lab placed", "lab", l.Name, "placement", l.Status.Placement)
			return a.Client.updateStatus(ctx, l)
		})
	})
}

// startBuild runs lab.Up for this machine's share in the background.
func (a *Agent) startBuild(ctx context.Context, l *Lab, model *topo.Lab) error {
	if err := a.writeRecord(l); err != nil {
		return err
	}
	if err := a.report(ctx, l, Share{Phase: PhaseBuilding}); err != nil {
		return err
	}
	// The build outlives this reconcile pass, not the agent.
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b := &build{uid: l.UID, cancel: cancel, done: make(chan struct{})}
	a.mu.Lock()
	a.builds[l.Name] = b
	a.mu.Unlock()
	stop := context.AfterFunc(ctx, cancel)
	a.Log.Info("building share", "share", a.share(l.Name))
	go func() {
		defer close(b.done)
		defer stop()
		defer func() {
			a.mu.Lock()
			delete(a.builds, l.Name)
			a.mu.Unlock()
		}()
		res, err := lab.Up(bctx, lab.UpOptions{Lab: model, Machine: a.Node, Self: a.Self, Log: a.Log,
			PeerTimeout: a.PeerTimeout, ConvergeTimeout: a.ConvergeTimeout})
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer rcancel()
		if err != nil {
			a.Log.Warn("build failed", "share", a.share(l.Name), "error", err)
			a.mu.Lock()
			a.failed[l.UID] = time.Now()
			a.mu.Unlock()
			if bctx.Err() == nil {
				_ = a.report(rctx, l, Share{Phase: PhaseFailed, Message: err.Error()})
			}
			return
		}
		a.mu.Lock()
		delete(a.failed, l.UID)
		a.mu.Unlock()
		// Intent may have changed during the build.
		cur, err := a.Client.Get(rctx, l.Name)
		if err != nil || cur.UID != l.UID {
			return
		}
		// Up returned: routing converged (or the lab runs no daemons).
		sh := Share{Converged: true}
		if err := a.applyIntent(rctx, cur, model, res.State, &sh); err != nil {
			a.Log.Warn("apply intent", "share", a.share(l.Name), "error", err)
		}
	}()
	return nil
}

// converge reconciles a running share to the spec and reports it.
func (a *Agent) converge(ctx context.Context, l *Lab, model *topo.Lab, st *nodes.State) error {
	// A share that is up got there through Up's converge stage; an
	// adopted one keeps what was reported of it.
	sh := Share{Converged: true}
	if prev, ok := l.Status.Shares[a.Node]; ok && prev.Phase == PhaseReady {
		sh.Converged = prev.Converged
	}
	return a.applyIntent(ctx, l, model, st, &sh)
}

// applyIntent makes the share what the spec says — instances stopped or
// running, links down or up, routers stopped or not — and reports it
// Ready with the generation applied, or Failed with what did not work.
func (a *Agent) applyIntent(ctx context.Context, l *Lab, model *topo.Lab, st *nodes.State, sh *Share) error {
	err := a.intent(ctx, l, model, st)
	sh.Phase, sh.Message, sh.Applied = PhaseReady, "", l.Generation
	if err != nil {
		sh.Phase, sh.Message, sh.Applied = PhaseFailed, err.Error(), 0
	}
	if aws, lerr := fw.LoadState(st.Dir); lerr == nil {
		for _, n := range model.Nodes {
			if n.Kind == topo.KindInstance {
				if sh.PublicIPs == nil {
					sh.PublicIPs = map[string]string{}
				}
				sh.PublicIPs[n.Name] = lab.PublicText(aws, n.Name)
			}
		}
	}
	if rerr := a.report(ctx, l, *sh); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

func (a *Agent) intent(ctx context.Context, l *Lab, model *topo.Lab, st *nodes.State) error {
	share := a.share(l.Name)
	var errs []error
	aws, err := fw.LoadState(st.Dir)
	if err != nil {
		return err
	}
	for _, n := range model.Nodes {
		if n.Kind != topo.KindInstance {
			continue
		}
		want := !slices.Contains(l.Spec.StoppedInstances, n.Name)
		if aws.Running(n.Name) == want {
			continue
		}
		o := lab.InstanceOptions{Lab: share, Name: n.Name, FannedOut: true, Log: a.Log}
		var ch *lab.InstanceChange
		if want {
			ch, err = lab.StartInstance(ctx, o)
		} else {
			ch, err = lab.StopInstance(ctx, o)
		}
		if err != nil {
			errs = append(errs, err)
		} else {
			a.Log.Info("instance", "share", share, "change", ch.Message)
		}
	}
	faults, err := fault.Load(st.Dir)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, k := range model.Links {
		if _, err := fault.SplitLink(model, a.Node, k.A.Node, k.B.Node); err != nil {
			continue // no end here
		}
		ea, eb := k.A.Node+":"+k.A.Iface, k.B.Node+":"+k.B.Iface
		var want *LinkIntent
		for i, in := range l.Spec.DownLinks {
			if fl, err := fault.FindLink(model, in.A, in.B); err == nil && fl == k {
				want = &l.Spec.DownLinks[i]
			}
		}
		have := faults.LinkFault(ea, eb)
		if want != nil && have != nil && (have.Kind == fault.KindLinkSilent) == want.Silent {
			continue
		}
		if want == nil && have == nil {
			continue
		}
		if have != nil {
			if _, err := lab.SetLink(ctx, lab.LinkOptions{Lab: share, A: ea, B: eb, Log: a.Log}); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		if want != nil {
			if _, err := lab.SetLink(ctx, lab.LinkOptions{Lab: share, A: ea, B: eb, Down: true, Silent: want.Silent, Log: a.Log}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, n := range model.Nodes {
		if n.Kind != topo.KindRouter || n.Machine != a.Node || model.Daemons == "none" {
			continue
		}
		want := slices.Contains(l.Spec.StoppedNodes, n.Name)
		if faults.NodeStopped(n.Name) == want {
			continue
		}
		if _, err := lab.SetNode(ctx, lab.NodeOptions{Lab: share, Node: n.Name, Start: !want, Log: a.Log}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// report writes this machine's share into the status, when it changed.
func (a *Agent) report(ctx context.Context, l *Lab, sh Share) error {
	if prev, ok := l.Status.Shares[a.Node]; ok {
		prev.Updated = ""
		if reflect.DeepEqual(prev, sh) {
			return nil
		}
	}
	sh.Updated = time.Now().UTC().Format(time.RFC3339)
	return a.writeStatus(ctx, l.Name, func(x *Lab) {
		if x.UID != l.UID {
			return
		}
		if x.Status.Shares == nil {
			x.Status.Shares = map[string]Share{}
		}
		x.Status.Shares[a.Node] = sh
	})
}

// writeStatus changes the lab's status under its Lease.
func (a *Agent) writeStatus(ctx context.Context, name string, fn func(*Lab)) error {
	a.statusMu.Lock()
	defer a.statusMu.Unlock()
	return a.Client.WithLease(ctx, name, a.Node, func() error {
		return retry.RetryOnConflict(retry.DefaultRetry, func() error {
			l, err := a.Client.Get(ctx, name)
			if err != nil {
				return err
			}
			fn(l)
			return a.Client.updateStatus(ctx, l)
		})
	})
}

// remove takes this machine's share down for a deleted lab, then lets go
// of the object; machines whose Node is gone cannot, so their
// finalizers are dropped by whoever sees it.
func (a *Agent) remove(ctx context.Context, l *Lab, cluster []ClusterNode) error {
	rec, _ := a.readRecord(l.Name)
	if rec != nil || nodes.Present(l.Name, a.Node) {
		if rec == nil || rec.UID == l.UID {
			a.Log.Info("removing share", "share", a.share(l.Name))
			if _, err := lab.Down(ctx, lab.DownOptions{Name: a.share(l.Name), Log: a.Log}); err != nil {
				return err
			}
			if err := os.Remove(a.recordPath(l.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	have := map[string]bool{}
	for _, n := range cluster {
		have[n.Name] = true
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := a.Client.Get(ctx, l.Name)
		if IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		var keep []string
		for _, f := range cur.Finalizers {
			m, ours := strings.CutPrefix(f, FinalizerPrefix)
			if ours && (m == a.Node || !have[m]) {
				continue
			}
			keep = append(keep, f)
		}
		if len(keep) == len(cur.Finalizers) {
			return nil
		}
		return a.Client.patchFinalizers(ctx, cur, keep)
	})
}

// removeOrphans takes down shares this agent owns whose object is gone
// (deleted while this agent was away and its finalizer dropped) or was
// replaced by another of the same name.
func (a *Agent) removeOrphans(ctx context.Context, live map[string]string) error {
	ents, err := os.ReadDir(a.RecordDir)
	if err != nil {
		return nil
	}
	var errs []error
	for _, e := range ents {
		lname, machine := labpath.SplitShareName(strings.TrimSuffix(e.Name(), ".json"))
		if machine != a.Node || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		rec, err := a.readRecord(lname)
		if err != nil {
			continue
		}
		if uid, ok := live[lname]; ok && uid == rec.UID {
			continue
		}
		if b := a.building(lname); b != nil && b.uid == rec.UID {
			b.cancel()
			<-b.done
		}
		if a.building(lname) != nil {
			continue // a build for the new object owns it now
		}
		a.Log.Info("removing the share of a deleted lab", "share", a.share(lname))
		if _, err := lab.Down(ctx, lab.DownOptions{Name: a.share(lname), Log: a.Log}); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, ok := live[lname]; !ok {
			if err := os.Remove(a.recordPath(lname)); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

package lab

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sync"

	"github.com/netemu/netemu/topo"
)

// UpPrinter prints `up`'s progress as it happens (its Event goes in
// UpOptions.Progress): the build's progress bar on Err, what each stage
// made on Out once it is done.
type UpPrinter struct {
	Lab *topo.Lab
	// Out gets what each stage made; Err the progress (a bar when it
	// is a terminal).
	Out, Err *os.File
	bar      *progress
	// wait is the bar of a stage's EventProgress (agents answering,
	// routers converged); lastStep the tenth last printed as a plain line.
	wait     *progress
	lastStep map[string]int
}

// Event prints one of Up's events.
func (r *UpPrinter) Event(e Event) {
	switch e.Kind {
	case EventMachine:
		fmt.Fprintf(r.Err, "this host is machine %s of lab %s (it has %s)\n", e.Machine, r.Lab.Name, r.Lab.Machine(e.Machine).Address)
	case EventStageStart:
		if e.Stage == StageBuild {
			fmt.Fprintf(r.Err, "building lab %s: %d nodes, %d links\n", e.Share, len(r.Lab.Nodes), len(r.Lab.Links))
			r.bar = newProgress(r.Err, "building "+e.Share)
		} else if what := StageLine(r.Lab, e.Stage); what != "" {
			fmt.Fprintf(r.Err, "%s…\n", what)
		}
	case EventProgress:
		r.stageProgress(e)
	case EventRollback:
		r.bar.done()
		r.wait.done()
		fmt.Fprintf(r.Err, "removing what was built of %s\n", e.Share)
	case EventBuilt:
		r.bar.update(e.Done, e.Total)
	case EventStageDone:
		if e.Stage == StageBuild {
			r.bar.done()
		}
		r.wait.done()
		r.wait = nil
		if e.Err == nil {
			e.Result.WriteStage(r.Out, e.Stage)
		}
	}
}

// stageProgress shows a waiting stage's count: a bar on a terminal, else
// a plain line at every tenth of the way, so a log shows it is alive
// without a line per router.
func (r *UpPrinter) stageProgress(e Event) {
	if e.Total == 0 {
		return
	}
	label := fmt.Sprintf("%s: %s", e.Stage, e.What)
	if r.wait == nil {
		r.wait = newProgress(r.Err, label)
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
	fmt.Fprintf(r.Err, "%s %d/%d\n", label, e.Done, e.Total)
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
	return &progress{w: f, label: label, tty: IsTerminal(f)}
}

// IsTerminal says whether f is a terminal (a character device), where
// bars may redraw and a remote command wants a TTY.
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
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

// Report is `up -o json`: the nodes, what convergence took, and the
// key files the services wrote.
func (res *UpResult) Report() LabReport {
	r := NodesReport(res.State)
	if res.Converged != nil {
		w := res.Converged.Report()
		r.Converged = &w
	}
	if res.Services != nil {
		for _, name := range slices.Sorted(maps.Keys(res.Services.Keys)) {
			r.KeyFiles = append(r.KeyFiles, res.Services.Keys[name])
		}
	}
	return r
}

package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/vxlan"
)

// DownOptions say what Down removes.
type DownOptions struct {
	// Name is LAB or LAB@MACHINE; "" means the only lab up here.
	Name string
	// Machine, with a Name without @MACHINE, removes only that machine's
	// share.
	Machine string
	// All removes every lab on this machine, including labs whose state
	// is gone but whose namespaces remain, and unreadable state.
	All bool
	Log hclog.Logger
	// Progress, when set, is told of each share before it is removed,
	// with its node count (0 when its state is unreadable).
	Progress func(share string, nodes int)
}

// DownReport is what Down did to one share.
type DownReport struct {
	Share string // LAB or LAB@MACHINE
	WasUp bool   // false: there was nothing to remove
}

func (r DownReport) String() string {
	if r.WasUp {
		return fmt.Sprintf("lab %s is down", r.Share)
	}
	return fmt.Sprintf("lab %s is not up", r.Share)
}

// WriteDownReports writes `down`'s lines: each share removed with how
// long down took, the shares that were not up when notUpToo
// (--missing-ok), or that no lab is up (unless Down failed, err).
func WriteDownReports(w io.Writer, reports []DownReport, err error, took time.Duration, notUpToo bool) {
	if err == nil && len(reports) == 0 {
		fmt.Fprintln(w, "no lab is up")
	}
	for _, r := range reports {
		if r.WasUp {
			fmt.Fprintf(w, "%s (%s)\n", r, took.Round(100*time.Millisecond))
		} else if notUpToo {
			fmt.Fprintln(w, r)
		}
	}
}

// DownJSON is `down -o json` of reports.
func DownJSON(reports []DownReport) DownReportJSON {
	r := DownReportJSON{Shares: []DownShareReport{}}
	for _, x := range reports {
		r.Shares = append(r.Shares, DownShareReport{Share: x.Share, WasUp: x.WasUp})
	}
	return r
}

// NotUp is the error for `down NAME` when the lab named was not up (some
// share of it was not): the name is probably wrong, so it suggests one.
func NotUp(name string, reports []DownReport) error {
	wasUp := len(reports) > 0
	for _, r := range reports {
		wasUp = wasUp && r.WasUp
	}
	if wasUp {
		return nil
	}
	states, _ := nodes.ListStates()
	return fmt.Errorf("lab %s is not up, nothing to remove%s", name, DidYouMean(name, LabNames(states)))
}

type shareID struct{ lab, machine string }

// Down removes shares: their processes, namespaces, tunnels and files,
// each under its lock. It is idempotent and works after a crash. It
// returns a report per share it looked at (none when no lab is up) and
// the errors of the shares it could not remove, joined.
func Down(ctx context.Context, o DownOptions) ([]DownReport, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	log := o.Log
	if log == nil {
		log = hclog.NewNullLogger()
	}
	targets, err := downTargets(o, log)
	if err != nil {
		return nil, err
	}
	var reports []DownReport
	var errs []error
	for _, t := range targets {
		share := labpath.ShareName(t.lab, t.machine)
		unlock, err := nodes.Lock(ctx, t.lab, t.machine)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !nodes.Present(t.lab, t.machine) {
			unlock()
			reports = append(reports, DownReport{Share: share})
			continue
		}
		st, _ := nodes.LoadState(t.lab, t.machine) // its model names the tunnels
		if o.Progress != nil {
			n := 0
			if st != nil {
				n = len(st.Nodes)
			}
			o.Progress(share, n)
		}
		err = nodes.Down(ctx, t.lab, t.machine, log)
		if err == nil && st != nil && st.Model != nil {
			err = vxlan.RemoveStale(st.Model, t.machine)
		}
		unlock()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		reports = append(reports, DownReport{Share: share, WasUp: true})
	}
	return reports, errors.Join(errs...)
}

// downTargets lists the shares o means; none when no lab is up.
func downTargets(o DownOptions, log hclog.Logger) ([]shareID, error) {
	var targets []shareID
	states, lerr := nodes.ListStates()
	if lerr != nil {
		log.Warn("some lab states are unreadable", "error", lerr)
	}
	switch {
	case o.All:
		seen := map[shareID]bool{}
		for _, st := range states {
			seen[shareID{st.Lab, st.Machine}] = true
		}
		// Labs whose state is gone but whose namespaces remain.
		for _, lab := range orphanLabs() {
			seen[shareID{lab, ""}] = true
		}
		// Unreadable state directories.
		if ents, err := os.ReadDir(labpath.RunDir()); err == nil {
			for _, e := range ents {
				if e.IsDir() {
					lab, m := labpath.SplitShareName(e.Name())
					seen[shareID{lab, m}] = true
				}
			}
		}
		for id := range seen {
			targets = append(targets, id)
		}
		sort.Slice(targets, func(i, j int) bool {
			return labpath.ShareName(targets[i].lab, targets[i].machine) < labpath.ShareName(targets[j].lab, targets[j].machine)
		})
	case o.Name != "":
		lab, m := labpath.SplitShareName(o.Name)
		if m == "" {
			m = o.Machine
		}
		if m == "" {
			// Every share of the lab on this machine.
			for _, st := range states {
				if st.Lab == lab && st.Machine != "" {
					targets = append(targets, shareID{lab, st.Machine})
				}
			}
		}
		if len(targets) == 0 {
			targets = append(targets, shareID{lab, m})
		}
	default:
		switch len(states) {
		case 0:
			if o := orphanLabs(); len(o) > 0 {
				return nil, fmt.Errorf("no lab state, but namespaces of %s remain: run `netemu down %s` or `netemu down --all`", strings.Join(o, ", "), o[0])
			}
		case 1:
			targets = append(targets, shareID{states[0].Lab, states[0].Machine})
		default:
			return nil, fmt.Errorf("several labs are up (%s): name one, or use --all", ShareNames(states))
		}
	}
	return targets, nil
}

// orphanLabs lists labs with namespaces in /run/netns but no state.
func orphanLabs() []string {
	matches, _ := filepath.Glob(labpath.NetnsGlob(""))
	seen := map[string]bool{}
	var out []string
	for _, m := range matches {
		lab, _, ok := labpath.SplitNetnsName(filepath.Base(m))
		if !ok || seen[lab] {
			continue
		}
		if _, err := os.Stat(labpath.StateDir(lab, "")); err == nil {
			continue
		}
		seen[lab] = true
		out = append(out, lab)
	}
	sort.Strings(out)
	return out
}

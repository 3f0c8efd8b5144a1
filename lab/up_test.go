package lab

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/topo"
)

// fakeKernel records what Up asked of the host.
type fakeKernel struct {
	calls    []string
	up       bool // loadState finds the share
	buildErr error
	downErr  error
	locked   bool
}

func (f *fakeKernel) kernel() kernel {
	return kernel{
		lock: func(ctx context.Context, lab, machine string) (func(), error) {
			f.calls = append(f.calls, "lock")
			f.locked = true
			return func() { f.calls = append(f.calls, "unlock"); f.locked = false }, nil
		},
		loadState: func(lab, machine string) (*nodes.State, error) {
			if f.up {
				return &nodes.State{Lab: lab}, nil
			}
			return nil, nodes.ErrNotUp
		},
		build: func(ctx context.Context, l *topo.Lab, o nodes.BuildOptions) (*nodes.State, error) {
			f.calls = append(f.calls, "build")
			if f.buildErr != nil {
				return nil, f.buildErr
			}
			o.Progress(1, 2)
			o.Progress(2, 2)
			return &nodes.State{Lab: l.Name, Machine: o.Machine, Model: l, Nodes: []string{"a"}}, nil
		},
		down: func(ctx context.Context, lab, machine string, log hclog.Logger) error {
			f.calls = append(f.calls, "down "+lab)
			return f.downErr
		},
		markUp: func(st *nodes.State) error {
			f.calls = append(f.calls, "markup")
			return nil
		},
		crossLink: func(hclog.Logger) nodes.CrossLinker { return nil },
	}
}

// testStage is a stage that records its run in calls and returns err.
func testStage(name string, calls *[]string, check, err error) stage {
	s := stage{name: name, run: func(ctx context.Context, r *upRun) error {
		*calls = append(*calls, "run "+name)
		if r.state == nil || r.res.State != r.state {
			return fmt.Errorf("stage %s ran without the built state", name)
		}
		return err
	}}
	if check != nil {
		s.check = func(r *upRun) error {
			if r.state != nil {
				return errors.New("check ran after the build")
			}
			return check
		}
	}
	return s
}

func eventString(e Event) string {
	switch e.Kind {
	case EventStageStart:
		return "start " + e.Stage
	case EventStageDone:
		if e.Err != nil {
			return "failed " + e.Stage
		}
		return "done " + e.Stage
	case EventBuilt:
		return fmt.Sprintf("built %d/%d", e.Done, e.Total)
	case EventRollback:
		return "rollback " + e.Stage
	case EventMachine:
		return "machine " + e.Machine
	}
	return "?"
}

func TestUpStages(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		// stage b's check and run errors; the kernel's
		checkErr, runErr     error
		up                   bool
		buildErr, downErr    error
		cancelInA            bool
		wantCalls, wantEvent []string
		wantErr              string
		wantIs               error
	}{
		{
			name:      "all stages run in order, then the share is marked up",
			wantCalls: []string{"lock", "build", "run a", "run b", "markup", "unlock"},
			wantEvent: []string{"start build", "built 1/2", "built 2/2", "done build", "start a", "done a", "start b", "done b"},
		},
		{
			name:      "a failed check touches nothing",
			checkErr:  boom,
			wantCalls: nil,
			wantErr:   "up t: b: boom",
			wantIs:    boom,
		},
		{
			name:      "a lab already up is refused before building",
			up:        true,
			wantCalls: []string{"lock", "unlock"},
			wantErr:   "lab t is already up (run `netemu down t` first)",
		},
		{
			name:      "a failed build is not torn down again (Build removes its own)",
			buildErr:  boom,
			wantCalls: []string{"lock", "build", "unlock"},
			wantEvent: []string{"start build", "failed build"},
			wantErr:   "up t: boom",
			wantIs:    boom,
		},
		{
			name:      "a failed stage tears the share down and stops",
			runErr:    boom,
			wantCalls: []string{"lock", "build", "run a", "run b", "down t", "unlock"},
			wantEvent: []string{"start build", "built 1/2", "built 2/2", "done build", "start a", "done a", "start b", "failed b", "rollback b"},
			wantErr:   "up t: b: boom",
			wantIs:    boom,
		},
		{
			name:      "a failed teardown is reported with the stage's error",
			runErr:    boom,
			downErr:   errors.New("busy"),
			wantCalls: []string{"lock", "build", "run a", "run b", "down t", "unlock"},
			wantErr:   "up t: b: boom\nteardown: busy",
			wantIs:    boom,
		},
		{
			name:      "a cancelled context stops before the next stage and tears down",
			cancelInA: true,
			wantCalls: []string{"lock", "build", "run a", "down t", "unlock"},
			wantEvent: []string{"start build", "built 1/2", "built 2/2", "done build", "start a", "done a", "rollback b"},
			wantErr:   "up t: b: context canceled",
			wantIs:    context.Canceled,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeKernel{up: tc.up, buildErr: tc.buildErr, downErr: tc.downErr}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			a := testStage("a", &f.calls, nil, nil)
			if tc.cancelInA {
				run := a.run
				a.run = func(ctx context.Context, r *upRun) error { cancel(); return run(ctx, r) }
			}
			b := testStage("b", &f.calls, tc.checkErr, tc.runErr)
			var events []string
			l := &topo.Lab{Name: "t"}
			res, err := up(ctx, UpOptions{Lab: l, Self: "/bin/true", Progress: func(e Event) {
				events = append(events, eventString(e))
			}}, f.kernel(), []stage{a, b})
			if !slices.Equal(f.calls, tc.wantCalls) {
				t.Errorf("calls = %q\nwant    %q", f.calls, tc.wantCalls)
			}
			if tc.wantEvent != nil && !slices.Equal(events, tc.wantEvent) {
				t.Errorf("events = %q\nwant     %q", events, tc.wantEvent)
			}
			if f.locked {
				t.Error("the share's lock was not released")
			}
			if tc.wantErr == "" {
				if err != nil || res == nil || res.State == nil || res.State.Lab != "t" {
					t.Fatalf("up = %+v, %v", res, err)
				}
				return
			}
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("err = %v\nwant  %s", err, tc.wantErr)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("err = %v does not wrap %v", err, tc.wantIs)
			}
			if res != nil {
				t.Errorf("a failed up returned a result: %+v", res)
			}
		})
	}
}

// TestUpMachine: a multi-host lab's share is named lab@machine, and
// --machine is checked before anything is touched.
func TestUpMachine(t *testing.T) {
	l := twoMachines(t, "mh", "")
	f := &fakeKernel{up: true}
	_, err := up(context.Background(), UpOptions{Lab: l, Machine: "m2", Self: "/bin/true"}, f.kernel(), nil)
	if err == nil || !strings.Contains(err.Error(), "lab mh@m2 is already up") {
		t.Errorf("err = %v, want the share mh@m2 already up", err)
	}
	f = &fakeKernel{}
	_, err = up(context.Background(), UpOptions{Lab: l, Machine: "m9", Self: "/bin/true"}, f.kernel(), nil)
	if err == nil || !strings.Contains(err.Error(), "no such machine") || len(f.calls) != 0 {
		t.Errorf("err = %v, calls %q; want no such machine and nothing touched", err, f.calls)
	}
}

// TestStageOrder pins the order the package doc describes.
func TestStageOrder(t *testing.T) {
	var names []string
	for _, s := range stages() {
		names = append(names, s.name)
	}
	want := []string{StageTunnels, StageImpair, StageFirewall, StageServices, StageRouting, StagePeers, StageFRR, StageConverge}
	if !slices.Equal(names, want) {
		t.Errorf("stages = %q, want %q", names, want)
	}
}

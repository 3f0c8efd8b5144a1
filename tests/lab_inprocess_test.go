package tests

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// inprocessHCL is two RIP routers with a host on each side, fast timers.
func inprocessHCL(name string) []byte {
	return []byte(fmt.Sprintf(`lab %q {
  timers = "fast"
}
autonomous_system "core" {
  asn = 65010
  igp = "rip"
}
router "r1" { as = "core" }
router "r2" { as = "core" }
host "left" {}
host "right" {}
link "r1" "r2" {}
link "r1" "left" {
  subnet = "10.9.1.0/24"
}
link "r2" "right" {
  subnet = "10.9.2.0/24"
}
`, name))
}

// upInProcess parses the lab and registers lab.Down and a check that
// nothing of it remains as cleanup.
func upInProcess(t *testing.T, prefix string) (*topo.Lab, string) {
	t.Helper()
	labtest.RequireRoot(t)
	name := labtest.UniqueName(prefix)
	l, err := topo.Parse(inprocessHCL(name), name+".hcl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := lab.Down(context.Background(), lab.DownOptions{Name: name, Log: labtest.Logger(t)}); err != nil {
			t.Errorf("down %s: %v", name, err)
		}
		labtest.AssertGone(t, name)
	})
	return l, name
}

// TestLabUpDownInProcess runs the whole of `up` as a library call: every
// stage reports in order, routing converges, a packet crosses both
// routers on the routes RIP installed, and lab.Down removes everything.
func TestLabUpDownInProcess(t *testing.T) {
	l, name := upInProcess(t, "inproc")
	var done []string
	built := 0
	res, err := lab.Up(context.Background(), lab.UpOptions{
		Lab:  l,
		Self: buildNetemu(t),
		Log:  labtest.Logger(t),
		Progress: func(e lab.Event) {
			switch e.Kind {
			case lab.EventStageDone:
				done = append(done, e.Stage)
			case lab.EventBuilt:
				built = e.Done
			}
		},
	})
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	want := []string{lab.StageBuild, lab.StageTunnels, lab.StageImpair, lab.StageFirewall, lab.StageServices, lab.StageRouting,
		lab.StagePeers, lab.StageFRR, lab.StageConverge}
	if !slices.Equal(done, want) {
		t.Errorf("stages done = %q, want %q", done, want)
	}
	if built == 0 {
		t.Error("no build progress reported")
	}
	if res.Converged == nil || res.Converged.StaticOnly || res.Converged.Took <= 0 {
		t.Errorf("converge result = %+v, want a real wait", res.Converged)
	}
	st, err := nodes.LoadState(name, "")
	if err != nil || st.Phase != nodes.PhaseUp {
		t.Fatalf("state after up: %+v, %v", st, err)
	}
	if !slices.Equal(res.State.Nodes, st.Nodes) || len(st.Nodes) != 4 {
		t.Errorf("result nodes %v, state nodes %v", res.State.Nodes, st.Nodes)
	}

	// left → right crosses r1 and r2: only RIP's routes make that work.
	if out, err := nodes.Command(st, "left", "ping", "-c", "1", "-W", "2", "10.9.2.2").CombinedOutput(); err != nil {
		t.Errorf("ping left → right: %v\n%s", err, out)
	}
	// Wait on the running share agrees it converged.
	if w, err := lab.Wait(context.Background(), st, lab.WaitOptions{Log: labtest.Logger(t)}); err != nil || w.StaticOnly {
		t.Errorf("wait: %+v, %v", w, err)
	}

	if _, err := lab.Down(context.Background(), lab.DownOptions{Name: name, Log: labtest.Logger(t)}); err != nil {
		t.Fatalf("down: %v", err)
	}
	labtest.AssertGone(t, name)
}

// TestLabUpRollsBackInProcess: a stage that fails (convergence with no
// time to converge) removes everything up built: namespaces, agents,
// state.
func TestLabUpRollsBackInProcess(t *testing.T) {
	l, name := upInProcess(t, "inprb")
	var rolledBack string
	_, err := lab.Up(context.Background(), lab.UpOptions{
		Lab:             l,
		Self:            buildNetemu(t),
		Log:             labtest.Logger(t),
		ConvergeTimeout: 1, // 1ns: the deadline has passed at the first check
		Progress: func(e lab.Event) {
			if e.Kind == lab.EventRollback {
				rolledBack = e.Stage
			}
		},
	})
	var nc *converge.NotConvergedError
	if err == nil || !errors.As(err, &nc) {
		t.Fatalf("up = %v, want a NotConvergedError", err)
	}
	if rolledBack != lab.StageConverge {
		t.Errorf("rolled back at %q, want %q", rolledBack, lab.StageConverge)
	}
	labtest.AssertGone(t, name)
}

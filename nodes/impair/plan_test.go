package impair

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf/asm"

	"github.com/netemu/netemu/topo"
)

func TestPlanFor(t *testing.T) {
	for _, tc := range []struct {
		name  string
		imp   topo.Impairment
		netem bool
		mech  string
		line  bool
		rate  uint64
	}{
		{"plain wire", topo.Impairment{}, false, MechNone, false, 0},
		{"rate alone is tbf everywhere", topo.Impairment{Rate: 10e6}, true, MechTBF, false, 10e6},
		{"netem does it all", topo.Impairment{Delay: 40 * time.Millisecond, Rate: 10e6}, true, MechNetem, false, 0},
		{"loss alone: program only", topo.Impairment{Loss: 1}, false, "netemu (cls_bpf loss)", false, 0},
		{"delay and rate", topo.Impairment{Delay: 40 * time.Millisecond, Rate: 10e6}, false, "netemu (delay line, tbf)", true, 10e6},
		{"corrupt needs the line", topo.Impairment{Corrupt: 0.1}, false, "netemu (delay line)", true, 0},
		{"everything", topo.Impairment{Delay: time.Millisecond, Jitter: time.Millisecond, Loss: 5, Duplicate: 1, Reorder: 1, Corrupt: 1, Rate: 1e6}, false,
			"netemu (cls_bpf loss, delay line, tbf)", true, 1e6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := PlanFor(tc.imp, tc.netem)
			if got := p.Mechanism(); got != tc.mech {
				t.Errorf("Mechanism() = %q, want %q", got, tc.mech)
			}
			if (p.Line != nil) != tc.line {
				t.Errorf("Line = %+v, want line %v", p.Line, tc.line)
			}
			if p.Rate != tc.rate {
				t.Errorf("Rate = %d, want %d", p.Rate, tc.rate)
			}
		})
	}
}

func TestLossThreshold(t *testing.T) {
	for _, tc := range []struct {
		pct  float64
		want uint32
	}{
		{1, 42949673}, {10, 429496730}, {50, 1 << 31}, {100, math.MaxUint32}, {1e-12, 1},
	} {
		if got := LossThreshold(tc.pct); got != tc.want {
			t.Errorf("LossThreshold(%g) = %d, want %d", tc.pct, got, tc.want)
		}
	}
}

// The program's shape: the delay line's mark passes first, then the loss,
// then the redirect (or pass); every jump lands on a label that exists,
// and nothing follows an unconditional drop (the verifier refuses
// unreachable code).
func TestProgram(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Plan
		has  []string
		not  []string
	}{
		{"loss only", PlanFor(topo.Impairment{Loss: 10}, false), []string{"FnGetPrandomU32", "LdImmDW dst: r1 imm: 429496730", "JGEReg dst: r0 off: -1 src: r1"}, []string{"FnRedirect"}},
		{"line only", PlanFor(topo.Impairment{Delay: time.Millisecond}, false), []string{"FnRedirect", "MovImm dst: r1 imm: 7"}, []string{"FnGetPrandomU32"}},
		{"loss and line", PlanFor(topo.Impairment{Delay: time.Millisecond, Loss: 1}, false), []string{"FnGetPrandomU32", "FnRedirect"}, nil},
		{"all lost", PlanFor(topo.Impairment{Loss: 100}, false), []string{"MovImm dst: r0 imm: 4"}, []string{"FnGetPrandomU32", "FnRedirect"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := Program(tc.p, 7)
			text := strings.ReplaceAll(in.String(), "\t", " ")
			if !strings.Contains(text, "LdXMemW dst: r2 src: r6 off: 8") || !strings.Contains(text, "JEqImm dst: r2 off: -1 imm: 1313164629") {
				t.Errorf("no mark check first:\n%s", text)
			}
			for _, s := range tc.has {
				if !strings.Contains(text, s) {
					t.Errorf("missing %q:\n%s", s, text)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(text, s) {
					t.Errorf("unexpected %q:\n%s", s, text)
				}
			}
			if err := in.Marshal(new(bytes.Buffer), binary.LittleEndian); err != nil {
				t.Errorf("does not assemble (a jump to a missing label?): %v", err)
			}
			// Every path ends in exit: the last instruction is one.
			if last := in[len(in)-1]; last.OpCode.JumpOp() != asm.Exit {
				t.Errorf("last instruction %v is not exit", last)
			}
		})
	}
}

func TestChange(t *testing.T) {
	d, l := 40*time.Millisecond, 2.5
	cur := topo.Impairment{Delay: time.Millisecond, Loss: 1, Rate: 1e6}
	got := Change{Delay: &d, Loss: &l}.On(cur)
	want := topo.Impairment{Delay: 40 * time.Millisecond, Loss: 2.5, Rate: 1e6}
	if got != want {
		t.Errorf("On = %+v, want %+v", got, want)
	}
	if !(Change{}).IsZero() || (Change{Loss: &l}).IsZero() {
		t.Error("IsZero wrong")
	}
}

func TestStateSet(t *testing.T) {
	dir := t.TempDir()
	f := &File{Kernel: &Kernel{Netem: false}}
	s := LinkState{A: "r1", AIface: "eth0", B: "r2", BIface: "eth0", Impairment: topo.Impairment{Loss: 1}, Mechanism: "netemu (cls_bpf loss)"}
	f.Set(s)
	s.Impairment.Loss = 2
	f.Set(s)
	if err := f.Save(dir); err != nil {
		t.Fatal(err)
	}
	g, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	l := &topo.Link{A: topo.Endpoint{Node: "r1", Iface: "eth0"}, B: topo.Endpoint{Node: "r2", Iface: "eth0"}}
	if x := g.Find(l); len(g.Links) != 1 || x == nil || x.Impairment.Loss != 2 || g.Kernel == nil {
		t.Fatalf("after save/load: %+v", g)
	}
	g.Set(LinkState{A: "r1", AIface: "eth0", B: "r2", BIface: "eth0"})
	if len(g.Links) != 0 {
		t.Errorf("a cleared link stays listed: %+v", g.Links)
	}
}

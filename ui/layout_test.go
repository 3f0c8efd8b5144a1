package ui

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/topo"
)

// bigLab is a lab of ases × routers routers: a ring of RIP routers in each
// AS, the ASes chained by eBGP, and a host on the first AS. It stands for
// the 1,000-node labs the page must stay usable with.
func bigLab(t testing.TB, ases, routers int) *topo.Lab {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "lab \"big\" { timers = \"fast\" }\n")
	for a := range ases {
		fmt.Fprintf(&b, "autonomous_system \"as%d\" {\n  asn = %d\n}\n", a, 65000+a)
		for r := range routers {
			fmt.Fprintf(&b, "router \"r%d-%d\" {\n  as = \"as%d\"\n}\n", a, r, a)
		}
		for r := range routers {
			if routers > 1 && (r+1 < routers || routers > 2) {
				fmt.Fprintf(&b, "link \"r%d-%d\" \"r%d-%d\" {}\n", a, r, a, (r+1)%routers)
			}
		}
		if a > 0 {
			fmt.Fprintf(&b, "link \"r%d-0\" \"r%d-%d\" {}\n", a-1, a, routers/2)
		}
	}
	lab, err := topo.Parse([]byte(b.String()), "big.hcl")
	if err != nil {
		t.Fatal(err)
	}
	return lab
}

func TestLayoutSeed(t *testing.T) {
	lab, err := topo.LoadExample(topo.Seed)
	if err != nil {
		t.Fatal(err)
	}
	pos := Layout(lab)
	if len(pos) != len(lab.Nodes) {
		t.Fatalf("%d positions for %d nodes", len(pos), len(lab.Nodes))
	}
	checkSpread(t, lab, pos)
	// Deterministic: the page must not move between two starts.
	again := Layout(lab)
	for n, p := range pos {
		if again[n] != p {
			t.Fatalf("%s: %v then %v", n, p, again[n])
		}
	}
}

// checkSpread: no two nodes closer than a third of the spacing (labels
// would cover each other).
func checkSpread(t *testing.T, lab *topo.Lab, pos map[string]Point) {
	t.Helper()
	for i, a := range lab.Nodes {
		for _, b := range lab.Nodes[i+1:] {
			pa, pb := pos[a.Name], pos[b.Name]
			if d := math.Hypot(pa.X-pb.X, pa.Y-pb.Y); d < spacing/3 {
				t.Errorf("%s %v and %s %v only %.0f apart", a.Name, pa, b.Name, pb, d)
			}
		}
	}
}

func TestLayoutGroupsApart(t *testing.T) {
	lab := bigLab(t, 8, 6)
	pos := Layout(lab)
	checkSpread(t, lab, pos)
	// Each AS's nodes sit inside a disc that does not overlap another's.
	type disc struct {
		c Point
		r float64
	}
	discs := map[string]*disc{}
	members := map[string][]Point{}
	for _, n := range lab.Nodes {
		members[n.AS] = append(members[n.AS], pos[n.Name])
	}
	for as, pts := range members {
		c := centre(pts)
		r := 0.0
		for _, p := range pts {
			r = math.Max(r, math.Hypot(p.X-c.X, p.Y-c.Y))
		}
		discs[as] = &disc{c, r}
	}
	for a, da := range discs {
		for b, db := range discs {
			if a < b && math.Hypot(da.c.X-db.c.X, da.c.Y-db.c.Y) < da.r+db.r {
				t.Errorf("ASes %s and %s overlap", a, b)
			}
		}
	}
}

func BenchmarkLayout1000(b *testing.B) {
	lab := bigLab(b, 50, 20)
	start := time.Now()
	for b.Loop() {
		Layout(lab)
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/layout")
}

func TestLandscape(t *testing.T) {
	// An upright line becomes a horizontal one, distances kept.
	pos := map[string]Point{"a": {0, 0}, "b": {0, 100}, "c": {0, 200}}
	landscape(pos)
	w := math.Abs(pos["c"].X - pos["a"].X)
	h := math.Abs(pos["c"].Y - pos["a"].Y)
	if math.Abs(w-200) > 1e-6 || h > 1e-6 {
		t.Fatalf("after landscape: %v", pos)
	}
}

package ospf

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// gridArea builds the database of a w×h grid of routers joined by
// point-to-point links, each with a loopback stub, and the engine of the
// router at the corner (router 0).
func gridArea(tb testing.TB, w, h int) *engine {
	rid := func(i int) ID { return ID(0x0a000000 + i + 1) }
	// linkAddr is router i's address on its link towards j.
	linkAddr := func(i, j int) ID {
		lo, hi := min(i, j), max(i, j)
		base := ID(0x64000000 + lo*4)
		if hi-lo != 1 {
			base = ID(0x78000000 + lo*4)
		}
		if i == lo {
			return base + 1
		}
		return base + 2
	}
	links := func(i int) []int {
		x, y := i%w, i/w
		var out []int
		if x > 0 {
			out = append(out, i-1)
		}
		if x < w-1 {
			out = append(out, i+1)
		}
		if y > 0 {
			out = append(out, i-w)
		}
		if y < h-1 {
			out = append(out, i+w)
		}
		return out
	}
	cfg := Config{RouterID: rid(0)}
	for k, j := range links(0) {
		a := linkAddr(0, j).Addr()
		cfg.Interfaces = append(cfg.Interfaces, Interface{Name: fmt.Sprintf("eth%d", k), Addr: netip.PrefixFrom(a, 30), Type: PointToPoint})
	}
	e := newEngine(cfg, hclog.NewNullLogger(), nil, nil, nil, 1)
	for _, i := range e.ifaces {
		i.state = ifP2P
	}
	now := time.Unix(1_000_000, 0)
	a := e.areas[0]
	for i := 0; i < w*h; i++ {
		r := &RouterLSA{}
		for _, j := range links(i) {
			cost := uint16(1 + (i*7+j*3)%5)
			if i > j {
				cost = uint16(1 + (j*7+i*3)%5)
			}
			r.Links = append(r.Links, RouterLink{ID: rid(j), Data: linkAddr(i, j), Type: LinkP2P, Metric: cost})
		}
		r.Links = append(r.Links, RouterLink{ID: rid(i), Data: 0xffffffff, Type: LinkStub})
		l := &LSA{LSAHeader: LSAHeader{Type: LSARouter, ID: rid(i), Adv: rid(i), Seq: InitialSeq}, Body: r}
		l.Seal()
		a.db[l.Key()] = &dbEntry{lsa: l, at: now}
	}
	return e
}

func TestGridSPF(t *testing.T) {
	e := gridArea(t, 10, 10)
	e.runSPF(time.Unix(1_000_000, 0))
	loops := 0
	multi := 0
	for p, r := range e.routes {
		if p.Bits() == 32 && r.Kind == KindIntra {
			loops++
			if len(r.NextHops) > 1 {
				multi++
			}
		}
	}
	if loops != 99 {
		t.Fatalf("%d loopback routes, want 99", loops)
	}
	// The far corner is reached both ways round in a grid with equal
	// costs somewhere: at least one destination uses both first hops.
	if multi == 0 {
		t.Fatal("no equal-cost multipath route in a grid")
	}
}

// BenchmarkSPF1000 is SPF (Dijkstra, intra-area routes, kernel diff) on
// a 1,000-router area (a 40×25 grid). Target: under 20 ms.
func BenchmarkSPF1000(b *testing.B) {
	e := gridArea(b, 40, 25)
	now := time.Unix(1_000_000, 0)
	e.runSPF(now)
	if len(e.routes) < 1000 {
		b.Fatalf("%d routes", len(e.routes))
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		e.runSPF(now)
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/spf")
}

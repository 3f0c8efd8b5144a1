package rip

import (
	"net/netip"
	"testing"
	"time"
)

// TestBFDDown: BFD's Down drops b's routes via c at once (not a timeout
// later), c's responses are ignored while BFD is down even though they
// still arrive (a one-way failure), and BFD's Up brings them back.
func TestBFDDown(t *testing.T) {
	n := line(t)
	n.start()
	n.run(n.now.Add(2 * time.Second))
	n.wantRoute("b", "3.3.3.3/32", 2, "10.0.2.2")
	n.wantRoute("a", "3.3.3.3/32", 3, "10.0.1.2")
	c := netip.MustParseAddr("10.0.2.2")
	b := n.routers["b"]
	b.neighbourDown(n.now, c, "BFD down: control detection time expired")
	b.afterInput(n.now)
	n.wantNoRoute("b", "3.3.3.3/32")
	if nb := b.neigh[c]; nb.up || !nb.bfdDown {
		t.Fatalf("neighbour after BFD down: %+v", nb)
	}
	// The withdrawal reaches a in the triggered update.
	n.deliver()
	n.wantNoRoute("a", "3.3.3.3/32")
	// c keeps sending; b ignores it and counts why.
	n.run(n.now.Add(3 * fastCfg.Update))
	n.wantNoRoute("b", "3.3.3.3/32")
	if b.badAll[ReasonBFDDown] == 0 || b.neigh[c].bad[ReasonBFDDown] == 0 {
		t.Fatalf("ignored responses not counted: %v", b.badAll)
	}
	b.neighbourUp(c)
	n.deliver()
	n.run(n.now.Add(time.Second))
	n.wantRoute("b", "3.3.3.3/32", 2, "10.0.2.2")
	n.wantRoute("a", "3.3.3.3/32", 3, "10.0.1.2")
}

package converge

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/routing"
)

func TestDecodeEventsSkipsCorruptAndOld(t *testing.T) {
	in := `{"time":"2026-11-24T12:00:01Z","node":"r1","daemon":"rip","kind":"route-add","prefix":"10.0.0.0/24"}
{"time":"2026-11-24T11:59:00Z","node":"r1","daemon":"rip","kind":"route-add"}
{"time":"2026-11-24T12:00:02Z","node":"r1","dae
{"time":"2026-11-24T12:00:03Z","node":"r1","daemon":"bgp","kind":"session-down","peer":"100.64.0.1"}
`
	evs, err := decodeEvents(strings.NewReader(in), t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Prefix != netip.MustParsePrefix("10.0.0.0/24") || evs[1].Peer != ip("100.64.0.1") {
		t.Fatalf("got %+v", evs)
	}
}

func TestMerge(t *testing.T) {
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	evs := []routing.Event{
		{Time: at(900 * time.Millisecond), Node: "r2", Daemon: "fib", Kind: routing.EventFIBInstall},
		{Time: at(-time.Second), Node: "r1", Daemon: "rip", Kind: routing.EventRouteAdd},
		{Time: at(0), Node: "netemu", Daemon: DaemonFault, Kind: KindInject, Detail: "link-down r1–r2"},
		{Time: at(10 * time.Millisecond), Node: "r1", Daemon: "agent", Kind: routing.EventLinkDown, Iface: "eth1"},
		{Time: at(300 * time.Millisecond), Node: "r1", Daemon: "bgp", Kind: routing.EventBestChange},
		{Time: at(2 * time.Second), Node: "r2", Daemon: "rip", Kind: routing.EventNeighbourUp},
	}
	tl := Merge(t0, "link-down r1–r2", evs)
	var order []string
	for _, e := range tl.Entries {
		order = append(order, string(e.Kind))
	}
	want := "route-add inject link-down best-change fib-install neighbour-up"
	if strings.Join(order, " ") != want {
		t.Fatalf("order %v, want %s", order, want)
	}
	if tl.Convergence != 900*time.Millisecond {
		t.Errorf("convergence = %s, want 900ms (a change before the failure or a non-routing event must not count)", tl.Convergence)
	}
	if tl.Entries[0].Rel != -time.Second {
		t.Errorf("rel = %s", tl.Entries[0].Rel)
	}
	out := tl.Format()
	if !strings.Contains(out, "convergence time: 900ms") || !strings.Contains(out, "+0.300s  r1") {
		t.Errorf("format:\n%s", out)
	}
	if tl := Merge(time.Time{}, "", evs[:1]); tl.Convergence != 0 || strings.Contains(tl.Format(), "convergence") {
		t.Errorf("no reference: %+v", tl)
	}
}

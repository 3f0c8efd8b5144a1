package routewatch

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netemu/netemu/routing"
)

func TestEventFor(t *testing.T) {
	pfx, addr := netip.MustParsePrefix, netip.MustParseAddr
	bgp := Route{Table: 254, Protocol: 186, ProtoName: "bgp", Dst: pfx("10.3.0.0/16"), Gateway: addr("100.64.0.2"), Iface: "eth1", Metric: 20}
	tests := []struct {
		name  string
		added bool
		r     Route
		ok    bool
		want  routing.Event
	}{
		{"bgp route installed", true, bgp, true, routing.Event{Daemon: "kernel", Kind: routing.EventFIBInstall,
			Prefix: pfx("10.3.0.0/16"), Peer: addr("100.64.0.2"), Iface: "eth1", Detail: "proto bgp metric 20"}},
		{"bgp route removed", false, bgp, true, routing.Event{Daemon: "kernel", Kind: routing.EventFIBRemove,
			Prefix: pfx("10.3.0.0/16"), Peer: addr("100.64.0.2"), Iface: "eth1", Detail: "proto bgp metric 20"}},
		{"unnamed protocol, default route, no gateway", true, Route{Table: 254, Protocol: 250, Dst: pfx("0.0.0.0/0"), Metric: 0}, true,
			routing.Event{Daemon: "kernel", Kind: routing.EventFIBInstall, Prefix: pfx("0.0.0.0/0"), Detail: "proto 250 metric 0"}},
		{"host bits masked", true, Route{Table: 254, Protocol: 189, ProtoName: "rip", Dst: pfx("10.1.2.3/24")}, true,
			routing.Event{Daemon: "kernel", Kind: routing.EventFIBInstall, Prefix: pfx("10.1.2.0/24"), Detail: "proto rip metric 0"}},
		{"connected route: the interface's own", true, Route{Table: 254, Protocol: 2, ProtoName: "kernel", Dst: pfx("100.64.0.0/30")}, false, routing.Event{}},
		{"local table", true, Route{Table: 255, Protocol: 2, Dst: pfx("100.64.0.1/32")}, false, routing.Event{}},
		{"other table", true, Route{Table: 100, Protocol: 186, Dst: pfx("10.3.0.0/16")}, false, routing.Event{}},
		{"IPv6", true, Route{Table: 254, Protocol: 186, Dst: pfx("2001:db8::/32")}, false, routing.Event{}},
		{"no destination", true, Route{Table: 254, Protocol: 186}, false, routing.Event{}},
	}
	for _, tt := range tests {
		got, ok := EventFor(tt.added, tt.r)
		if ok != tt.ok || got != tt.want {
			t.Errorf("%s: EventFor = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
		if ok && !got.Kind.IsRoutingChange() {
			t.Errorf("%s: %s does not move the convergence clock", tt.name, got.Kind)
		}
	}
}

func TestParseBGPLogLine(t *testing.T) {
	loc := time.FixedZone("x", 3600)
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006/01/02 15:04:05.000", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		line string
		ok   bool
		want routing.Event
	}{
		{"2026/11/25 01:44:18.784 BGP: [PXVXG-TFNNT] %ADJCHANGE: neighbor 100.64.0.10(c1) in vrf default Down Interface down\n", true,
			routing.Event{Time: at("2026/11/25 01:44:18.784"), Daemon: "bgpd", Kind: routing.EventSessionDown, Peer: netip.MustParseAddr("100.64.0.10"), Detail: "Interface down"}},
		{"2026/11/25 01:44:05.515 BGP: [N9HHH-F8H1M] %ADJCHANGE: neighbor 100.64.0.2(b1) in vrf default Up", true,
			routing.Event{Time: at("2026/11/25 01:44:05.515"), Daemon: "bgpd", Kind: routing.EventSessionUp, Peer: netip.MustParseAddr("100.64.0.2")}},
		{"2026/11/25 01:44:05 BGP: %ADJCHANGE: neighbor 2001:db8::1 in vrf default Down BGP Notification send", true,
			routing.Event{Time: at("2026/11/25 01:44:05.000"), Daemon: "bgpd", Kind: routing.EventSessionDown, Peer: netip.MustParseAddr("2001:db8::1"), Detail: "BGP Notification send"}},
		{"2026/11/25 01:43:07 BGP: [M59KS-A3ZXZ] bgp_update_receive: rcvd End-of-RIB for IPv4 Unicast from 100.64.0.1 in vrf default", false, routing.Event{}},
		{"%ADJCHANGE: neighbor 100.64.0.2(b1) in vrf default Up", false, routing.Event{}},
		{"", false, routing.Event{}},
	}
	for _, tt := range tests {
		got, ok := ParseBGPLogLine(tt.line, loc)
		if ok != tt.ok || !got.Time.Equal(tt.want.Time) {
			t.Errorf("%q: got %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
			continue
		}
		got.Time = tt.want.Time
		if got != tt.want {
			t.Errorf("%q: got %+v; want %+v", tt.line, got, tt.want)
		}
	}
}

type collect struct {
	mu  sync.Mutex
	evs []routing.Event
}

func (c *collect) Emit(e routing.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evs = append(c.evs, e)
}

func (c *collect) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.evs)
}

// TestFollowBGPLog: a log that appears after the watcher starts is read,
// lines written in pieces are read whole.
func TestFollowBGPLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "frr-bgpd.log")
	ctx, cancel := context.WithCancel(context.Background())
	var c collect
	done := make(chan error, 1)
	go func() { done <- FollowBGPLog(ctx, path, 0, &c) }()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	up := "2026/11/25 01:44:05.515 BGP: [N9HHH-F8H1M] %ADJCHANGE: neighbor 100.64.0.2(b1) in vrf default Up\n"
	fmt.Fprintf(f, "2026/11/25 01:44:05.000 BGP: [T83RR-8SM5G] bgpd 8.4.4 starting\n%s", up[:30])
	// Most likely read by now (if not, the test still holds, it just
	// does not cover the piecewise read).
	time.Sleep(3 * logPoll)
	fmt.Fprintf(f, "%s%s", up[30:], strings.Replace(up, "Up", "Down Interface down", 1))
	eventually(t, 100*logPoll, func() bool { return c.len() == 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if c.evs[0].Kind != routing.EventSessionUp || c.evs[1].Kind != routing.EventSessionDown || c.evs[1].Detail != "Interface down" {
		t.Errorf("events %+v", c.evs)
	}
}

// eventually polls cond until it holds or d passes.
func eventually(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", d)
		}
		time.Sleep(logPoll / 4)
	}
}

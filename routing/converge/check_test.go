package converge

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/topo"
)

// seedLike is the seed lab's routing core: home-core (AS home, rip) with
// eBGP to transit-a and transit-b (AS transit, rip, iBGP on loopbacks),
// both with eBGP to aws-edge.
func seedLike() *topo.Lab {
	pfx := netip.MustParsePrefix
	l := &topo.Lab{Name: "seed", Timers: topo.Timers{RIPUpdate: 5 * time.Second, RIPTimeout: 30 * time.Second}}
	l.ASes = []*topo.AS{{Name: "home", IGP: topo.IGPRIP}, {Name: "transit", IGP: topo.IGPRIP}, {Name: "aws", IGP: topo.IGPStatic}}
	add := func(name, as, lo string) *topo.Node {
		n := &topo.Node{Name: name, Kind: topo.KindRouter, AS: as, Loopback: pfx(lo)}
		l.Nodes = append(l.Nodes, n)
		return n
	}
	hc := add("home-core", "home", "100.127.0.2/32")
	ta := add("transit-a", "transit", "100.127.0.3/32")
	tb := add("transit-b", "transit", "100.127.0.4/32")
	ae := add("aws-edge", "aws", "100.127.0.5/32")
	link := func(x *topo.Node, xa string, y *topo.Node, ya string) {
		xi := &topo.Interface{Name: "eth" + string(rune('0'+len(x.Interfaces))), Addr: pfx(xa), Peer: y.Name}
		yi := &topo.Interface{Name: "eth" + string(rune('0'+len(y.Interfaces))), Addr: pfx(ya), Peer: x.Name}
		xi.PeerIface, yi.PeerIface = yi.Name, xi.Name
		x.Interfaces = append(x.Interfaces, xi)
		y.Interfaces = append(y.Interfaces, yi)
		l.Links = append(l.Links, &topo.Link{A: topo.Endpoint{Node: x.Name, Iface: xi.Name, Addr: xi.Addr}, B: topo.Endpoint{Node: y.Name, Iface: yi.Name, Addr: yi.Addr}, Subnet: xi.Addr.Masked()})
	}
	link(hc, "100.64.0.1/30", ta, "100.64.0.2/30")
	link(hc, "100.64.0.5/30", tb, "100.64.0.6/30")
	link(ta, "100.64.0.9/30", tb, "100.64.0.10/30")
	link(ta, "100.64.0.13/30", ae, "100.64.0.14/30")
	link(tb, "100.64.0.17/30", ae, "100.64.0.18/30")
	return l
}

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// healthy returns the views of a converged seedLike lab, last change at t0.
func healthy() []View {
	est := "Established"
	return []View{
		{Node: "home-core", LastChange: t0, BGPSessions: []BGPSession{{Peer: ip("100.64.0.2"), State: est}, {Peer: ip("100.64.0.6"), State: est}}},
		{Node: "transit-a", LastChange: t0,
			RIPNeighbours: []RIPNeighbour{{Addr: ip("100.64.0.10"), Iface: "eth1", LastHeard: t0.Add(9 * time.Second)}},
			BGPSessions:   []BGPSession{{Peer: ip("100.64.0.1"), State: est}, {Peer: ip("100.127.0.4"), State: est}, {Peer: ip("100.64.0.14"), State: est}}},
		{Node: "transit-b", LastChange: t0,
			RIPNeighbours: []RIPNeighbour{{Addr: ip("100.64.0.9"), Iface: "eth1", LastHeard: t0.Add(9 * time.Second)}},
			BGPSessions:   []BGPSession{{Peer: ip("100.64.0.5"), State: est}, {Peer: ip("100.127.0.3"), State: est}, {Peer: ip("100.64.0.18"), State: est}}},
		{Node: "aws-edge", LastChange: t0, BGPSessions: []BGPSession{{Peer: ip("100.64.0.13"), State: est}, {Peer: ip("100.64.0.17"), State: est}}},
	}
}

func TestCheck(t *testing.T) {
	now := t0.Add(10 * time.Second)
	quiet := 2 * time.Second
	tests := []struct {
		name     string
		views    func() []View
		faults   Faults
		now      time.Time
		want     bool
		problems []string // substrings, one per expected problem
	}{
		{"healthy", healthy, Faults{}, now, true, nil},
		{"quiet not over", healthy, Faults{}, t0.Add(time.Second), false, nil},
		{"fault resets the quiet period", healthy, Faults{Last: now.Add(-time.Second)}, now, false, nil},
		{"session down", func() []View {
			v := healthy()
			v[3].BGPSessions[0].State = "Active"
			return v
		}, Faults{}, now, false, []string{"aws-edge: bgp session 100.64.0.13 (transit-a): Active"}},
		{"agent unreachable", func() []View {
			v := healthy()
			v[0] = View{Node: "home-core", Err: errors.New("dial: no such file")}
			return v
		}, Faults{}, now, false, []string{"home-core: agent: unreachable"}},
		{"rip neighbour silent too long", func() []View {
			v := healthy()
			v[1].RIPNeighbours[0].LastHeard = t0.Add(-25 * time.Second)
			return v
		}, Faults{}, now, false, []string{"transit-a: rip neighbour 100.64.0.10 (transit-b on eth1): not heard"}},
		{"rip neighbour not heard since the last change", func() []View {
			v := healthy()
			v[3].LastChange = t0.Add(9500 * time.Millisecond) // after transit-b was last heard
			return v
		}, Faults{}, t0.Add(12 * time.Second), false, []string{"transit-a: rip neighbour 100.64.0.10 (transit-b on eth1): no update since the last routing change", "transit-b: rip neighbour 100.64.0.9"}},
		{"carrier loss: sessions over the link need not be up", func() []View {
			v := healthy()
			v[1].BGPSessions[2].State = "Idle"
			v[3].BGPSessions[0].State = "Connect"
			return v
		}, Faults{Links: map[[2]string]LinkFault{LinkKey("transit-a", "aws-edge"): {}}}, now, true, nil},
		{"silent failure not yet noticed", healthy,
			Faults{Links: map[[2]string]LinkFault{LinkKey("aws-edge", "transit-a"): {Silent: true}}}, now, false,
			[]string{"aws-edge: bgp session 100.64.0.13 (transit-a): still Established", "transit-a: bgp session 100.64.0.14 (aws-edge): still Established"}},
		{"silent rip link still heard", healthy,
			Faults{Links: map[[2]string]LinkFault{LinkKey("transit-a", "transit-b"): {Silent: true}}}, now, false,
			[]string{"transit-a: rip neighbour", "transit-b: rip neighbour"}},
		{"silent link named by its interfaces", healthy,
			Faults{Links: map[[2]string]LinkFault{LinkKey("transit-b:eth1", "transit-a:eth1"): {Silent: true}}}, now, false,
			[]string{"transit-a: rip neighbour", "transit-b: rip neighbour"}},
		{"a silent parallel link leaves this one alone", healthy,
			Faults{Links: map[[2]string]LinkFault{LinkKey("transit-a:eth7", "transit-b:eth7"): {Silent: true}}}, now, true, nil},
		{"ibgp without an igp path is not required", func() []View {
			v := healthy()
			v[1].RIPNeighbours = nil
			v[2].RIPNeighbours = nil
			v[1].BGPSessions[1].State = "Active"
			v[2].BGPSessions[1].State = "Active"
			return v
		}, Faults{Links: map[[2]string]LinkFault{LinkKey("transit-a", "transit-b"): {}}}, now, true, nil},
		{"stopped router is skipped, and so are sessions to it", func() []View {
			v := healthy()
			v[0] = View{Node: "home-core", Err: errors.New("gone")}
			v[1].BGPSessions[0].State = "Active"
			v[2].BGPSessions[0].State = "Idle"
			return v
		}, Faults{Stopped: map[string]bool{"home-core": true}}, now, true, nil},
		{"session to a stopped router still up", func() []View {
			v := healthy()
			v[0] = View{Node: "home-core", Err: errors.New("gone")}
			return v
		}, Faults{Stopped: map[string]bool{"home-core": true}}, now, false, []string{"transit-a: bgp session 100.64.0.1 (home-core): still Established", "transit-b: bgp session 100.64.0.5 (home-core): still Established"}},
		{"rip neighbour of a stopped router still heard", healthy,
			Faults{Stopped: map[string]bool{"transit-b": true}}, now, false,
			[]string{"aws-edge: bgp session 100.64.0.17 (transit-b): still Established", "home-core: bgp session 100.64.0.6 (transit-b): still Established", "transit-a: bgp session 100.127.0.4 (transit-b): still Established", "transit-a: rip neighbour 100.64.0.10 (transit-b on eth1): still heard from a stopped router"}},
		{"external peer nobody answers", func() []View {
			v := healthy()
			v[3].BGPSessions = append(v[3].BGPSessions, BGPSession{Peer: ip("192.0.2.99"), State: "Active"})
			return v
		}, Faults{}, now, false, []string{"aws-edge: bgp session 192.0.2.99: Active"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(seedLike(), tt.views(), tt.faults, quiet, tt.now)
			if r.Converged != tt.want {
				t.Fatalf("converged = %v, want %v: %s", r.Converged, tt.want, r.Summary())
			}
			if len(r.Problems) != len(tt.problems) {
				t.Fatalf("problems = %q, want %d like %q", r.Summary(), len(tt.problems), tt.problems)
			}
			SortProblems(r.Problems)
			for i, want := range tt.problems {
				if !strings.Contains(r.Problems[i].String(), want) {
					t.Errorf("problem %d = %q, want it to contain %q", i, r.Problems[i], want)
				}
			}
		})
	}
}

func TestQuietPeriod(t *testing.T) {
	for _, tt := range []struct {
		update time.Duration
		want   time.Duration
	}{{5 * time.Second, 2 * time.Second}, {30 * time.Second, 32 * time.Second}, {0, 2 * time.Second}} {
		if got := QuietPeriod(topo.Timers{RIPUpdate: tt.update}); got != tt.want {
			t.Errorf("QuietPeriod(%s) = %s, want %s", tt.update, got, tt.want)
		}
	}
}

// A `neighbor "ADDR"` block towards a speaker netemu does not run (BIRD
// started in a host after `up`) never holds convergence back; it is
// reported apart.
func TestCheckExternalNeighbourDoesNotBlock(t *testing.T) {
	for _, state := range []string{"Active", "Established"} {
		l := seedLike()
		ae := l.Node("aws-edge")
		ae.BGPNeighbors = []*topo.BGPNeighbor{{Address: ip("10.88.0.2"), ASN: 65100}}
		v := healthy()
		v[3].BGPSessions = append(v[3].BGPSessions, BGPSession{Peer: ip("10.88.0.2"), ASN: 65100, State: state})
		r := Check(l, v, Faults{}, 2*time.Second, t0.Add(10*time.Second))
		if !r.Converged {
			t.Fatalf("%s: not converged: %s", state, r.Summary())
		}
		wantExt := 0
		if state != "Established" {
			wantExt = 1
		}
		if len(r.External) != wantExt {
			t.Fatalf("%s: external = %v, want %d", state, r.External, wantExt)
		}
		if wantExt == 1 && !strings.Contains(r.External[0].String(), "aws-edge: bgp session 10.88.0.2: Active: waiting for an external speaker") {
			t.Errorf("external = %q", r.External[0])
		}
	}
}

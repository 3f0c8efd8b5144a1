package rip

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/netemu/netemu/routing/fib"
)

// hostileLine is b — c on a /30 (b 10.9.0.1, c 10.9.0.2), c receiving.
func hostileLine(t *testing.T) (*fakeNet, *engine) {
	n := newFakeNet(t)
	n.add("b", "2.2.2.2/32", map[string]string{"eth0": "10.9.0.1/30"})
	n.add("c", "3.3.3.3/32", map[string]string{"eth0": "10.9.0.2/30"})
	n.link("b", "eth0", "c", "eth0")
	n.start()
	n.run(n.now.Add(time.Second))
	return n, n.routers["c"]
}

func sendFromB(n *fakeNet, c *engine, entries ...Entry) {
	b := Encode(&Packet{Command: Response, Version: 2, Entries: entries})
	c.handle(n.now, Datagram{Iface: "eth0", Src: netip.MustParseAddrPort("10.9.0.1:520"), Data: b})
	c.afterInput(n.now)
}

// Issue 16 case 1: a zero mask on a non-default entry is "no mask"
// (RFC 2453 §4.3), inferred, never 0.0.0.0/0.
func TestZeroMaskIsInferredNotDefault(t *testing.T) {
	tests := []struct {
		addr string
		want string
	}{
		{"10.76.5.1", "10.76.5.1/32"},   // host bits beyond the inferred /30
		{"10.76.5.0", "10.76.5.0/30"},   // own class-A network: the interface's mask
		{"172.20.0.0", "172.20.0.0/16"}, // another network: its class
		{"192.0.2.0", "192.0.2.0/24"},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			n, c := hostileLine(t)
			sendFromB(n, c, Entry{AFI: AFIInet, Addr: netip.MustParseAddr(tc.addr), Mask: netip.IPv4Unspecified(),
				NextHop: netip.IPv4Unspecified(), Metric: 1})
			n.wantNoRoute("c", "0.0.0.0/0")
			n.wantRoute("c", tc.want, 2, "10.9.0.1")
			if _, ok := c.routes[netip.MustParsePrefix("0.0.0.0/0")]; ok {
				t.Fatal("0.0.0.0/0 in the RIB")
			}
		})
	}
	// A real default route (0.0.0.0 with mask 0) is still one.
	n, c := hostileLine(t)
	sendFromB(n, c, entry("0.0.0.0/0", "", 1, 0))
	n.wantRoute("c", "0.0.0.0/0", 2, "10.9.0.1")
}

// Issue 16 case 2: the link's network or broadcast address as next hop
// is no neighbour: the sender is used (RFC 2453 §4.4).
func TestNextHopBroadcastOrNetworkUsesSender(t *testing.T) {
	for _, nh := range []string{"10.9.0.3", "10.9.0.0", "10.9.0.2", "10.8.0.1"} {
		t.Run(nh, func(t *testing.T) {
			n, c := hostileLine(t)
			sendFromB(n, c, entry("77.0.0.0/8", nh, 1, 0))
			n.wantRoute("c", "77.0.0.0/8", 2, "10.9.0.1")
		})
	}
}

// refusingFIB refuses every route via one gateway, as the kernel refuses
// an unusable one.
type refusingFIB struct {
	fakeFIB
	bad netip.Addr
}

func (f *refusingFIB) Replace(rs []fib.Route) error {
	var errs []error
	for _, r := range rs {
		if r.Gateway == f.bad {
			errs = append(errs, &fib.RouteError{Op: "replace", Route: r, Err: errors.New("invalid argument")})
			continue
		}
		f.routes[r.Prefix] = r
	}
	return errors.Join(errs...)
}

// What the kernel refused is never advertised as reachable.
func TestKernelRefusedNotAdvertised(t *testing.T) {
	n, c := hostileLine(t)
	f := &refusingFIB{fakeFIB: fakeFIB{routes: map[netip.Prefix]fib.Route{}}, bad: netip.MustParseAddr("10.9.0.1")}
	c.fib = f
	sendFromB(n, c, entry("77.0.0.0/8", "", 1, 0))
	p := netip.MustParsePrefix("77.0.0.0/8")
	r := c.routes[p]
	if r == nil || r.refused == "" || r.inFIB {
		t.Fatalf("route %+v: want refused, not in FIB", r)
	}
	// c's other interface would be where it advertises; use a fresh one.
	s := &ifaceState{cfg: Interface{Name: "eth9", Addr: netip.MustParsePrefix("10.7.0.1/30")}, up: true, rip: true}
	for _, e := range c.entriesFor(s, false) {
		if ep, _ := e.Prefix(); ep == p && e.Metric < Infinity {
			t.Fatalf("refused route advertised as reachable: %+v", e)
		}
	}
	st := c.status(n.now)
	for _, rs := range st.Routes {
		if rs.Prefix == p && (rs.Refused == "" || rs.InKernel) {
			t.Fatalf("status %+v: want the refusal shown", rs)
		}
	}
}

// FuzzEngineInvariant feeds arbitrary Responses from a neighbour to an
// engine and checks issue 16's invariants after each: no default route
// unless one was offered as 0.0.0.0, no unusable next hop, and the kernel
// (fake) holds exactly the learned routes the engine holds as best.
func FuzzEngineInvariant(f *testing.F) {
	f.Add(Encode(&Packet{Command: Response, Version: 2, Entries: []Entry{entry("77.0.0.0/8", "10.9.0.3", 1, 0)}}))
	f.Add(Encode(&Packet{Command: Response, Version: 2, Entries: []Entry{{AFI: AFIInet, Addr: netip.MustParseAddr("10.76.5.1"),
		Mask: netip.IPv4Unspecified(), NextHop: netip.IPv4Unspecified(), Metric: 1}}}))
	f.Add(Encode(&Packet{Command: Response, Version: 1, Entries: []Entry{{AFI: AFIInet, Addr: netip.MustParseAddr("192.0.2.0"),
		Mask: netip.IPv4Unspecified(), NextHop: netip.IPv4Unspecified(), Metric: 1}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, c := hostileLine(t)
		c.handle(n.now, Datagram{Iface: "eth0", Src: netip.MustParseAddrPort("10.9.0.1:520"), Data: b})
		c.afterInput(n.now)
		p, err := Decode(b)
		offeredDefault := false
		if err == nil {
			for _, e := range p.Entries {
				offeredDefault = offeredDefault || e.Addr.IsUnspecified()
			}
		}
		s := c.ifaces["eth0"]
		for pfx, r := range c.routes {
			if pfx.Bits() == 0 && !offeredDefault {
				t.Fatalf("default route from %x", b)
			}
			if !r.local && r.metric < Infinity && !usableNextHop(s, r.nextHop) {
				t.Fatalf("route %s via unusable %s", pfx, r.nextHop)
			}
		}
		h := c.fib.(*fakeFIB)
		held := map[netip.Prefix]fib.Route{}
		for _, r := range c.routes {
			if r.inFIB {
				held[r.prefix] = c.fibRoute(r)
			}
		}
		for pfx, r := range h.routes {
			if held[pfx] != r {
				t.Fatalf("kernel %v, engine %v", r, held[pfx])
			}
		}
		if len(held) != len(h.routes) {
			t.Fatalf("engine holds %d routes in the kernel, kernel has %d", len(held), len(h.routes))
		}
	})
}

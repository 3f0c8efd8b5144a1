package bgp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/bgp/wire"
	"github.com/netemu/netemu/routing/fib"
)

type fakeFIB struct {
	mu     sync.Mutex
	routes map[netip.Prefix]fib.Route
}

func newFakeFIB() *fakeFIB { return &fakeFIB{routes: map[netip.Prefix]fib.Route{}} }

func (f *fakeFIB) Replace(rs []fib.Route) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range rs {
		f.routes[r.Prefix] = r
	}
	return nil
}

func (f *fakeFIB) Delete(rs []fib.Route) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range rs {
		delete(f.routes, r.Prefix)
	}
	return nil
}

func (f *fakeFIB) get(p netip.Prefix) (fib.Route, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.routes[p]
	return r, ok
}

// onLink resolves every next hop as directly connected, with a fixed
// IGP cost per address.
type onLink map[netip.Addr]uint32

func (o onLink) Resolve(nh netip.Addr) (Resolved, bool) {
	c, ok := o[nh]
	if !ok {
		return Resolved{Gateway: nh, LinkIndex: 1}, true
	}
	return Resolved{Gateway: nh, LinkIndex: 1, Cost: c}, true
}

// pipeNet connects daemons by peer address through net.Pipe.
type pipeNet struct {
	mu sync.Mutex
	by map[netip.Addr]*Daemon // by local address
}

func (n *pipeNet) dialer(from *Daemon) Dialer {
	return func(ctx context.Context, local, remote netip.Addr) (net.Conn, error) {
		n.mu.Lock()
		to := n.by[remote]
		n.mu.Unlock()
		if to == nil {
			return nil, errors.New("no route")
		}
		x, y := bufPipe()
		to.byAddr[local].sess.Incoming(y)
		return x, nil
	}
}

func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDaemonsChain runs A(65001) — B(65002) — C(65003) with fast timers:
// A's prefix reaches C's FIB with path "65002 65001"; a withdrawal leaves
// it; B drops the session to A at once when its interface goes down.
func TestDaemonsChain(t *testing.T) {
	net := &pipeNet{by: map[netip.Addr]*Daemon{}}
	peer := func(local, remote uint32, la, ra, iface string) PeerConfig {
		return PeerConfig{Name: ra, LocalAS: local, PeerAS: remote, LocalAddr: addr(la), PeerAddr: addr(ra), Iface: iface,
			Hold: 3 * time.Second, Keepalive: time.Second, ConnectRetry: 100 * time.Millisecond}
	}
	mk := func(asn uint32, id string, peers []PeerConfig, orig []netip.Prefix, addrs ...string) (*Daemon, *fakeFIB) {
		f := newFakeFIB()
		d, err := newDaemon(Config{Node: id, ASN: asn, RouterID: addr(id), Peers: peers, Originate: orig},
			hclog.NewNullLogger(), f, routing.Discard{}, nil, onLink{})
		if err != nil {
			t.Fatal(err)
		}
		d.dial = net.dialer(d)
		for _, p := range d.peers {
			p.sess.dial = d.dial
		}
		net.mu.Lock()
		for _, a := range addrs {
			net.by[addr(a)] = d
		}
		net.mu.Unlock()
		return d, f
	}
	a, fa := mk(65001, "10.0.1.1", []PeerConfig{peer(65001, 65002, "10.0.1.1", "10.0.1.2", "eth0")},
		[]netip.Prefix{pfx("10.1.0.0/16")}, "10.0.1.1")
	b, _ := mk(65002, "10.0.2.1", []PeerConfig{peer(65002, 65001, "10.0.1.2", "10.0.1.1", "eth0"), peer(65002, 65003, "10.0.2.1", "10.0.2.2", "eth1")},
		nil, "10.0.1.2", "10.0.2.1")
	c, fc := mk(65003, "10.0.2.2", []PeerConfig{peer(65003, 65002, "10.0.2.2", "10.0.2.1", "eth0")},
		[]netip.Prefix{pfx("10.3.0.0/16")}, "10.0.2.2")

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, d := range []*Daemon{a, b, c} {
		wg.Add(1)
		go func() { defer wg.Done(); d.runCore(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })

	waitFor(t, "10.1.0.0/16 in C's FIB", func() bool { _, ok := fc.get(pfx("10.1.0.0/16")); return ok })
	r, _ := fc.get(pfx("10.1.0.0/16"))
	if r.Gateway != addr("10.0.2.1") || r.Protocol != fib.ProtoBGP || r.Metric != metricEBGP {
		t.Errorf("C's route %v", r)
	}
	rs := c.Routes(pfx("10.1.0.0/16"))
	if len(rs) != 1 || rs[0].ASPath != "65002 65001" || !rs[0].Best {
		t.Errorf("C's paths %+v", rs)
	}
	waitFor(t, "10.3.0.0/16 in A's FIB", func() bool { _, ok := fa.get(pfx("10.3.0.0/16")); return ok })
	st := b.Status()
	for _, p := range st.Peers {
		if p.State != "Established" || p.Received != 1 || p.Sent != 1 {
			t.Errorf("B peer %+v", p)
		}
	}

	// B's interface towards A loses carrier: the session drops at once and
	// A's prefix leaves C.
	b.LinkChanged(routing.LinkEvent{Name: "eth0", Up: false})
	waitFor(t, "10.1.0.0/16 gone from C", func() bool { _, ok := fc.get(pfx("10.1.0.0/16")); return !ok })
	// It comes back after the connect-retry time.
	waitFor(t, "10.1.0.0/16 back in C", func() bool { _, ok := fc.get(pfx("10.1.0.0/16")); return ok })
}

// TestUpdateHandlerRFC7606 feeds malformed UPDATEs through the decoder and
// the daemon's update handler: treat-as-withdraw removes a route learned
// before and nothing malformed reaches the FIB.
func TestUpdateHandlerRFC7606(t *testing.T) {
	f := newFakeFIB()
	pc := PeerConfig{Name: "p", LocalAS: 65001, PeerAS: 65002, LocalAddr: addr("10.0.0.1"), PeerAddr: addr("10.0.0.2")}
	d, err := newDaemon(Config{Node: "x", ASN: 65001, RouterID: addr("10.0.0.1"), Peers: []PeerConfig{pc}},
		hclog.NewNullLogger(), f, routing.Discard{}, nil, onLink{})
	if err != nil {
		t.Fatal(err)
	}
	p := d.peers[0]
	d.established(p.sess, &wire.Open{BGPID: addr("10.0.0.2")})
	nlri := []netip.Prefix{pfx("203.0.113.0/24")}
	good := updateBody(nil, cat(aOrigin, []byte{wire.FlagTransitive, wire.AttrASPath, 4, wire.SegSequence, 1, 0xfd, 0xea}, []byte{wire.FlagTransitive, wire.AttrNextHop, 4, 10, 0, 0, 2}), nlri)
	feed := func(body []byte) error {
		u, err := wire.DecodeUpdate(body, wire.Options{})
		var me *wire.MessageError
		if err != nil && errors.As(err, &me) && me.Action == wire.ActionSessionReset {
			return err
		}
		d.mu.Lock()
		d.applyUpdate(p, u)
		d.mu.Unlock()
		d.flush()
		return err
	}
	if err := feed(good); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.get(nlri[0]); !ok {
		t.Fatal("valid route not installed")
	}
	cases := []struct {
		name  string
		body  []byte
		reset bool
	}{
		{"attribute length", updateBody(nil, cat(aOrigin, aPath, []byte{wire.FlagTransitive, wire.AttrNextHop, 9, 1, 2, 3, 4}), nlri), false},
		{"missing well-known", updateBody(nil, cat(aOrigin, []byte{wire.FlagTransitive, wire.AttrNextHop, 4, 10, 0, 0, 2}), nlri), false},
		{"bad next hop", updateBody(nil, cat(aOrigin, aPath, []byte{wire.FlagTransitive, wire.AttrNextHop, 4, 0, 0, 0, 0}), nlri), false},
		{"malformed as_path", updateBody(nil, cat(aOrigin, []byte{wire.FlagTransitive, wire.AttrASPath, 3, wire.SegSequence, 1, 0}, aNextHop), nlri), false},
		{"duplicate mp_unreach", updateBody(nil, cat([]byte{wire.FlagOptional, wire.AttrMPUnreach, 3, 0, 1, 1}, []byte{wire.FlagOptional, wire.AttrMPUnreach, 3, 0, 1, 1}), nil), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := feed(good); err != nil {
				t.Fatal(err)
			}
			err := feed(c.body)
			var me *wire.MessageError
			if !errors.As(err, &me) {
				t.Fatalf("no error: %v", err)
			}
			if c.reset != (me.Action == wire.ActionSessionReset) {
				t.Fatalf("action %v", me.Action)
			}
			_, ok := f.get(nlri[0])
			if !c.reset && ok {
				t.Fatal("treat-as-withdraw left the route in the FIB")
			}
			for pr, r := range f.routes {
				if r.Gateway != addr("10.0.0.2") {
					t.Fatalf("bad route %v %v in the FIB", pr, r)
				}
			}
		})
	}
	// A route whose AS_PATH holds our own AS is dropped (loop).
	loop := updateBody(nil, cat(aOrigin, []byte{wire.FlagTransitive, wire.AttrASPath, 6, wire.SegSequence, 2, 0xfd, 0xea, 0xfd, 0xe9}, []byte{wire.FlagTransitive, wire.AttrNextHop, 4, 10, 0, 0, 2}), []netip.Prefix{pfx("198.51.100.0/24")})
	feed(loop)
	if _, ok := f.get(pfx("198.51.100.0/24")); ok {
		t.Fatal("looped route installed")
	}
	_ = fmt.Sprint
}

// switchResolver resolves next hops from a table the test changes.
type switchResolver struct {
	mu sync.Mutex
	m  map[netip.Addr]Resolved
}

func (s *switchResolver) Resolve(nh netip.Addr) (Resolved, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[nh]
	return r, ok
}

// TestNextHopFollowsIGP: an iBGP path whose next hop (a loopback) the
// IGP does not reach yet is ineligible; when the IGP's route appears it is
// installed through the IGP's gateway; when the IGP moves, so does it.
func TestNextHopFollowsIGP(t *testing.T) {
	f := newFakeFIB()
	res := &switchResolver{m: map[netip.Addr]Resolved{}}
	pc := PeerConfig{Name: "core", LocalAS: 65001, PeerAS: 65001, LocalAddr: addr("100.127.0.1"), PeerAddr: addr("100.127.0.2")}
	d, err := newDaemon(Config{Node: "gw", ASN: 65001, RouterID: addr("100.127.0.1"), Peers: []PeerConfig{pc}},
		hclog.NewNullLogger(), f, routing.Discard{}, nil, res)
	if err != nil {
		t.Fatal(err)
	}
	p := d.peers[0]
	d.established(p.sess, &wire.Open{BGPID: addr("100.127.0.2")})
	pr := pfx("203.0.113.0/24")
	d.mu.Lock()
	d.applyUpdate(p, &wire.Update{Attrs: &wire.PathAttrs{HasOrigin: true, HasASPath: true, ASPath: seq(64510),
		NextHop: addr("100.127.0.2"), HasLocalPref: true, LocalPref: 100}, NLRI: []netip.Prefix{pr}})
	d.mu.Unlock()
	d.flush()
	if _, ok := f.get(pr); ok {
		t.Fatal("route with an unresolved next hop installed")
	}
	res.mu.Lock()
	res.m[addr("100.127.0.2")] = Resolved{Gateway: addr("100.64.0.2"), LinkIndex: 3, Cost: 2}
	res.mu.Unlock()
	d.RoutesChanged()
	d.flush()
	if r, ok := f.get(pr); !ok || r.Gateway != addr("100.64.0.2") || r.LinkIndex != 3 || r.Metric != metricIBGP {
		t.Fatalf("route %v %v, want via the IGP's gateway 100.64.0.2", r, ok)
	}
	res.mu.Lock()
	res.m[addr("100.127.0.2")] = Resolved{Gateway: addr("100.64.0.6"), LinkIndex: 4, Cost: 3}
	res.mu.Unlock()
	d.RoutesChanged()
	d.flush()
	if r, _ := f.get(pr); r.Gateway != addr("100.64.0.6") {
		t.Fatalf("route %v did not follow the IGP", r)
	}
	res.mu.Lock()
	delete(res.m, addr("100.127.0.2"))
	res.mu.Unlock()
	d.RoutesChanged()
	d.flush()
	if _, ok := f.get(pr); ok {
		t.Fatal("route kept after its next hop became unreachable")
	}
}

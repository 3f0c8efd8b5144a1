package rip

import (
	"net/netip"
	"sort"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/fib"
)

// fakeFIB records the kernel table an engine would have.
type fakeFIB struct{ routes map[netip.Prefix]fib.Route }

func (f *fakeFIB) Replace(rs []fib.Route) error {
	for _, r := range rs {
		f.routes[r.Prefix] = r
	}
	return nil
}

func (f *fakeFIB) Delete(rs []fib.Route) error {
	for _, r := range rs {
		delete(f.routes, r.Prefix)
	}
	return nil
}

type sent struct {
	from  string // router
	iface string
	dst   netip.AddrPort
	data  []byte
}

// fakeNet joins engines by their interfaces: a packet sent on an interface
// reaches the router at the other end of that link.
type fakeNet struct {
	t       *testing.T
	now     time.Time
	routers map[string]*engine
	fibs    map[string]*fakeFIB
	peer    map[[2]string][2]string // (router, iface) -> (router, iface)
	queue   []sent
	cut     map[[2]string]bool // (router, iface) silently dropping
	log     []sent
}

type fakeTr struct {
	n    *fakeNet
	name string
}

func (t fakeTr) Send(iface string, dst netip.AddrPort, b []byte) error {
	s := sent{from: t.name, iface: iface, dst: dst, data: append([]byte(nil), b...)}
	t.n.queue = append(t.n.queue, s)
	t.n.log = append(t.n.log, s)
	return nil
}

var fastCfg = Config{Update: 5 * time.Second, Timeout: 30 * time.Second, Garbage: 20 * time.Second}

func newFakeNet(t *testing.T) *fakeNet {
	return &fakeNet{t: t, now: time.Unix(1_000_000, 0), routers: map[string]*engine{}, fibs: map[string]*fakeFIB{},
		peer: map[[2]string][2]string{}, cut: map[[2]string]bool{}}
}

// add creates a router with RIP on all of its interfaces ("eth0=10.0.1.1/30").
func (n *fakeNet) add(name, loopback string, ifaces map[string]string) {
	cfg := fastCfg
	for _, k := range sortedKeys(ifaces) {
		i := Interface{Name: k, Addr: netip.MustParsePrefix(ifaces[k])}
		cfg.Interfaces = append(cfg.Interfaces, i)
		cfg.Connected = append(cfg.Connected, i)
	}
	cfg.Originate = []netip.Prefix{netip.MustParsePrefix(loopback)}
	f := &fakeFIB{routes: map[netip.Prefix]fib.Route{}}
	log := hclog.NewNullLogger()
	if testing.Verbose() {
		log = hclog.New(&hclog.LoggerOptions{Name: name, Level: hclog.Debug})
	}
	e := newEngine(cfg, log, fakeTr{n, name}, f, routing.Discard{}, uint64(len(n.routers)+1))
	n.routers[name] = e
	n.fibs[name] = f
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (n *fakeNet) link(a, ai, b, bi string) {
	n.peer[[2]string{a, ai}] = [2]string{b, bi}
	n.peer[[2]string{b, bi}] = [2]string{a, ai}
}

func (n *fakeNet) start() {
	for _, name := range sortedRouters(n.routers) {
		n.routers[name].start(n.now)
	}
}

func sortedRouters(m map[string]*engine) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// deliver hands every queued packet to its receiver until none is left.
func (n *fakeNet) deliver() {
	for i := 0; i < 10000 && len(n.queue) > 0; i++ {
		s := n.queue[0]
		n.queue = n.queue[1:]
		if n.cut[[2]string{s.from, s.iface}] {
			continue
		}
		p, ok := n.peer[[2]string{s.from, s.iface}]
		if !ok {
			continue
		}
		src := n.routers[s.from].ifaces[s.iface].cfg.Addr.Addr()
		dst := n.routers[p[0]]
		if s.dst.Addr() != MulticastGroup && s.dst.Addr() != dst.ifaces[p[1]].cfg.Addr.Addr() {
			continue
		}
		dst.handle(n.now, Datagram{Iface: p[1], Src: netip.AddrPortFrom(src, Port), Data: s.data})
		dst.advance(n.now)
	}
}

// run advances the simulated clock to until, running every engine's timers.
func (n *fakeNet) run(until time.Time) {
	for {
		for _, name := range sortedRouters(n.routers) {
			n.routers[name].advance(n.now)
		}
		n.deliver()
		var next time.Time
		for _, e := range n.routers {
			if t := e.next(); !t.IsZero() && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
		if next.IsZero() || next.After(until) {
			n.now = until
			for _, name := range sortedRouters(n.routers) {
				n.routers[name].advance(n.now)
			}
			n.deliver()
			return
		}
		if next.After(n.now) {
			n.now = next
		}
	}
}

func (n *fakeNet) kernel(router, prefix string) (fib.Route, bool) {
	r, ok := n.fibs[router].routes[netip.MustParsePrefix(prefix)]
	return r, ok
}

func (n *fakeNet) wantRoute(router, prefix string, metric int, gw string) {
	n.t.Helper()
	r, ok := n.kernel(router, prefix)
	if !ok {
		n.t.Fatalf("%s: no kernel route to %s (have %v)", router, prefix, n.fibs[router].routes)
	}
	if r.Metric != metric || r.Gateway != netip.MustParseAddr(gw) || r.Protocol != fib.ProtoRIP {
		n.t.Fatalf("%s: route %s = %+v, want metric %d via %s", router, prefix, r, metric, gw)
	}
}

func (n *fakeNet) wantNoRoute(router, prefix string) {
	n.t.Helper()
	if r, ok := n.kernel(router, prefix); ok {
		n.t.Fatalf("%s: unexpected kernel route %+v", router, r)
	}
}

// line builds a — b — c.
func line(t *testing.T) *fakeNet {
	n := newFakeNet(t)
	n.add("a", "1.1.1.1/32", map[string]string{"eth0": "10.0.1.1/30"})
	n.add("b", "2.2.2.2/32", map[string]string{"eth0": "10.0.1.2/30", "eth1": "10.0.2.1/30"})
	n.add("c", "3.3.3.3/32", map[string]string{"eth0": "10.0.2.2/30"})
	n.link("a", "eth0", "b", "eth0")
	n.link("b", "eth1", "c", "eth0")
	return n
}

func TestLineLearns(t *testing.T) {
	n := line(t)
	n.start()
	n.run(n.now.Add(2 * time.Second))
	n.wantRoute("a", "2.2.2.2/32", 2, "10.0.1.2")
	n.wantRoute("a", "3.3.3.3/32", 3, "10.0.1.2")
	n.wantRoute("a", "10.0.2.0/30", 2, "10.0.1.2")
	n.wantRoute("c", "1.1.1.1/32", 3, "10.0.2.1")
	n.wantRoute("c", "10.0.1.0/30", 2, "10.0.2.1")
	n.wantRoute("b", "1.1.1.1/32", 2, "10.0.1.1")
	n.wantRoute("b", "3.3.3.3/32", 2, "10.0.2.2")
	// Connected subnets never go into the kernel as rip routes.
	n.wantNoRoute("a", "10.0.1.0/30")
	n.wantNoRoute("b", "10.0.2.0/30")
	// Stable over several update periods: nothing times out.
	n.run(n.now.Add(2 * time.Minute))
	n.wantRoute("a", "3.3.3.3/32", 3, "10.0.1.2")
}

func TestSplitHorizonPoisonedReverse(t *testing.T) {
	n := line(t)
	n.start()
	n.run(n.now.Add(2 * time.Second))
	b := n.routers["b"]
	got := map[string]uint32{}
	for _, e := range b.entriesFor(b.ifaces["eth0"], false) {
		p, _ := e.Prefix()
		got[p.String()] = e.Metric
	}
	want := map[string]uint32{
		"1.1.1.1/32":  Infinity, // learned from a: poisoned back to a
		"2.2.2.2/32":  1,
		"3.3.3.3/32":  2,
		"10.0.2.0/30": 1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("b→a %s: metric %d, want %d (all %v)", k, got[k], v, got)
		}
	}
	if _, ok := got["10.0.1.0/30"]; ok {
		t.Errorf("b advertises a's own link subnet back onto it: %v", got)
	}
}

func TestTimeoutGarbageRemoval(t *testing.T) {
	n := line(t)
	n.start()
	n.run(n.now.Add(2 * time.Second))
	n.wantRoute("b", "3.3.3.3/32", 2, "10.0.2.2")
	// c goes silent: carrier stays, so only the timeout notices.
	n.cut[[2]string{"c", "eth0"}] = true
	t0 := n.now
	n.run(t0.Add(fastCfg.Timeout - fastCfg.Update - time.Second))
	n.wantRoute("b", "3.3.3.3/32", 2, "10.0.2.2")
	n.run(t0.Add(fastCfg.Timeout + time.Second))
	n.wantNoRoute("b", "3.3.3.3/32")
	r := n.routers["b"].routes[netip.MustParsePrefix("3.3.3.3/32")]
	if r == nil || r.metric != Infinity || r.state() != stateGarbage {
		t.Fatalf("after timeout: %+v, want garbage", r)
	}
	// a heard the poison through a triggered update, well before its own
	// timeout.
	n.wantNoRoute("a", "3.3.3.3/32")
	n.run(t0.Add(fastCfg.Timeout + fastCfg.Garbage + time.Second))
	if r := n.routers["b"].routes[netip.MustParsePrefix("3.3.3.3/32")]; r != nil {
		t.Fatalf("after garbage collection: %+v still in the table", r)
	}
}

func TestLinkDownExpiresAtOnce(t *testing.T) {
	n := line(t)
	n.start()
	n.run(n.now.Add(2 * time.Second))
	n.cut[[2]string{"c", "eth0"}] = true
	n.cut[[2]string{"b", "eth1"}] = true
	n.routers["b"].linkChanged(n.now, "eth1", false)
	n.run(n.now.Add(100 * time.Millisecond))
	n.wantNoRoute("b", "3.3.3.3/32")
	n.wantNoRoute("a", "3.3.3.3/32")
	n.wantNoRoute("a", "10.0.2.0/30")
	// Back up: a Request brings the routes back without waiting a period.
	delete(n.cut, [2]string{"c", "eth0"})
	delete(n.cut, [2]string{"b", "eth1"})
	n.routers["b"].linkChanged(n.now, "eth1", true)
	n.run(n.now.Add(1500 * time.Millisecond))
	n.wantRoute("a", "3.3.3.3/32", 3, "10.0.1.2")
}

// ring builds p, q, r, … (k routers) in a ring: each one's eth0 to the
// next one's eth1.
func ring(t *testing.T, k int) *fakeNet {
	n := newFakeNet(t)
	for i := 0; i < k; i++ {
		name := string(rune('p' + i))
		n.add(name, netip.AddrFrom4([4]byte{9, 9, 9, byte(i)}).String()+"/32", map[string]string{
			"eth0": netip.AddrFrom4([4]byte{10, 9, byte(i), 1}).String() + "/30",
			"eth1": netip.AddrFrom4([4]byte{10, 9, byte((i + k - 1) % k), 2}).String() + "/30",
		})
	}
	for i := 0; i < k; i++ {
		n.link(string(rune('p'+i)), "eth0", string(rune('p'+(i+1)%k)), "eth1")
	}
	return n
}

func TestRingReroutes(t *testing.T) {
	n := ring(t, 5)
	n.start()
	n.run(n.now.Add(10 * time.Second))
	n.wantRoute("p", "9.9.9.1/32", 2, "10.9.0.2")
	// Cut p–q: p must reach q's loopback the long way round (4 hops).
	n.cut[[2]string{"p", "eth0"}] = true
	n.cut[[2]string{"q", "eth1"}] = true
	n.routers["p"].linkChanged(n.now, "eth0", false)
	n.routers["q"].linkChanged(n.now, "eth1", false)
	t0 := n.now
	n.run(t0.Add(2 * time.Second))
	n.wantRoute("p", "9.9.9.1/32", 5, "10.9.4.1")
	n.wantRoute("q", "9.9.9.0/32", 5, "10.9.1.2")
}

// TestSteadyStateQuiet: once converged, only periodic updates flow.
// Poisoned reverse in every periodic update is no news; answering it as a
// lost route used to set off triggered updates along each path forever,
// which refreshed routes behind the timeout and kept the damping busy.
func TestSteadyStateQuiet(t *testing.T) {
	const k = 8
	n := ring(t, k)
	n.start()
	n.run(n.now.Add(20 * time.Second))
	before := len(n.log)
	window := time.Minute
	n.run(n.now.Add(window))
	// Each interface sends its table every 5 s ± 1/6: at most
	// window/(5 s × 5/6) + 1 packets (the table fits one packet).
	perIface := int(window/(fastCfg.Update*5/6)) + 1
	if got, limit := len(n.log)-before, 2*k*perIface; got > limit {
		t.Fatalf("%d packets in %v of steady state, want at most %d (periodic updates only)", got, window, limit)
	}
}

func TestHeardWithdrawal(t *testing.T) {
	a, b := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	r := &route{}
	for i, c := range []struct {
		from   netip.Addr
		metric uint32
		lost   bool
	}{
		{a, Infinity, false}, // poisoned reverse: never offered
		{a, 3, false},
		{a, 3, false},
		{b, 4, false},
		{a, Infinity, true}, // a lost it
		{a, Infinity, false},
		{b, Infinity, true},
	} {
		if got := r.heard(c.from, c.metric); got != c.lost {
			t.Errorf("step %d: %s metric %d: lost = %v, want %v", i, c.from, c.metric, got, c.lost)
		}
	}
}

func TestTriggeredDamping(t *testing.T) {
	n := line(t)
	n.start()
	n.run(n.now.Add(2 * time.Second))
	b := n.routers["b"]
	count := func() int {
		c := 0
		for _, s := range n.log {
			if s.from == "b" && s.iface == "eth0" {
				if p, _ := Decode(s.data); p != nil && p.Command == Response {
					c++
				}
			}
		}
		return c
	}
	// Quiet long enough for the hold to have lapsed.
	n.now = n.now.Add(10 * time.Millisecond)
	b.triggerHold = time.Time{}
	b.ifaces["eth0"].nextReg = n.now.Add(time.Hour)
	b.ifaces["eth1"].nextReg = n.now.Add(time.Hour)
	before := count()
	b.linkChanged(n.now, "eth1", false)
	b.advance(n.now)
	if got := count() - before; got != 1 {
		t.Fatalf("first triggered update: %d packets, want 1 at once", got)
	}
	hold := b.triggerHold.Sub(n.now)
	if lo, hi := b.scale(time.Second), b.scale(5*time.Second); hold < lo || hold > hi {
		t.Fatalf("hold %v outside [%v, %v]", hold, lo, hi)
	}
	b.linkChanged(n.now.Add(time.Millisecond), "eth1", true)
	b.advance(n.now.Add(time.Millisecond))
	if got := count() - before; got != 1 {
		t.Fatalf("second change sent during the hold: %d packets", got)
	}
	b.advance(b.triggerHold)
	if got := count() - before; got != 2 {
		t.Fatalf("after the hold: %d packets, want 2", got)
	}
}

func TestBadPacketsCounted(t *testing.T) {
	n := line(t)
	n.start()
	n.run(n.now.Add(2 * time.Second))
	b := n.routers["b"]
	good := func(metric uint32, nh string) []byte {
		return Encode(&Packet{Command: Response, Version: 2, Entries: []Entry{entry("77.0.0.0/8", nh, metric, 0)}})
	}
	v1 := good(1, "")
	v1[1] = 1
	src := netip.MustParseAddrPort("10.0.1.1:520")
	cases := []struct {
		src  netip.AddrPort
		data []byte
		want Reason
	}{
		{src, v1, ReasonV1},
		{src, good(0, ""), ReasonMetric},
		{src, good(17, ""), ReasonMetric},
		{netip.MustParseAddrPort("10.0.1.1:4000"), good(1, ""), ReasonSourcePort},
		{netip.MustParseAddrPort("192.0.2.7:520"), good(1, ""), ReasonSourceOffNet},
	}
	for _, c := range cases {
		b.handle(n.now, Datagram{Iface: "eth0", Src: c.src, Data: c.data})
		b.advance(n.now)
		if got := b.neigh[c.src.Addr()].bad[c.want]; got == 0 {
			t.Errorf("%s: not counted (neighbour %+v)", c.want, b.neigh[c.src.Addr()])
		}
	}
	n.wantNoRoute("b", "77.0.0.0/8")
	st := b.status(n.now)
	if st.BadPackets[ReasonMetric] != 2 {
		t.Errorf("status bad packets %v", st.BadPackets)
	}
}

func TestAuthMD5Between(t *testing.T) {
	n := line(t)
	a := &Auth{Type: "md5", Key: "k3y", KeyID: 3}
	for _, e := range n.routers {
		e.cfg.Auth = a
	}
	n.start()
	n.run(n.now.Add(2 * time.Second))
	n.wantRoute("a", "3.3.3.3/32", 3, "10.0.1.2")
	// A router with the wrong key is not believed.
	n.routers["c"].cfg.Auth = &Auth{Type: "md5", Key: "wrong", KeyID: 3}
	n.run(n.now.Add(fastCfg.Timeout + 2*time.Second))
	n.wantNoRoute("a", "3.3.3.3/32")
	if n.routers["b"].neigh[netip.MustParseAddr("10.0.2.2")].bad[ReasonAuthFail] == 0 {
		t.Fatal("auth failures not counted")
	}
}

func TestAdoptStaleKernelRoutes(t *testing.T) {
	n := line(t)
	a := n.routers["a"]
	// A previous agent of a left two routes: one b still advertises (with
	// a different metric), one nobody knows any more.
	left := []fib.Route{
		{Prefix: netip.MustParsePrefix("3.3.3.3/32"), Gateway: netip.MustParseAddr("10.0.1.2"), Metric: 7, Protocol: fib.ProtoRIP},
		{Prefix: netip.MustParsePrefix("99.0.0.0/8"), Gateway: netip.MustParseAddr("10.0.1.2"), Metric: 2, Protocol: fib.ProtoRIP},
	}
	_ = n.fibs["a"].Replace(left)
	n.start()
	a.adopt(n.now, left)
	for _, e := range a.entriesFor(a.ifaces["eth0"], false) {
		if p, _ := e.Prefix(); p.String() == "99.0.0.0/8" {
			t.Fatalf("stale route advertised: %+v", e)
		}
	}
	n.run(n.now.Add(2 * time.Second))
	n.wantRoute("a", "3.3.3.3/32", 3, "10.0.1.2")
	n.wantRoute("a", "99.0.0.0/8", 2, "10.0.1.2") // still there until the timeout
	n.run(n.now.Add(fastCfg.Timeout))
	n.wantNoRoute("a", "99.0.0.0/8")
	n.wantRoute("a", "3.3.3.3/32", 3, "10.0.1.2")
}

func TestNextHopField(t *testing.T) {
	n := newFakeNet(t)
	// b and c share a /29 with a third address, 10.0.5.3, that b names as
	// the better next hop for a prefix.
	n.add("b", "2.2.2.2/32", map[string]string{"eth0": "10.0.5.1/29"})
	n.add("c", "3.3.3.3/32", map[string]string{"eth0": "10.0.5.2/29"})
	n.link("b", "eth0", "c", "eth0")
	n.start()
	n.run(n.now.Add(time.Second))
	c := n.routers["c"]
	b := Encode(&Packet{Command: Response, Version: 2, Entries: []Entry{entry("77.0.0.0/8", "10.0.5.3", 4, 42)}})
	c.handle(n.now, Datagram{Iface: "eth0", Src: netip.MustParseAddrPort("10.0.5.1:520"), Data: b})
	c.advance(n.now)
	n.wantRoute("c", "77.0.0.0/8", 5, "10.0.5.3")
	if r := c.routes[netip.MustParsePrefix("77.0.0.0/8")]; r.tag != 42 || r.from != netip.MustParseAddr("10.0.5.1") {
		t.Errorf("route %+v: want tag 42 kept and from the sender", r)
	}
	// The tag goes out again in c's own updates.
	for _, e := range c.entriesFor(c.ifaces["eth0"], false) {
		if p, _ := e.Prefix(); p.String() == "77.0.0.0/8" && e.Tag != 42 {
			t.Errorf("tag not kept on output: %+v", e)
		}
	}
}

func TestRequests(t *testing.T) {
	n := line(t)
	n.start()
	n.run(n.now.Add(2 * time.Second))
	b := n.routers["b"]
	asker := netip.MustParseAddrPort("10.0.1.1:4321") // a monitoring tool: any port
	ask := func(entries ...Entry) *Packet {
		n.log = nil
		b.handle(n.now, Datagram{Iface: "eth0", Src: asker, Data: Encode(&Packet{Command: Request, Version: 2, Entries: entries})})
		var out []*Packet
		for _, s := range n.log {
			if s.from == "b" && s.dst == asker {
				p, err := Decode(s.data)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, p)
			}
		}
		if len(out) != 1 {
			t.Fatalf("%d answers to %s, want 1", len(out), asker)
		}
		return out[0]
	}
	// Specific: the metrics as b has them, no split horizon, unknown = 16.
	p := ask(entry("3.3.3.3/32", "", 0, 0), entry("1.1.1.1/32", "", 0, 0), entry("88.0.0.0/8", "", 0, 0))
	got := map[string]uint32{}
	for _, e := range p.Entries {
		pf, _ := e.Prefix()
		got[pf.String()] = e.Metric
	}
	if got["3.3.3.3/32"] != 2 || got["1.1.1.1/32"] != 2 || got["88.0.0.0/8"] != Infinity || p.Command != Response {
		t.Errorf("specific answer %v", got)
	}
	// Whole table: as an update on that interface (poisoned reverse).
	p = ask(Entry{AFI: 0, Addr: netip.IPv4Unspecified(), Mask: netip.IPv4Unspecified(), NextHop: netip.IPv4Unspecified(), Metric: Infinity})
	got = map[string]uint32{}
	for _, e := range p.Entries {
		pf, _ := e.Prefix()
		got[pf.String()] = e.Metric
	}
	if got["3.3.3.3/32"] != 2 || got["1.1.1.1/32"] != Infinity || got["2.2.2.2/32"] != 1 {
		t.Errorf("whole-table answer %v", got)
	}
}

// TestCountToInfinityBounded: a triangle a, b, c with a stub network
// behind c. When the stub goes (c's interface down), a and b may bounce
// the route between them, but metrics stay ≤ 16 and the route leaves
// every kernel table within a timeout and a bit, not never.
func TestCountToInfinityBounded(t *testing.T) {
	n := newFakeNet(t)
	n.add("a", "1.1.1.1/32", map[string]string{"eth0": "10.1.0.1/30", "eth1": "10.3.0.2/30"})
	n.add("b", "2.2.2.2/32", map[string]string{"eth0": "10.1.0.2/30", "eth1": "10.2.0.1/30"})
	n.add("c", "3.3.3.3/32", map[string]string{"eth0": "10.2.0.2/30", "eth1": "10.3.0.1/30", "eth2": "10.50.0.1/24"})
	n.link("a", "eth0", "b", "eth0")
	n.link("b", "eth1", "c", "eth0")
	n.link("c", "eth1", "a", "eth1")
	n.start()
	n.run(n.now.Add(5 * time.Second))
	n.wantRoute("a", "10.50.0.0/24", 2, "10.3.0.1")
	n.wantRoute("b", "10.50.0.0/24", 2, "10.2.0.2")
	// The stub LAN disappears; c keeps talking to a and b.
	n.routers["c"].linkChanged(n.now, "eth2", false)
	end := n.now.Add(fastCfg.Timeout + 2*fastCfg.Update)
	for n.now.Before(end) {
		n.run(n.now.Add(500 * time.Millisecond))
		for name, e := range n.routers {
			if r := e.routes[netip.MustParsePrefix("10.50.0.0/24")]; r != nil && r.metric > Infinity {
				t.Fatalf("%s: metric %d beyond infinity", name, r.metric)
			}
		}
	}
	for _, name := range []string{"a", "b", "c"} {
		n.wantNoRoute(name, "10.50.0.0/24")
	}
}

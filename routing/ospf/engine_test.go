package ospf

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
)

// fakeKernel records the kernel table an engine would have.
type fakeKernel struct{ routes map[netip.Prefix]Route }

func (k *fakeKernel) Replace(rs []Route) error {
	for _, r := range rs {
		k.routes[r.Prefix] = r
	}
	return nil
}

func (k *fakeKernel) Delete(ps []netip.Prefix) error {
	for _, p := range ps {
		delete(k.routes, p)
	}
	return nil
}

type port struct{ router, iface string }

type sent struct {
	from port
	dst  netip.Addr
	data []byte
}

// fakeNet joins engines by segments: a packet sent on an interface reaches
// every other interface of its segment (a point-to-point link is a
// segment of two), unicast only the one with the destination address.
type fakeNet struct {
	t       *testing.T
	now     time.Time
	routers map[string]*engine
	kernels map[string]*fakeKernel
	segment map[port]string
	queue   []sent
	cut     map[port]bool
	events  map[string][]routing.Event
}

type fakeTr struct {
	n    *fakeNet
	name string
}

func (t fakeTr) Send(iface string, dst netip.Addr, b []byte) error {
	t.n.queue = append(t.n.queue, sent{from: port{t.name, iface}, dst: dst, data: slices.Clone(b)})
	return nil
}

func newFakeNet(t *testing.T) *fakeNet {
	return &fakeNet{t: t, now: time.Unix(1_000_000, 0), routers: map[string]*engine{}, kernels: map[string]*fakeKernel{},
		segment: map[port]string{}, cut: map[port]bool{}, events: map[string][]routing.Event{}}
}

// fast are the interface timers of the tests (a lab's "fast" timers).
func fast(i Interface) Interface {
	i.Hello, i.Dead, i.Retransmit = time.Second, 4*time.Second, 2*time.Second
	return i
}

// add creates a router: ifaces are "eth0=10.0.1.1/30" (point-to-point,
// area 0) with optional ",area=1,cost=5,bcast,passive,pri=N" suffixes; a
// loopback lo=RID/32 is always there, passive.
func (n *fakeNet) add(name, rid string, ifaces ...string) *Config {
	cfg := Config{RouterID: IDOf(netip.MustParseAddr(rid)), SPFDelay: 100 * time.Millisecond,
		MinLSInterval: time.Second, MinLSArrival: 500 * time.Millisecond}
	cfg.Interfaces = append(cfg.Interfaces, Interface{Name: "lo", Addr: netip.MustParsePrefix(rid + "/32"), Passive: true})
	for _, spec := range ifaces {
		parts := strings.Split(spec, ",")
		nv := strings.SplitN(parts[0], "=", 2)
		i := fast(Interface{Name: nv[0], Addr: netip.MustParsePrefix(nv[1]), Type: PointToPoint})
		for _, o := range parts[1:] {
			switch {
			case o == "bcast":
				i.Type = Broadcast
			case o == "passive":
				i.Passive = true
			case strings.HasPrefix(o, "area="):
				i.Area = IDOf(netip.MustParseAddr("0.0.0." + o[5:]))
			case strings.HasPrefix(o, "cost="):
				var c int
				fmt.Sscan(o[5:], &c)
				i.Cost = uint16(c)
			case strings.HasPrefix(o, "pri="):
				var c int
				fmt.Sscan(o[4:], &c)
				i.Priority = uint8(c)
				i.Ineligible = c == 0
			default:
				n.t.Fatalf("bad option %q", o)
			}
		}
		cfg.Interfaces = append(cfg.Interfaces, i)
	}
	// The loopback sits in the area of the first interface.
	if len(cfg.Interfaces) > 1 {
		cfg.Interfaces[0].Area = cfg.Interfaces[1].Area
	}
	n.build(name, cfg)
	return &n.routers[name].cfg
}

func (n *fakeNet) build(name string, cfg Config) {
	log := hclog.NewNullLogger()
	if testing.Verbose() {
		log = hclog.New(&hclog.LoggerOptions{Name: name, Level: hclog.Debug})
	}
	k := &fakeKernel{routes: map[netip.Prefix]Route{}}
	ev := routing.EmitterFunc(func(e routing.Event) { n.events[name] = append(n.events[name], e) })
	n.routers[name] = newEngine(cfg, log, fakeTr{n, name}, k, ev, uint64(len(n.routers)+1))
	n.kernels[name] = k
}

// join puts interfaces ("a:eth0") on one segment.
func (n *fakeNet) join(seg string, ports ...string) {
	for _, p := range ports {
		r, i, _ := strings.Cut(p, ":")
		n.segment[port{r, i}] = seg
	}
}

func (n *fakeNet) names() []string {
	var ks []string
	for k := range n.routers {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (n *fakeNet) start() {
	for _, name := range n.names() {
		n.routers[name].start(n.now)
	}
}

// deliver hands every queued packet to its receivers until none is left.
func (n *fakeNet) deliver() {
	for i := 0; len(n.queue) > 0; i++ {
		if i > 200000 {
			n.t.Fatalf("packet storm: %d packets still queued", len(n.queue))
		}
		s := n.queue[0]
		n.queue = n.queue[1:]
		seg, ok := n.segment[s.from]
		if !ok || n.cut[s.from] {
			continue
		}
		src := n.routers[s.from.router].byName[s.from.iface].cfg.Addr.Addr()
		for _, name := range n.names() {
			e := n.routers[name]
			for _, ifc := range e.ifaces {
				p := port{name, ifc.cfg.Name}
				if p == s.from || n.segment[p] != seg || n.cut[p] {
					continue
				}
				if !s.dst.IsMulticast() && s.dst != ifc.cfg.Addr.Addr() {
					continue
				}
				e.handle(n.now, Datagram{Iface: ifc.cfg.Name, Src: src, Dst: s.dst, Data: s.data})
				e.afterInput(n.now)
			}
		}
	}
}

// run advances the simulated clock to until, running every engine's timers.
func (n *fakeNet) run(d time.Duration) {
	until := n.now.Add(d)
	for {
		// Like the daemon: an engine's timers run only when its own
		// next() says so, so a deadline it forgot to report shows.
		for _, name := range n.names() {
			if e := n.routers[name]; !e.next().After(n.now) {
				e.advance(n.now)
			}
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
			for _, name := range n.names() {
				if e := n.routers[name]; !e.next().After(n.now) {
					e.advance(n.now)
				}
			}
			n.deliver()
			return
		}
		if next.After(n.now) {
			n.now = next
		}
	}
}

// setLink cuts or restores an interface, telling the engine as the
// carrier would.
func (n *fakeNet) setLink(router, iface string, up bool) {
	n.routers[router].linkChanged(n.now, iface, up)
	n.cut[port{router, iface}] = !up
}

func (n *fakeNet) route(router, prefix string) (Route, bool) {
	r, ok := n.kernels[router].routes[netip.MustParsePrefix(prefix)]
	return r, ok
}

// wantRoute checks a kernel route: cost and its gateways ("iface/addr").
func (n *fakeNet) wantRoute(router, prefix string, cost uint32, via ...string) {
	n.t.Helper()
	r, ok := n.route(router, prefix)
	if !ok {
		n.t.Fatalf("%s: no kernel route to %s (have %v)", router, prefix, n.kernelList(router))
	}
	var got []string
	for _, h := range r.NextHops {
		got = append(got, h.Iface+"/"+h.Addr.String())
	}
	sort.Strings(via)
	sort.Strings(got)
	if r.Cost != cost || !slices.Equal(got, via) {
		n.t.Fatalf("%s: route %s = cost %d via %v, want cost %d via %v", router, prefix, r.Cost, got, cost, via)
	}
}

func (n *fakeNet) wantNoRoute(router, prefix string) {
	n.t.Helper()
	if r, ok := n.route(router, prefix); ok {
		n.t.Fatalf("%s: unexpected kernel route %+v", router, r)
	}
}

func (n *fakeNet) kernelList(router string) []string {
	var out []string
	for p, r := range n.kernels[router].routes {
		out = append(out, fmt.Sprintf("%s(%s,%d,%v)", p, r.Kind, r.Cost, r.NextHops))
	}
	sort.Strings(out)
	return out
}

func (n *fakeNet) nbrState(router, iface, rid string) nbrState {
	i := n.routers[router].byName[iface]
	if nb := i.nbrByRID(IDOf(netip.MustParseAddr(rid))); nb != nil {
		return nb.state
	}
	return nDown
}

func (n *fakeNet) wantFull(router, iface string, rids ...string) {
	n.t.Helper()
	for _, rid := range rids {
		if s := n.nbrState(router, iface, rid); s != nFull {
			n.t.Fatalf("%s %s: neighbour %s is %s, want Full", router, iface, rid, s)
		}
	}
}

// chain builds a — b — c on point-to-point links.
func chain(t *testing.T) *fakeNet {
	n := newFakeNet(t)
	n.add("a", "1.1.1.1", "eth0=10.0.1.1/30")
	n.add("b", "2.2.2.2", "eth0=10.0.1.2/30", "eth1=10.0.2.1/30")
	n.add("c", "3.3.3.3", "eth0=10.0.2.2/30")
	n.join("ab", "a:eth0", "b:eth0")
	n.join("bc", "b:eth1", "c:eth0")
	return n
}

func TestPointToPointChain(t *testing.T) {
	n := chain(t)
	n.start()
	n.run(5 * time.Second)
	n.wantFull("a", "eth0", "2.2.2.2")
	n.wantFull("b", "eth0", "1.1.1.1")
	n.wantFull("b", "eth1", "3.3.3.3")
	n.wantRoute("a", "2.2.2.2/32", 10, "eth0/10.0.1.2")
	n.wantRoute("a", "3.3.3.3/32", 20, "eth0/10.0.1.2")
	n.wantRoute("a", "10.0.2.0/30", 20, "eth0/10.0.1.2")
	n.wantRoute("c", "1.1.1.1/32", 20, "eth0/10.0.2.1")
	n.wantRoute("c", "10.0.1.0/30", 20, "eth0/10.0.2.1")
	// Connected networks never go into the kernel.
	n.wantNoRoute("a", "10.0.1.0/30")
	n.wantNoRoute("b", "10.0.2.0/30")
	// Every router holds the same database.
	for _, r := range []string{"a", "b", "c"} {
		if got := len(n.routers[r].areas[0].db); got != 3 {
			t.Fatalf("%s: %d LSAs, want 3 router-LSAs: %v", r, got, sortedKeys(n.routers[r].areas[0].db))
		}
	}
	// Stable across refreshes: an hour and more of refreshes and aging.
	n.run(75 * time.Minute)
	n.wantRoute("a", "3.3.3.3/32", 20, "eth0/10.0.1.2")
	if s := n.routers["a"].areas[0].db[Key{LSARouter, 0x03030303, 0x03030303}].lsa.Seq; s <= InitialSeq {
		t.Fatalf("c's router-LSA was never refreshed: seq %#x", uint32(s))
	}
}

// square builds a — b — d and a — c — d: two equal-cost paths from a to d.
func square(t *testing.T) *fakeNet {
	n := newFakeNet(t)
	n.add("a", "1.1.1.1", "eth0=10.0.1.1/30", "eth1=10.0.2.1/30")
	n.add("b", "2.2.2.2", "eth0=10.0.1.2/30", "eth1=10.0.3.1/30")
	n.add("c", "3.3.3.3", "eth0=10.0.2.2/30", "eth1=10.0.4.1/30")
	n.add("d", "4.4.4.4", "eth0=10.0.3.2/30", "eth1=10.0.4.2/30")
	n.join("ab", "a:eth0", "b:eth0")
	n.join("ac", "a:eth1", "c:eth0")
	n.join("bd", "b:eth1", "d:eth0")
	n.join("cd", "c:eth1", "d:eth1")
	return n
}

func TestECMPAndLinkFailure(t *testing.T) {
	n := square(t)
	n.start()
	n.run(5 * time.Second)
	n.wantRoute("a", "4.4.4.4/32", 20, "eth0/10.0.1.2", "eth1/10.0.2.2")
	n.wantRoute("d", "1.1.1.1/32", 20, "eth0/10.0.3.1", "eth1/10.0.4.1")
	n.wantRoute("a", "10.0.3.0/30", 20, "eth0/10.0.1.2")

	// Carrier loss on a—b: both ends react at once.
	n.setLink("a", "eth0", false)
	n.setLink("b", "eth0", false)
	n.run(2 * time.Second)
	n.wantRoute("a", "4.4.4.4/32", 20, "eth1/10.0.2.2")
	n.wantRoute("a", "2.2.2.2/32", 30, "eth1/10.0.2.2")
	n.wantRoute("b", "1.1.1.1/32", 30, "eth1/10.0.3.2")

	n.setLink("a", "eth0", true)
	n.setLink("b", "eth0", true)
	n.run(5 * time.Second)
	n.wantRoute("a", "4.4.4.4/32", 20, "eth0/10.0.1.2", "eth1/10.0.2.2")

	// A silent failure: packets stop without carrier loss; the dead
	// interval finds it.
	n.cut[port{"a", "eth1"}] = true
	n.cut[port{"c", "eth0"}] = true
	n.run(6 * time.Second)
	n.wantRoute("a", "4.4.4.4/32", 20, "eth0/10.0.1.2")
	n.wantRoute("a", "3.3.3.3/32", 30, "eth0/10.0.1.2")
}

// lan builds four routers on one broadcast segment, priorities making d
// the DR and c the BDR.
func lan(t *testing.T) *fakeNet {
	n := newFakeNet(t)
	n.add("a", "1.1.1.1", "eth0=10.0.0.1/24,bcast")
	n.add("b", "2.2.2.2", "eth0=10.0.0.2/24,bcast,pri=0")
	n.add("c", "3.3.3.3", "eth0=10.0.0.3/24,bcast")
	n.add("d", "4.4.4.4", "eth0=10.0.0.4/24,bcast")
	n.join("lan", "a:eth0", "b:eth0", "c:eth0", "d:eth0")
	return n
}

func TestBroadcastDRElection(t *testing.T) {
	n := lan(t)
	n.start()
	n.run(10 * time.Second)
	for _, r := range []string{"a", "b", "c", "d"} {
		i := n.routers[r].byName["eth0"]
		if i.dr != IDOf(netip.MustParseAddr("10.0.0.4")) || i.bdr != IDOf(netip.MustParseAddr("10.0.0.3")) {
			t.Fatalf("%s: DR %s BDR %s, want 10.0.0.4 and 10.0.0.3", r, i.dr, i.bdr)
		}
	}
	if s := n.routers["d"].byName["eth0"].state; s != ifDR {
		t.Fatalf("d is %s, want DR", s)
	}
	if s := n.routers["b"].byName["eth0"].state; s != ifDROther {
		t.Fatalf("b (priority 0) is %s, want DROther", s)
	}
	// DROthers are adjacent to DR and BDR only, 2-Way with each other.
	n.wantFull("a", "eth0", "3.3.3.3", "4.4.4.4")
	n.wantFull("b", "eth0", "3.3.3.3", "4.4.4.4")
	n.wantFull("d", "eth0", "1.1.1.1", "2.2.2.2", "3.3.3.3")
	if s := n.nbrState("a", "eth0", "2.2.2.2"); s != n2Way {
		t.Fatalf("a—b (two DROthers) %s, want 2-Way", s)
	}
	// The DR's network-LSA lists everyone; routes cross the segment.
	nk := Key{LSANetwork, IDOf(netip.MustParseAddr("10.0.0.4")), 0x04040404}
	en := n.routers["a"].areas[0].db[nk]
	if en == nil || len(en.lsa.Body.(*NetworkLSA).Routers) != 4 {
		t.Fatalf("a: network-LSA %v", en)
	}
	n.wantRoute("a", "2.2.2.2/32", 10, "eth0/10.0.0.2")
	n.wantRoute("b", "4.4.4.4/32", 10, "eth0/10.0.0.4")

	// The DR dies silently: the BDR takes over, a new BDR is elected.
	n.cut[port{"d", "eth0"}] = true
	n.run(8 * time.Second)
	for _, r := range []string{"a", "b", "c"} {
		i := n.routers[r].byName["eth0"]
		if i.dr != IDOf(netip.MustParseAddr("10.0.0.3")) || i.bdr != IDOf(netip.MustParseAddr("10.0.0.1")) {
			t.Fatalf("%s after DR failure: DR %s BDR %s, want 10.0.0.3 and 10.0.0.1", r, i.dr, i.bdr)
		}
	}
	n.wantFull("c", "eth0", "1.1.1.1", "2.2.2.2")
	n.wantFull("b", "eth0", "1.1.1.1")
	n.wantRoute("b", "3.3.3.3/32", 10, "eth0/10.0.0.3")
	n.wantRoute("a", "2.2.2.2/32", 10, "eth0/10.0.0.2")
	n.wantNoRoute("a", "4.4.4.4/32")
	// The old DR comes back. Alone, it made itself DR of its own
	// segment; two routers declaring themselves DR meet and the higher
	// priority/router ID keeps the role (§9.4 step 3): everyone agrees
	// on one DR and BDR again.
	n.cut[port{"d", "eth0"}] = false
	n.run(10 * time.Second)
	d0 := n.routers["a"].byName["eth0"]
	for _, r := range []string{"b", "c", "d"} {
		if i := n.routers[r].byName["eth0"]; i.dr != d0.dr || i.bdr != d0.bdr || i.dr == 0 || i.bdr == 0 {
			t.Fatalf("%s: DR %s BDR %s; a: %s %s", r, i.dr, i.bdr, d0.dr, d0.bdr)
		}
	}
	n.wantRoute("a", "4.4.4.4/32", 10, "eth0/10.0.0.4")
}

// areas builds a (area 1) — b (ABR) — c (area 0) — d (area 2, stub).
func areas(t *testing.T, stub bool) *fakeNet {
	n := newFakeNet(t)
	n.add("a", "1.1.1.1", "eth0=10.0.1.1/30,area=1")
	n.add("b", "2.2.2.2", "eth0=10.0.1.2/30,area=1", "eth1=10.0.2.1/30")
	n.add("c", "3.3.3.3", "eth0=10.0.2.2/30", "eth1=10.0.3.1/30,area=2")
	n.add("d", "4.4.4.4", "eth0=10.0.3.2/30,area=2")
	if stub {
		for _, r := range []string{"c", "d"} {
			c := n.routers[r].cfg
			c.Areas = []Area{{ID: 2, Stub: true, DefaultCost: 5}}
			n.build(r, c)
		}
	}
	n.join("ab", "a:eth0", "b:eth0")
	n.join("bc", "b:eth1", "c:eth0")
	n.join("cd", "c:eth1", "d:eth0")
	return n
}

func TestInterArea(t *testing.T) {
	n := areas(t, false)
	n.start()
	n.run(8 * time.Second)
	// a sees c and d through summaries of b.
	n.wantRoute("a", "3.3.3.3/32", 20, "eth0/10.0.1.2")
	n.wantRoute("a", "4.4.4.4/32", 30, "eth0/10.0.1.2")
	n.wantRoute("a", "10.0.3.0/30", 30, "eth0/10.0.1.2")
	n.wantRoute("d", "1.1.1.1/32", 30, "eth0/10.0.3.1")
	if r, _ := n.route("a", "4.4.4.4/32"); r.Kind != KindInter {
		t.Fatalf("a: route to d is %s, want inter-area", r.Kind)
	}
	// a's database holds no router-LSA of area 0 or 2, only summaries.
	for k := range n.routers["a"].areas[0].db {
		if k.Type == LSARouter && k.Adv != 0x01010101 && k.Adv != 0x02020202 {
			t.Fatalf("a: router-LSA %s leaked out of its area", k)
		}
	}
	if n.routers["b"].routerLSAFlags(0)&RouterB == 0 {
		t.Fatal("b does not set the B bit")
	}
}

func (e *engine) routerLSAFlags(areaID ID) uint8 {
	a := e.area(areaID)
	en := a.db[Key{LSARouter, e.rid, e.rid}]
	return en.lsa.Body.(*RouterLSA).Flags
}

func TestStubAreaAndExternal(t *testing.T) {
	n := areas(t, true)
	// a redistributes a static route: type 5, flooded everywhere but the
	// stub area.
	ca := n.routers["a"].cfg
	ca.External = []External{{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Metric: 20}}
	n.build("a", ca)
	n.start()
	n.run(8 * time.Second)
	n.wantRoute("b", "192.0.2.0/24", 10, "eth0/10.0.1.1")
	n.wantRoute("c", "192.0.2.0/24", 20, "eth0/10.0.2.1")
	if r, _ := n.route("c", "192.0.2.0/24"); r.Kind != KindExt2 || r.Cost2 != 20 {
		t.Fatalf("c: external route %+v, want type 2 metric 20", r)
	}
	n.wantNoRoute("d", "192.0.2.0/24")
	if len(n.routers["d"].ext) != 0 {
		t.Fatalf("d (stub area) holds AS-external-LSAs: %v", sortedKeys(n.routers["d"].ext))
	}
	// The stub's default route from its ABR, cost 5 + 10.
	n.wantRoute("d", "0.0.0.0/0", 15, "eth0/10.0.3.1")
	n.wantRoute("d", "1.1.1.1/32", 30, "eth0/10.0.3.1")

	// Redistribution withdrawn: the LSA is flushed (premature aging) and
	// the route goes everywhere.
	e := n.routers["a"]
	e.cfg.External = nil
	e.origDirty = true
	e.afterInput(n.now)
	n.run(3 * time.Second)
	n.wantNoRoute("c", "192.0.2.0/24")
	n.wantNoRoute("b", "192.0.2.0/24")
	if len(n.routers["c"].ext) != 0 {
		t.Fatalf("c still holds the flushed LSA: %v", sortedKeys(n.routers["c"].ext))
	}
}

func TestMaxAgeOfDeadRouter(t *testing.T) {
	n := chain(t)
	n.start()
	n.run(5 * time.Second)
	// c vanishes without flushing anything: its LSA stays in a's database
	// (the b—c link goes down, so it is no longer reachable) until it
	// reaches MaxAge, then is removed.
	n.cut[port{"c", "eth0"}] = true
	n.cut[port{"b", "eth1"}] = true
	n.run(10 * time.Second)
	n.wantNoRoute("a", "3.3.3.3/32")
	ck := Key{LSARouter, 0x03030303, 0x03030303}
	if n.routers["a"].areas[0].db[ck] == nil {
		t.Fatal("c's router-LSA vanished before MaxAge")
	}
	n.run(61 * time.Minute)
	if en := n.routers["a"].areas[0].db[ck]; en != nil {
		t.Fatalf("c's router-LSA still there after MaxAge: age %d", en.age(n.now))
	}
	n.wantRoute("a", "2.2.2.2/32", 10, "eth0/10.0.1.2")
}

func TestRestartReoriginatesHigherSeq(t *testing.T) {
	n := chain(t)
	n.start()
	n.run(5 * time.Second)
	old := n.routers["b"].areas[0].db[Key{LSARouter, 0x01010101, 0x01010101}].lsa.Seq
	// a restarts: a fresh engine starting at InitialSeq meets its own
	// older-but-higher instance and must jump past it.
	n.build("a", n.routers["a"].cfg)
	n.routers["a"].start(n.now)
	n.run(10 * time.Second)
	got := n.routers["b"].areas[0].db[Key{LSARouter, 0x01010101, 0x01010101}].lsa.Seq
	if got <= old {
		t.Fatalf("after restart b holds a's LSA seq %#x, before %#x", uint32(got), uint32(old))
	}
	n.wantFull("a", "eth0", "2.2.2.2")
	n.wantRoute("a", "3.3.3.3/32", 20, "eth0/10.0.1.2")
	n.wantRoute("c", "1.1.1.1/32", 20, "eth0/10.0.2.1")
}

func TestMD5Adjacency(t *testing.T) {
	n := chain(t)
	for _, r := range []string{"a", "b", "c"} {
		c := n.routers[r].cfg
		for k := range c.Interfaces {
			c.Interfaces[k].Auth = &Auth{Type: "md5", Key: "s3cret", KeyID: 7}
		}
		if r == "c" {
			c.Interfaces[1].Auth = &Auth{Type: "md5", Key: "wrong", KeyID: 7}
		}
		n.build(r, c)
	}
	n.start()
	n.run(6 * time.Second)
	n.wantFull("a", "eth0", "2.2.2.2")
	n.wantRoute("a", "2.2.2.2/32", 10, "eth0/10.0.1.2")
	if s := n.nbrState("b", "eth1", "3.3.3.3"); s != nDown {
		t.Fatalf("b—c with different keys: %s", s)
	}
	if n.routers["b"].bad[ReasonAuthFail] == 0 {
		t.Fatalf("b counted no authentication failures: %v", n.routers["b"].bad)
	}
}

func TestNeighbourDownFromBFD(t *testing.T) {
	n := chain(t)
	n.start()
	n.run(5 * time.Second)
	// BFD says the path to b failed while b's Hellos are still cut.
	n.cut[port{"b", "eth0"}] = true
	n.routers["a"].neighbourDown(n.now, netip.MustParseAddr("10.0.1.2"), "BFD down")
	n.run(100 * time.Millisecond)
	if s := n.nbrState("a", "eth0", "2.2.2.2"); s != nDown {
		t.Fatalf("a—b after BFD down: %s", s)
	}
	n.wantNoRoute("a", "3.3.3.3/32")
	// The path heals: Hellos bring the adjacency back.
	n.cut[port{"b", "eth0"}] = false
	n.run(5 * time.Second)
	n.wantFull("a", "eth0", "2.2.2.2")
	n.wantRoute("a", "3.3.3.3/32", 20, "eth0/10.0.1.2")
}

func TestStatusText(t *testing.T) {
	n := lan(t)
	n.start()
	n.run(10 * time.Second)
	st := n.routers["a"].status(n.now)
	var b strings.Builder
	if err := st.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"OSPF router 1.1.1.1, internal router",
		"Full/DR", "Full/Backup", "2-Way/DROther",
		"Router Link States (Area 0.0.0.0)", "Net Link States (Area 0.0.0.0)",
		"4.4.4.4/32", "via 10.0.0.4 eth0", "directly attached to eth0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if testing.Verbose() {
		t.Log("\n" + out)
	}
}

func TestTotallyStubbyArea(t *testing.T) {
	n := areas(t, true)
	for _, r := range []string{"c", "d"} {
		c := n.routers[r].cfg
		c.Areas = []Area{{ID: 2, Stub: true, NoSummary: true, DefaultCost: 5}}
		n.build(r, c)
	}
	n.start()
	n.run(8 * time.Second)
	n.wantRoute("d", "0.0.0.0/0", 15, "eth0/10.0.3.1")
	n.wantNoRoute("d", "1.1.1.1/32")
	n.wantNoRoute("d", "10.0.2.0/30")
	// The rest of the domain still reaches into the stub area.
	n.wantRoute("a", "4.4.4.4/32", 30, "eth0/10.0.1.2")
}

func TestExternalType1AndNetworkFlush(t *testing.T) {
	n := newFakeNet(t)
	// a and b share a segment; b redistributes with a type-1 metric.
	n.add("a", "1.1.1.1", "eth0=10.0.0.1/24,bcast")
	n.add("b", "2.2.2.2", "eth0=10.0.0.2/24,bcast")
	cb := n.routers["b"].cfg
	cb.External = []External{{Prefix: netip.MustParsePrefix("198.51.100.0/24"), Metric: 7, Type1: true}}
	n.build("b", cb)
	n.join("lan", "a:eth0", "b:eth0")
	n.start()
	n.run(10 * time.Second)
	n.wantRoute("a", "198.51.100.0/24", 17, "eth0/10.0.0.2")
	if r, _ := n.route("a", "198.51.100.0/24"); r.Kind != KindExt1 {
		t.Fatalf("kind %s, want external-1", r.Kind)
	}
	nk := Key{LSANetwork, IDOf(netip.MustParseAddr("10.0.0.2")), 0x02020202}
	if n.routers["a"].areas[0].db[nk] == nil {
		t.Fatalf("no network-LSA from the DR b: %v", sortedKeys(n.routers["a"].areas[0].db))
	}
	// a leaves: b, alone on the segment, stops originating the
	// network-LSA and flushes it.
	n.setLink("a", "eth0", false)
	n.cut[port{"a", "eth0"}] = true
	n.run(8 * time.Second)
	if en := n.routers["b"].areas[0].db[nk]; en != nil && !en.flushed {
		t.Fatalf("b still originates the network-LSA with no neighbour")
	}
}

func TestAdoptStaleRoutes(t *testing.T) {
	n := chain(t)
	// A previous agent of a left these in the kernel.
	k := n.kernels["a"]
	old := []netip.Prefix{netip.MustParsePrefix("3.3.3.3/32"), netip.MustParsePrefix("10.99.0.0/24")}
	for _, p := range old {
		k.routes[p] = Route{Prefix: p, NextHops: []NextHop{{Iface: "eth0", Addr: netip.MustParseAddr("10.0.1.2")}}}
	}
	n.start()
	n.routers["a"].adopt(n.now, old)
	n.run(3 * time.Second)
	// Relearned: replaced by the new agent's; the other kept meanwhile.
	n.wantRoute("a", "3.3.3.3/32", 20, "eth0/10.0.1.2")
	if _, ok := n.route("a", "10.99.0.0/24"); !ok {
		t.Fatal("stale route removed before adjacencies could relearn it")
	}
	n.run(10 * time.Second)
	n.wantNoRoute("a", "10.99.0.0/24")
	n.wantRoute("a", "3.3.3.3/32", 20, "eth0/10.0.1.2")
}

// TestLoadingDoneViaOtherNeighbour: a neighbour in Loading whose requested
// LSA arrives first through another neighbour goes Full (the square's
// race: r3 asks r4 for r2's LSA, r1 floods it to r3 first).
func TestLoadingDoneViaOtherNeighbour(t *testing.T) {
	n := newFakeNet(t)
	n.add("a", "1.1.1.1", "eth0=10.0.1.1/30", "eth1=10.0.2.1/30")
	e := n.routers["a"]
	e.start(n.now)
	other := &LSA{LSAHeader: LSAHeader{Type: LSARouter, ID: 0x09090909, Adv: 0x09090909, Seq: InitialSeq, Options: OptE},
		Body: &RouterLSA{Links: []RouterLink{{ID: 0x09090909, Data: 0xffffffff, Type: LinkStub}}}}
	other.Seal()
	mk := func(iface string, rid ID, addr string, s nbrState) *nbr {
		i := e.byName[iface]
		nb := &nbr{ifc: i, rid: rid, addr: netip.MustParseAddr(addr), state: s, deadAt: n.now.Add(time.Hour),
			reqHdr: map[Key]LSAHeader{}, rxmt: map[Key]*LSA{}}
		i.nbrs = append(i.nbrs, nb)
		return nb
	}
	full := mk("eth0", 0x02020202, "10.0.1.2", nFull)
	loading := mk("eth1", 0x03030303, "10.0.2.2", nLoading)
	loading.req = []Key{other.Key()}
	loading.reqHdr[other.Key()] = other.LSAHeader
	e.recvLSU(n.now, full, &LSU{LSAs: []*LSA{other}})
	if loading.state != nFull {
		t.Fatalf("neighbour whose request was answered elsewhere: %s, want Full", loading.state)
	}
}

// TestCarrierLossTiming pins down what a carrier loss costs in protocol
// time, not wall clock: both ends re-originate their router-LSAs at the
// instant of the event (the last origination was long ago, so
// MinLSInterval holds nothing back), every router runs SPF at that same
// instant (a quiet spell means no hold) and has its final routes then;
// the other end's LSA reaching a and b after their own run costs one more
// run SPFDelay later, and nothing else runs.
func TestCarrierLossTiming(t *testing.T) {
	n := square(t)
	n.start()
	n.run(10 * time.Second) // converged, and quiet for longer than MinLSInterval and SPFDelay
	names := n.names()
	runs := map[string]uint64{}
	seqs := map[string]int32{}
	for _, r := range names {
		e := n.routers[r]
		runs[r] = e.spfRuns
		seqs[r] = int32(e.areas[0].db[Key{LSARouter, e.rid, e.rid}].lsa.Seq)
		if !e.spfAt.IsZero() {
			t.Fatalf("%s: SPF still pending after 10 s", r)
		}
	}
	t0 := n.now
	n.setLink("a", "eth0", false)
	n.setLink("b", "eth0", false)
	for _, r := range []string{"a", "b"} {
		e := n.routers[r]
		en := e.areas[0].db[Key{LSARouter, e.rid, e.rid}]
		if !en.origAt.Equal(t0) || int32(en.lsa.Seq) != seqs[r]+1 {
			t.Fatalf("%s: router-LSA seq %#x originated at %v, want seq %#x at the carrier loss (%v)",
				r, uint32(en.lsa.Seq), en.origAt.Sub(t0), uint32(seqs[r]+1), t0)
		}
	}
	n.run(0) // deliver the floods and run what is due, at t0
	if !n.now.Equal(t0) {
		t.Fatalf("clock moved to %v", n.now.Sub(t0))
	}
	final := func() {
		t.Helper()
		n.wantRoute("a", "4.4.4.4/32", 20, "eth1/10.0.2.2")
		n.wantRoute("a", "2.2.2.2/32", 30, "eth1/10.0.2.2")
		n.wantRoute("b", "1.1.1.1/32", 30, "eth1/10.0.3.2")
		n.wantRoute("b", "3.3.3.3/32", 20, "eth1/10.0.3.2")
		n.wantRoute("c", "2.2.2.2/32", 20, "eth1/10.0.4.2")
		n.wantRoute("d", "1.1.1.1/32", 20, "eth1/10.0.4.1")
	}
	final()
	for _, r := range names {
		e := n.routers[r]
		if got := e.spfRuns - runs[r]; got != 1 || !e.lastSPF.Equal(t0) {
			t.Fatalf("%s: %d SPF runs, the last at %v, want 1 at the carrier loss", r, got, e.lastSPF.Sub(t0))
		}
	}
	// a and b got the other end's new LSA (around the square) after their
	// own run: one more run, SPFDelay after it.
	for _, r := range []string{"a", "b"} {
		if at := n.routers[r].spfAt; !at.Equal(t0.Add(n.routers[r].cfg.SPFDelay)) {
			t.Fatalf("%s: next SPF at %v, want SPFDelay (%v) after the first", r, at.Sub(t0), n.routers[r].cfg.SPFDelay)
		}
	}
	for _, r := range []string{"c", "d"} {
		if at := n.routers[r].spfAt; !at.IsZero() {
			t.Fatalf("%s: an SPF is pending at %v; both LSAs were in its first run", r, at.Sub(t0))
		}
	}
	n.run(2 * time.Second)
	final()
	for _, r := range names {
		want := uint64(1)
		if r == "a" || r == "b" {
			want = 2
		}
		if got := n.routers[r].spfRuns - runs[r]; got != want {
			t.Fatalf("%s: %d SPF runs in the 2 s after the carrier loss, want %d", r, got, want)
		}
	}
}

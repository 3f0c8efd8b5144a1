package bfd

import (
	"net/netip"
	"sort"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
)

// fakeNet joins engines: a packet sent to a peer address reaches the node
// that owns it, at the same instant, unless the direction is cut.
type fakeNet struct {
	t     *testing.T
	now   time.Time
	nodes map[string]*fakeNode
	owner map[netip.Addr]string // address -> node
	queue []fakePkt
	// cut drops packets from one node to another ("a>b").
	cut map[string]bool
	// ttl overrides the TTL packets of a node arrive with (0: 255).
	ttl map[string]int
}

type fakeNode struct {
	name    string
	e       *engine
	addrs   map[string]netip.Addr // iface -> address
	ports   map[Key]uint16
	sent    []*Packet
	changes []Change
	events  []routing.Event
}

type fakePkt struct {
	from string
	key  Key
	port uint16
	data []byte
}

type fakeTr struct {
	n    *fakeNet
	node string
}

func (t fakeTr) Send(k Key, b []byte) error {
	nd := t.n.nodes[t.node]
	if _, ok := nd.ports[k]; !ok {
		nd.ports[k] = uint16(SrcPortMin + len(nd.ports))
	}
	p, err := Decode(b)
	if err != nil {
		t.n.t.Fatalf("%s sent a packet that does not decode: %v", t.node, err)
	}
	nd.sent = append(nd.sent, p)
	t.n.queue = append(t.n.queue, fakePkt{from: t.node, key: k, port: nd.ports[k], data: append([]byte(nil), b...)})
	return nil
}

func (t fakeTr) Forget(k Key) { delete(t.n.nodes[t.node].ports, k) }

func newFakeNet(t *testing.T) *fakeNet {
	return &fakeNet{t: t, now: time.Unix(1_000_000, 0), nodes: map[string]*fakeNode{}, owner: map[netip.Addr]string{},
		cut: map[string]bool{}, ttl: map[string]int{}}
}

// node adds a router with addresses per interface ("eth0" → "10.0.0.1").
func (n *fakeNet) node(name string, addrs map[string]string) *fakeNode {
	nd := &fakeNode{name: name, addrs: map[string]netip.Addr{}, ports: map[Key]uint16{}}
	for i, a := range addrs {
		nd.addrs[i] = netip.MustParseAddr(a)
		n.owner[nd.addrs[i]] = name
	}
	log := hclog.NewNullLogger()
	if testing.Verbose() {
		log = hclog.New(&hclog.LoggerOptions{Name: name, Level: hclog.Debug})
	}
	ev := routing.EmitterFunc(func(e routing.Event) { nd.events = append(nd.events, e) })
	nd.e = newEngine(log, fakeTr{n, name}, ev, uint64(len(n.nodes)+1))
	n.nodes[name] = nd
	return nd
}

// add starts a session on node and returns its key.
func (n *fakeNet) add(node string, c SessionConfig) Key {
	n.t.Helper()
	k, err := n.nodes[node].e.add(n.now, c)
	if err != nil {
		n.t.Fatal(err)
	}
	n.collect()
	return k
}

func (n *fakeNet) names() []string {
	var ks []string
	for k := range n.nodes {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (n *fakeNet) collect() {
	for _, nd := range n.nodes {
		nd.changes = append(nd.changes, nd.e.takeChanges()...)
	}
}

// deliver hands every queued packet to its receiver.
func (n *fakeNet) deliver() {
	for i := 0; i < 100000 && len(n.queue) > 0; i++ {
		p := n.queue[0]
		n.queue = n.queue[1:]
		to, ok := n.owner[p.key.Peer]
		if !ok || n.cut[p.from+">"+to] {
			continue
		}
		from := n.nodes[p.from]
		src := p.key.Local
		if !src.IsValid() {
			src = from.addrs[p.key.Iface]
		}
		iface := ""
		for i, a := range n.nodes[to].addrs {
			if a == p.key.Peer {
				iface = i
			}
		}
		ttl := TTL
		if v, ok := n.ttl[p.from]; ok {
			ttl = v
		}
		n.nodes[to].e.handle(n.now, Datagram{Iface: iface, Src: netip.AddrPortFrom(src, p.port),
			Dst: p.key.Peer, TTL: ttl, Multihop: p.key.Multihop, Data: p.data})
	}
	n.collect()
}

// run advances the simulated clock to until, running every engine's
// timers as they fall due.
func (n *fakeNet) run(until time.Time) {
	for {
		for _, name := range n.names() {
			n.nodes[name].e.advance(n.now)
		}
		n.deliver()
		var next time.Time
		for _, nd := range n.nodes {
			if t := nd.e.next(); !t.IsZero() && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
		if next.IsZero() || next.After(until) {
			n.now = until
			return
		}
		if next.After(n.now) {
			n.now = next
		}
	}
}

func (n *fakeNet) runFor(d time.Duration) { n.run(n.now.Add(d)) }

// runUntil runs until cond holds, failing after limit of simulated time.
func (n *fakeNet) runUntil(limit time.Duration, what string, cond func() bool) {
	n.t.Helper()
	end := n.now.Add(limit)
	for !cond() {
		if !n.now.Before(end) {
			n.t.Fatalf("%s: not after %v of simulated time", what, limit)
		}
		n.run(minTime(end, n.now.Add(10*time.Millisecond)))
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (n *fakeNet) state(node string, k Key) State {
	s := n.nodes[node].e.sessions[k]
	if s == nil {
		n.t.Fatalf("%s: no session %s", node, k)
	}
	return s.state
}

func (n *fakeNet) sess(node string, k Key) *session { return n.nodes[node].e.sessions[k] }

// pair builds a — b on one link with a session each way, timers tx/rx
// 100 ms × 3, and returns their keys.
func pair(t *testing.T) (*fakeNet, Key, Key) {
	n := newFakeNet(t)
	n.node("a", map[string]string{"eth0": "10.0.0.1"})
	n.node("b", map[string]string{"eth0": "10.0.0.2"})
	ka := n.add("a", SessionConfig{Key: Key{Peer: addr("10.0.0.2"), Iface: "eth0"}, MinTx: 100 * time.Millisecond, MinRx: 100 * time.Millisecond, Multiplier: 3})
	kb := n.add("b", SessionConfig{Key: Key{Peer: addr("10.0.0.1"), Iface: "eth0"}, MinTx: 100 * time.Millisecond, MinRx: 100 * time.Millisecond, Multiplier: 3})
	return n, ka, kb
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func bothUp(n *fakeNet, ka, kb Key) func() bool {
	return func() bool { return n.state("a", ka) == StateUp && n.state("b", kb) == StateUp }
}

func lastChange(t *testing.T, nd *fakeNode) Change {
	t.Helper()
	if len(nd.changes) == 0 {
		t.Fatalf("%s: no state change", nd.name)
	}
	return nd.changes[len(nd.changes)-1]
}

func TestComeUp(t *testing.T) {
	n, ka, kb := pair(t)
	start := n.now
	n.runUntil(5*time.Second, "both Up", bothUp(n, ka, kb))
	// Down → Init → Up on both sides, in one exchange of packets: the
	// first packets go out at once and state changes are sent at once.
	if d := n.now.Sub(start); d > 10*time.Millisecond {
		t.Fatalf("came Up after %v of simulated time, want one exchange", d)
	}
	for _, nd := range []string{"a", "b"} {
		var seq []State
		for _, c := range n.nodes[nd].changes {
			seq = append(seq, c.New)
		}
		if seq[len(seq)-1] != StateUp {
			t.Fatalf("%s: changes %v", nd, seq)
		}
		if ev := n.nodes[nd].events; len(ev) != 1 || ev[0].Kind != routing.EventSessionUp || ev[0].Daemon != "bfd" {
			t.Fatalf("%s: events %+v", nd, ev)
		}
	}
	// Up leaves the slow rate: a poll sequence announces 100 ms, and once
	// the peer's Final arrives both send every 100 ms (jittered) and
	// detect in 300 ms.
	n.runFor(2 * time.Second)
	for _, nd := range []struct {
		name string
		k    Key
	}{{"a", ka}, {"b", kb}} {
		s := n.sess(nd.name, nd.k)
		if s.poll || s.txInterval() != 100*time.Millisecond || s.detectTime() != 300*time.Millisecond {
			t.Fatalf("%s: poll %v tx %v detect %v", nd.name, s.poll, s.txInterval(), s.detectTime())
		}
		var polls, finals int
		for _, p := range n.nodes[nd.name].sent {
			if p.Poll {
				polls++
			}
			if p.Final {
				finals++
			}
		}
		if polls == 0 || finals == 0 {
			t.Fatalf("%s: %d polls, %d finals sent", nd.name, polls, finals)
		}
	}
	// 2 s at 75–100 ms per packet.
	before := len(n.nodes["a"].sent)
	n.runFor(3 * time.Second)
	if got := len(n.nodes["a"].sent) - before; got < 30 || got > 40 {
		t.Fatalf("a sent %d packets in 3 s at 100 ms with jitter, want 30–40", got)
	}
}

func TestSlowRateWhileDown(t *testing.T) {
	n := newFakeNet(t)
	n.node("a", map[string]string{"eth0": "10.0.0.1"})
	k := n.add("a", SessionConfig{Key: Key{Peer: addr("10.0.0.9"), Iface: "eth0"}, MinTx: 10 * time.Millisecond, MinRx: 10 * time.Millisecond})
	n.runFor(20 * time.Second)
	sent := n.nodes["a"].sent
	// §6.8.3: never faster than 1 s while not Up; §6.8.7: jittered to
	// 75–100% of it.
	if len(sent) < 20 || len(sent) > 28 {
		t.Fatalf("%d packets in 20 s while Down, want 1 per 0.75–1 s", len(sent))
	}
	for _, p := range sent {
		if p.State != StateDown || p.YourDiscr != 0 || Interval(p.DesiredMinTx) != time.Second || Interval(p.RequiredMinRx) != 10*time.Millisecond {
			t.Fatalf("packet while Down: %+v", p)
		}
	}
	if n.state("a", k) != StateDown {
		t.Fatal("came up alone")
	}
}

func TestJitter(t *testing.T) {
	e := newEngine(hclog.NewNullLogger(), nil, nil, 1)
	for _, tc := range []struct {
		mult   uint8
		lo, hi time.Duration
	}{{3, 750 * time.Millisecond, time.Second}, {1, 750 * time.Millisecond, 900 * time.Millisecond}} {
		seenLo, seenHi := time.Hour, time.Duration(0)
		for range 10000 {
			j := e.jitter(time.Second, tc.mult)
			if j < tc.lo || j > tc.hi {
				t.Fatalf("mult %d: %v outside [%v, %v]", tc.mult, j, tc.lo, tc.hi)
			}
			seenLo, seenHi = min(seenLo, j), max(seenHi, j)
		}
		if seenLo > tc.lo+10*time.Millisecond || seenHi < tc.hi-10*time.Millisecond {
			t.Fatalf("mult %d: jitter spans only [%v, %v]", tc.mult, seenLo, seenHi)
		}
	}
}

func TestSilentPeer(t *testing.T) {
	n, ka, kb := pair(t)
	n.runUntil(5*time.Second, "both Up", bothUp(n, ka, kb))
	n.runFor(time.Second)
	// a falls silent (its link drops everything it sends).
	n.cut["a>b"] = true
	cutAt := n.now
	n.runUntil(2*time.Second, "b declares Down", func() bool { return n.state("b", kb) == StateDown })
	c := lastChange(t, n.nodes["b"])
	if c.Old != StateUp || c.Diag != DiagControlDetectExpired || c.RemoteAdminDown {
		t.Fatalf("b's change %+v, want Up → Down with diag 1", c)
	}
	// Detection is a's multiplier × the agreed 100 ms after the last
	// packet heard, which came at most one interval before the cut.
	if d := c.At.Sub(cutAt); d > 300*time.Millisecond || d < 200*time.Millisecond {
		t.Fatalf("b declared Down %v after the cut, want within (200, 300] ms", d)
	}
	ev := n.nodes["b"].events
	if last := ev[len(ev)-1]; last.Kind != routing.EventSessionDown || last.Detail != DiagControlDetectExpired.String() {
		t.Fatalf("b's last event %+v", last)
	}
	// b now sends Down; a hears it and goes Down with diag 3 (and on
	// to Init with b's next Down).
	if s := n.sess("a", ka); s.state == StateUp || s.lastDown != DiagNeighborDown || s.downs != 1 {
		t.Fatalf("a: %s, went down with %s", s.state, s.lastDown)
	}
	// Healing brings both back Up.
	delete(n.cut, "a>b")
	n.runUntil(5*time.Second, "both Up again", bothUp(n, ka, kb))
	if d := n.sess("b", kb).downs; d != 1 {
		t.Fatalf("b went down %d times", d)
	}
}

// TestOneWayLoss: the link loses a's packets to b only. b detects it; a
// learns from b's Down; neither comes back Up while the loss lasts.
func TestOneWayLoss(t *testing.T) {
	n, ka, kb := pair(t)
	n.runUntil(5*time.Second, "both Up", bothUp(n, ka, kb))
	n.runFor(time.Second)
	n.cut["a>b"] = true
	n.runUntil(2*time.Second, "both leave Up", func() bool {
		return n.state("a", ka) != StateUp && n.state("b", kb) != StateUp
	})
	if s := n.sess("b", kb); s.localDiag != DiagControlDetectExpired {
		t.Fatalf("b diag %s", s.localDiag)
	}
	if s := n.sess("a", ka); s.lastDown != DiagNeighborDown {
		t.Fatalf("a went down with %s, want neighbor signaled session down", s.lastDown)
	}
	n.runFor(30 * time.Second)
	if n.state("a", ka) == StateUp || n.state("b", kb) == StateUp {
		t.Fatal("a session came Up over a one-way link")
	}
	// a hears b's Down and sits in Init; b hears nothing.
	if n.state("a", ka) != StateInit || n.state("b", kb) != StateDown {
		t.Fatalf("a %s b %s, want Init and Down", n.state("a", ka), n.state("b", kb))
	}
	for _, nd := range []string{"a", "b"} {
		if ups := countKind(n.nodes[nd].events, routing.EventSessionUp); ups != 1 {
			t.Fatalf("%s: %d session-up events", nd, ups)
		}
	}
}

func countKind(ev []routing.Event, k routing.EventKind) int {
	c := 0
	for _, e := range ev {
		if e.Kind == k {
			c++
		}
	}
	return c
}

func TestAdminDown(t *testing.T) {
	n, ka, kb := pair(t)
	n.runUntil(5*time.Second, "both Up", bothUp(n, ka, kb))
	if err := n.nodes["a"].e.setAdmin(n.now, ka, true); err != nil {
		t.Fatal(err)
	}
	n.collect()
	n.deliver()
	if s := n.sess("a", ka); s.state != StateAdminDown || s.localDiag != DiagAdminDown {
		t.Fatalf("a: %s %s", s.state, s.localDiag)
	}
	c := lastChange(t, n.nodes["b"])
	if c.New != StateDown || c.Diag != DiagNeighborDown || !c.RemoteAdminDown {
		t.Fatalf("b's change %+v, want Down, diag 3, remote AdminDown", c)
	}
	// While a is AdminDown, b stays Down (AdminDown packets do not move
	// it to Init) and nobody times out into another change.
	nb := len(n.nodes["b"].changes)
	n.runFor(10 * time.Second)
	if n.state("b", kb) != StateDown || len(n.nodes["b"].changes) != nb {
		t.Fatalf("b: %s after %d changes", n.state("b", kb), len(n.nodes["b"].changes)-nb)
	}
	for _, p := range n.nodes["a"].sent[len(n.nodes["a"].sent)-3:] {
		if p.State != StateAdminDown || p.Diag != DiagAdminDown {
			t.Fatalf("a sends %+v while AdminDown", p)
		}
	}
	if err := n.nodes["a"].e.setAdmin(n.now, ka, false); err != nil {
		t.Fatal(err)
	}
	n.runUntil(5*time.Second, "both Up after AdminDown ends", bothUp(n, ka, kb))
}

func TestRenegotiate(t *testing.T) {
	n, ka, kb := pair(t)
	n.runUntil(5*time.Second, "both Up", bothUp(n, ka, kb))
	n.runFor(time.Second)
	a, b := n.sess("a", ka), n.sess("b", kb)
	// a slows to 500 ms both ways: its TX stays at 100 ms until b's
	// Final, b learns the new TX in the Poll itself.
	sentBefore := len(n.nodes["a"].sent)
	if err := n.nodes["a"].e.setTimersKey(n.now, ka, 500*time.Millisecond, 500*time.Millisecond, 3); err != nil {
		t.Fatal(err)
	}
	if !a.poll || a.effTx != 100*time.Millisecond {
		t.Fatalf("a after the change: poll %v effTx %v", a.poll, a.effTx)
	}
	poll := n.nodes["a"].sent[sentBefore]
	if !poll.Poll || Interval(poll.DesiredMinTx) != 500*time.Millisecond {
		t.Fatalf("first packet after the change: %+v", poll)
	}
	n.deliver()
	if a.poll || a.txInterval() != 500*time.Millisecond || b.txInterval() != 500*time.Millisecond {
		t.Fatalf("after the Final: a poll %v tx %v, b tx %v", a.poll, a.txInterval(), b.txInterval())
	}
	if b.detectTime() != 1500*time.Millisecond || a.detectTime() != 1500*time.Millisecond {
		t.Fatalf("detect a %v b %v, want 1.5 s", a.detectTime(), b.detectTime())
	}
	n.runFor(5 * time.Second)
	// Then a goes fast again: 50 ms, and b follows its RX.
	if err := n.nodes["a"].e.setTimersKey(n.now, ka, 50*time.Millisecond, 50*time.Millisecond, 3); err != nil {
		t.Fatal(err)
	}
	n.runFor(time.Second)
	if a.txInterval() != 100*time.Millisecond || a.detectTime() != 300*time.Millisecond {
		// b still asks for 100 ms RX and sends at 100 ms.
		t.Fatalf("a tx %v detect %v", a.txInterval(), a.detectTime())
	}
	if b.txInterval() != 100*time.Millisecond || b.detectTime() != 300*time.Millisecond {
		t.Fatalf("b tx %v detect %v", b.txInterval(), b.detectTime())
	}
	for _, nd := range []string{"a", "b"} {
		if c := len(n.nodes[nd].changes); c != 2 {
			t.Fatalf("%s: %d state changes across renegotiation, want Down→Init→Up only", nd, c)
		}
	}
}

// TestHostilePackets: each bad packet is dropped and counted, and the
// session it aims at stays Up.
func TestHostilePackets(t *testing.T) {
	n, ka, kb := pair(t)
	n.runUntil(5*time.Second, "both Up", bothUp(n, ka, kb))
	b := n.sess("b", kb)
	a := n.sess("a", ka)
	good := Packet{Version: 1, State: StateDown, DetectMult: 3, MyDiscr: a.localDiscr, YourDiscr: b.localDiscr,
		DesiredMinTx: 100_000, RequiredMinRx: 100_000}
	enc := func(f func(p *Packet)) []byte { p := good; f(&p); return p.Marshal() }
	src := netip.AddrPortFrom(addr("10.0.0.1"), SrcPortMin)
	for _, tc := range []struct {
		name string
		d    Datagram
		want Reason
	}{
		{"short", Datagram{Data: []byte{0x20, 0xc0, 3}}, ReasonShort},
		{"version 2", Datagram{Data: func() []byte { x := enc(func(p *Packet) {}); x[0] = 0x40; return x }()}, ReasonVersion},
		{"detect mult 0", Datagram{Data: enc(func(p *Packet) { p.DetectMult = 0 })}, ReasonDetectMult},
		{"multipoint", Datagram{Data: enc(func(p *Packet) { p.Multipoint = true })}, ReasonMultipoint},
		{"my discr 0", Datagram{Data: enc(func(p *Packet) { p.MyDiscr = 0 })}, ReasonMyDiscr},
		{"your discr 0 in Up", Datagram{Data: enc(func(p *Packet) { p.YourDiscr, p.State = 0, StateUp })}, ReasonYourDiscr},
		{"unknown your discr", Datagram{Data: enc(func(p *Packet) { p.YourDiscr = b.localDiscr + 1 })}, ReasonNoSession},
		{"stranger", Datagram{Src: netip.AddrPortFrom(addr("10.0.0.66"), SrcPortMin), Data: enc(func(p *Packet) { p.YourDiscr = 0 })}, ReasonNoSession},
		{"spoofed source", Datagram{Src: netip.AddrPortFrom(addr("10.0.0.66"), SrcPortMin), Data: enc(func(p *Packet) {})}, ReasonWrongSource},
		{"multihop port", Datagram{Multihop: true, Data: enc(func(p *Packet) {})}, ReasonWrongSource},
		{"TTL 254", Datagram{TTL: 254, Data: enc(func(p *Packet) {})}, ReasonTTL},
		{"source port 3784", Datagram{Src: netip.AddrPortFrom(addr("10.0.0.1"), PortSingleHop), Data: enc(func(p *Packet) {})}, ReasonSourcePort},
		{"source port 53", Datagram{Src: netip.AddrPortFrom(addr("10.0.0.1"), 53), Data: enc(func(p *Packet) {})}, ReasonSourcePort},
		{"unexpected auth", Datagram{Data: enc(func(p *Packet) { p.Auth = &Auth{Type: AuthSimple, Password: []byte("x")} })}, ReasonAuthUnexpected},
		{"poll and final", Datagram{Data: enc(func(p *Packet) { p.Poll, p.Final = true, true })}, ReasonPollFinal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d
			if !d.Src.IsValid() {
				d.Src = src
			}
			if d.TTL == 0 {
				d.TTL = TTL
			}
			d.Iface = "eth0"
			before := n.nodes["b"].e.badAll[tc.want]
			n.nodes["b"].e.handle(n.now, d)
			n.collect()
			if got := n.nodes["b"].e.badAll[tc.want]; got != before+1 {
				t.Fatalf("counter %s = %d, want %d", tc.want, got, before+1)
			}
			if b.state != StateUp || len(n.nodes["b"].changes) != 2 {
				t.Fatalf("b: %s after %d changes", b.state, len(n.nodes["b"].changes))
			}
		})
	}
	// Per-session counters for packets that reached a session.
	if b.bad[ReasonTTL] != 1 || b.bad[ReasonWrongSource] != 2 {
		t.Fatalf("session counters %v", b.bad)
	}
	st := n.nodes["b"].e.status()
	if st.BadPackets[ReasonShort] != 1 || st.Sessions[0].BadPackets[ReasonTTL] != 1 {
		t.Fatalf("status %+v", st)
	}
	// The valid Down from a, with the right TTL, does take b down.
	n.nodes["b"].e.handle(n.now, Datagram{Iface: "eth0", Src: src, TTL: TTL, Data: enc(func(p *Packet) {})})
	if b.state != StateDown {
		t.Fatalf("b: %s after a valid Down", b.state)
	}
}

func TestMultihopAndAuth(t *testing.T) {
	n := newFakeNet(t)
	n.node("a", map[string]string{"lo": "192.0.2.1"})
	n.node("b", map[string]string{"lo": "192.0.2.2"})
	auth := &AuthConfig{Type: AuthMeticulousKeyedSHA1, KeyID: 7, Key: "s3cret"}
	ka := n.add("a", SessionConfig{Key: Key{Peer: addr("192.0.2.2"), Local: addr("192.0.2.1"), Multihop: true}, MinTTL: 250, Auth: auth})
	kb := n.add("b", SessionConfig{Key: Key{Peer: addr("192.0.2.1"), Local: addr("192.0.2.2"), Multihop: true}, MinTTL: 250, Auth: auth})
	n.ttl["a"] = 252 // a few hops away
	n.runUntil(5*time.Second, "multihop Up", bothUp(n, ka, kb))
	n.runFor(3 * time.Second)
	if n.sess("b", kb).rx < 10 || len(n.sess("b", kb).bad) != 0 {
		t.Fatalf("b: rx %d bad %v", n.sess("b", kb).rx, n.sess("b", kb).bad)
	}
	// Packets from too far away are dropped, and the session fails.
	n.ttl["a"] = 240
	n.runUntil(2*time.Second, "b Down", func() bool { return n.state("b", kb) == StateDown })
	if n.sess("b", kb).bad[ReasonTTL] == 0 {
		t.Fatal("no TTL drops counted")
	}
	n.ttl["a"] = 252
	n.runUntil(5*time.Second, "Up again", bothUp(n, ka, kb))
	// A replayed packet (old sequence number) is dropped.
	s := n.sess("b", kb)
	old := &Packet{Version: 1, State: StateUp, DetectMult: 3, MyDiscr: n.sess("a", ka).localDiscr, YourDiscr: s.localDiscr,
		DesiredMinTx: 300_000, RequiredMinRx: 300_000, Auth: newAuth(auth, s.rcvSeq-1)}
	b := old.Marshal()
	Sign(b, auth)
	n.nodes["b"].e.handle(n.now, Datagram{Src: netip.AddrPortFrom(addr("192.0.2.1"), SrcPortMin), Dst: addr("192.0.2.2"), TTL: 255, Multihop: true, Data: b})
	if s.bad[ReasonAuthSeq] != 1 {
		t.Fatalf("replay not dropped: %v", s.bad)
	}
	// A wrong key never comes up.
	n2 := newFakeNet(t)
	n2.node("a", map[string]string{"eth0": "10.0.0.1"})
	n2.node("b", map[string]string{"eth0": "10.0.0.2"})
	ka = n2.add("a", SessionConfig{Key: Key{Peer: addr("10.0.0.2"), Iface: "eth0"}, Auth: &AuthConfig{Type: AuthKeyedMD5, Key: "one"}})
	kb = n2.add("b", SessionConfig{Key: Key{Peer: addr("10.0.0.1"), Iface: "eth0"}, Auth: &AuthConfig{Type: AuthKeyedMD5, Key: "two"}})
	n2.runFor(10 * time.Second)
	if n2.state("a", ka) == StateUp || n2.sess("b", kb).bad[ReasonAuthFailed] < 5 {
		t.Fatalf("wrong key: a %s, b drops %v", n2.state("a", ka), n2.sess("b", kb).bad)
	}
}

func TestPassive(t *testing.T) {
	n := newFakeNet(t)
	n.node("a", map[string]string{"eth0": "10.0.0.1"})
	n.node("b", map[string]string{"eth0": "10.0.0.2"})
	kb := n.add("b", SessionConfig{Key: Key{Peer: addr("10.0.0.1"), Iface: "eth0"}, Passive: true})
	n.runFor(5 * time.Second)
	if len(n.nodes["b"].sent) != 0 {
		t.Fatalf("a passive session sent %d packets before hearing its peer", len(n.nodes["b"].sent))
	}
	ka := n.add("a", SessionConfig{Key: Key{Peer: addr("10.0.0.2"), Iface: "eth0"}})
	n.runUntil(5*time.Second, "Up", bothUp(n, ka, kb))
}

// TestSharedSession: two clients of one session; the faster timers win
// and the session lives until the last one leaves, telling the peer
// AdminDown rather than falling silent.
func TestSharedSession(t *testing.T) {
	n, ka, kb := pair(t)
	n.runUntil(5*time.Second, "both Up", bothUp(n, ka, kb))
	k2 := n.add("a", SessionConfig{Key: ka, MinTx: 50 * time.Millisecond, MinRx: 50 * time.Millisecond, Multiplier: 3})
	if k2 != ka || n.sess("a", ka).cfg.MinRx != 50*time.Millisecond || n.sess("a", ka).refs != 2 {
		t.Fatalf("second client: %+v", n.sess("a", ka).cfg)
	}
	n.runFor(time.Second)
	n.nodes["a"].e.remove(n.now, ka)
	n.deliver()
	if n.state("b", kb) != StateUp {
		t.Fatal("b went down while a still had a client")
	}
	n.nodes["a"].e.remove(n.now, ka)
	n.deliver()
	if _, ok := n.nodes["a"].e.sessions[ka]; ok {
		t.Fatal("session kept after the last client left")
	}
	if c := lastChange(t, n.nodes["b"]); c.New != StateDown || !c.RemoteAdminDown {
		t.Fatalf("b's change %+v, want Down for the peer's AdminDown", c)
	}
}

package bfd

import (
	"net/netip"
	"testing"
	"time"
)

// BenchmarkHandle is the cost of one received packet of an Up session,
// the engine's hot path (a router with 1,000 sessions at 10 ms sees
// 100,000 a second).
func BenchmarkHandle(b *testing.B) {
	n, ka, kb := pair(&testing.T{})
	n.runUntil(5*time.Second, "both Up", bothUp(n, ka, kb))
	a, s := n.sess("a", ka), n.sess("b", kb)
	pkt := (&Packet{Version: 1, State: StateUp, DetectMult: 3, MyDiscr: a.localDiscr, YourDiscr: s.localDiscr,
		DesiredMinTx: 100_000, RequiredMinRx: 100_000}).Marshal()
	d := Datagram{Iface: "eth0", Src: netip.AddrPortFrom(addr("10.0.0.1"), SrcPortMin), Dst: addr("10.0.0.2"), TTL: TTL, Data: pkt}
	e := n.nodes["b"].e
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e.handle(n.now, d)
	}
	if s.state != StateUp {
		b.Fatalf("session left Up: %s", s.state)
	}
}

// BenchmarkAdvance1000 is one timer pass over 1,000 sessions.
func BenchmarkAdvance1000(b *testing.B) {
	n := newFakeNet(&testing.T{})
	nd := n.node("a", map[string]string{"eth0": "10.0.0.1"})
	for i := range 1000 {
		p := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		if _, err := nd.e.add(n.now, SessionConfig{Key: Key{Peer: p, Iface: "eth0"}}); err != nil {
			b.Fatal(err)
		}
	}
	now := n.now
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		nd.e.advance(now)
		_ = nd.e.next()
		n.queue = n.queue[:0]
		nd.sent = nd.sent[:0]
	}
}

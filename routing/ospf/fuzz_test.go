package ospf

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// FuzzDecode: anything that decodes re-encodes and decodes to the same
// packet; every error is an *Error with a Reason.
func FuzzDecode(f *testing.F) {
	f.Add(mustHex(f, realLSU))
	for _, p := range samplePackets() {
		f.Add(Sign(Encode(p), nil, 0))
		f.Add(Sign(Encode(p), &Auth{Type: "md5", Key: "k", KeyID: 1}, 9))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) || oe.Reason == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		b2 := Encode(p)
		p2, err := Decode(b2)
		if err != nil {
			t.Fatalf("re-encoded packet does not decode: %v\n%x", err, b2)
		}
		p.Length, p2.Length = 0, 0
		if !reflect.DeepEqual(p, p2) {
			t.Fatalf("round trip differs:\n%#v\n%#v", p, p2)
		}
		_ = Verify(b, p, &Auth{Type: "md5", Key: "k", KeyID: 1})
		_ = Verify(b, p, nil)
		if u, ok := p.Body.(*LSU); ok {
			for _, l := range u.LSAs {
				_ = l.Check()
			}
		}
	})
}

// FuzzDecodeLSA: the same for one LSA, and its length is what it took.
func FuzzDecodeLSA(f *testing.F) {
	for _, l := range sampleLSAs() {
		f.Add(l.Encode(nil))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, n, err := DecodeLSA(b)
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		b2 := l.Encode(nil)
		if len(b2) != n {
			t.Fatalf("decoded %d octets, re-encoded %d", n, len(b2))
		}
		l2, _, err := DecodeLSA(b2)
		if err != nil {
			t.Fatalf("re-encoded LSA does not decode: %v", err)
		}
		if !reflect.DeepEqual(l, l2) {
			t.Fatalf("round trip differs:\n%#v\n%#v", l, l2)
		}
	})
}

// FuzzEngine feeds arbitrary packets, as if from a Full neighbour, to a
// router of a converged chain: the engine may drop or accept them, never
// crash, and its timers keep running.
func FuzzEngine(f *testing.F) {
	for _, p := range samplePackets() {
		p.RouterID = 0x01010101
		p.AreaID = 0
		f.Add(Sign(Encode(p), nil, 0))
	}
	// The chain is built once, outside any test: its helpers never fail here.
	n := chain(&testing.T{})
	n.start()
	n.run(5 * time.Second)
	b := n.routers["b"]
	src := netip.MustParseAddr("10.0.1.1")
	f.Fuzz(func(t *testing.T, data []byte) {
		// A valid checksum, so the fuzzer's bytes reach the protocol.
		if len(data) >= HeaderLen && int(be16(data[2:])) <= len(data) && int(be16(data[2:])) >= HeaderLen && be16(data[14:]) == AuthNull {
			data = Sign(data[:be16(data[2:])], nil, 0)
		}
		b.handle(n.now, Datagram{Iface: "eth0", Src: src, Dst: AllSPFRouters, Data: data})
		b.afterInput(n.now)
		n.now = n.now.Add(100 * time.Millisecond)
		b.advance(n.now)
		n.queue = n.queue[:0]
	})
}

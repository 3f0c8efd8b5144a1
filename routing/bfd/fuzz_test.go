package bfd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// FuzzDecode: whatever decodes re-encodes to the same bytes (up to the
// Length field) and decodes to the same value; every error is typed.
func FuzzDecode(f *testing.F) {
	for _, p := range samplePackets() {
		f.Add(p.Marshal())
	}
	f.Add([]byte{0x20, 0x44, 3, 26, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Reason == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		_ = p.Check()
		out := p.Marshal()
		if !bytes.Equal(out, b[:p.Len()]) {
			t.Fatalf("re-encoded\n %x\nfrom\n %x", out, b[:p.Len()])
		}
		q, err := Decode(out)
		if err != nil {
			t.Fatalf("re-encoded packet does not decode: %v", err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("second decode differs:\n%+v\n%+v", p, q)
		}
	})
}

// FuzzEngine feeds arbitrary packets to a session that is Up: nothing
// panics, a dropped packet changes no state, and the timers stay sane.
func FuzzEngine(f *testing.F) {
	for _, p := range samplePackets() {
		f.Add(p.Marshal(), uint8(255), uint16(50000), false)
	}
	f.Fuzz(func(t *testing.T, b []byte, ttl uint8, port uint16, discr bool) {
		n, ka, kb := pair(t)
		n.runUntil(5*time.Second, "both Up", bothUp(n, ka, kb))
		s := n.sess("b", kb)
		if discr && len(b) >= 12 {
			// Aim at the session so the state machine is reached.
			b = append([]byte(nil), b...)
			binary.BigEndian.PutUint32(b[8:], s.localDiscr)
			binary.BigEndian.PutUint32(b[4:], n.sess("a", ka).localDiscr)
		}
		e := n.nodes["b"].e
		dropped := func() uint64 {
			var c uint64
			for _, v := range e.badAll {
				c += v
			}
			return c
		}
		before, rx, st := dropped(), s.rx, s.state
		e.handle(n.now, Datagram{Iface: "eth0", Src: netip.AddrPortFrom(addr("10.0.0.1"), port), Dst: addr("10.0.0.2"), TTL: int(ttl), Data: b})
		switch {
		case dropped() == before+1:
			if s.rx != rx || s.state != st {
				t.Fatalf("dropped packet changed the session: rx %d→%d, %s→%s", rx, s.rx, st, s.state)
			}
		case dropped() == before && s.rx == rx+1:
		default:
			t.Fatalf("packet neither dropped once nor received: drops %d→%d rx %d→%d", before, dropped(), rx, s.rx)
		}
		if s.state > StateUp || s.detectTime() < 0 || s.txInterval() <= 0 {
			t.Fatalf("session %s tx %v detect %v", s.state, s.txInterval(), s.detectTime())
		}
		n.runFor(5 * time.Second)
	})
}

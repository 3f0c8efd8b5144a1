package ospf

import (
	"net/netip"
	"testing"
	"time"
)

// TestHostileInput feeds b, Full with a and c, packets that must be
// counted and dropped: nothing crashes, nothing reaches the database.
func TestHostileInput(t *testing.T) {
	n := chain(t)
	n.start()
	n.run(5 * time.Second)
	b := n.routers["b"]
	before := len(b.areas[0].db)
	src := netip.MustParseAddr("10.0.1.1")
	inject := func(p *Packet, a *Auth, mangle func([]byte) []byte) {
		raw := Sign(Encode(p), a, 1)
		if mangle != nil {
			raw = mangle(raw)
		}
		b.handle(n.now, Datagram{Iface: "eth0", Src: src, Dst: AllSPFRouters, Data: raw})
		b.afterInput(n.now)
	}
	hdr := Header{Version: Version, RouterID: 0x01010101}
	hello := &Hello{Interval: 1, Dead: 4, Options: OptE, Neighbors: []ID{0x02020202}}
	lsa := func(age uint16) *LSA {
		l := &LSA{LSAHeader: LSAHeader{Type: LSAExternal, ID: 0xc6336400, Adv: 0x01010101, Seq: InitialSeq + 100},
			Body: &ExternalLSA{Mask: 0xffffff00, Routes: []ExternalRoute{{E: true, Metric: 1}}}}
		l.Seal()
		l.Age = age
		return l
	}
	cases := []struct {
		name string
		p    *Packet
		auth *Auth
		mod  func([]byte) []byte
		want Reason
	}{
		{"bad checksum", &Packet{Header: hdr, Body: hello}, nil, func(b []byte) []byte { b[12] ^= 0xff; return b }, ReasonChecksum},
		{"wrong area", &Packet{Header: Header{Version: Version, RouterID: 0x01010101, AreaID: 7}, Body: hello}, nil, nil, ReasonArea},
		{"bad auth type", &Packet{Header: hdr, Body: hello}, &Auth{Type: "simple", Key: "x"}, nil, ReasonAuthType},
		{"md5 where none", &Packet{Header: hdr, Body: hello}, &Auth{Type: "md5", Key: "x"}, nil, ReasonAuthType},
		{"truncated LSA", &Packet{Header: hdr, Body: &LSU{LSAs: []*LSA{lsa(1)}}}, nil, func(b []byte) []byte {
			// Cut the LSA's last octets and fix the packet length and
			// checksum: the packet is sound, the LSA is not.
			b = b[:len(b)-4]
			b[2], b[3] = byte(len(b)>>8), byte(len(b))
			return Sign(b, nil, 0)
		}, ReasonLSALength},
		{"huge age", &Packet{Header: hdr, Body: &LSU{LSAs: []*LSA{lsa(0xffff)}}}, nil, nil, ReasonLSAAge},
		{"bad LSA checksum", &Packet{Header: hdr, Body: &LSU{LSAs: []*LSA{func() *LSA { l := lsa(1); l.Checksum ^= 1; return l }()}}}, nil, nil, ReasonLSAChecks},
		{"garbage", nil, nil, func([]byte) []byte { return []byte{2, 4, 0, 30, 1, 2, 3} }, ReasonShort},
		{"our own router ID", &Packet{Header: Header{Version: Version, RouterID: 0x02020202}, Body: hello}, nil, nil, ReasonOwn},
		{"bad timers", &Packet{Header: hdr, Body: &Hello{Interval: 10, Dead: 40, Options: OptE}}, nil, nil, ReasonTimers},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			was := b.bad[c.want]
			p := c.p
			if p == nil {
				p = &Packet{Header: hdr, Body: hello}
			}
			inject(p, c.auth, c.mod)
			if b.bad[c.want] != was+1 {
				t.Fatalf("counter %s = %d, want %d (all %v)", c.want, b.bad[c.want], was+1, b.bad)
			}
		})
	}
	if got := len(b.areas[0].db); got != before || len(b.ext) != 0 {
		t.Fatalf("hostile input reached the database: %d LSAs (was %d), %d external", got, before, len(b.ext))
	}
	// The adjacency and routes are untouched.
	n.run(3 * time.Second)
	n.wantFull("b", "eth0", "1.1.1.1")
	n.wantRoute("a", "3.3.3.3/32", 20, "eth0/10.0.1.2")
}

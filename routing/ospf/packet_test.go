package ospf

import (
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// realLSU is an OSPF Link State Update as captured on the wire (from
// scapy's OSPF regression capture): router 192.168.170.8, area 0.0.0.1,
// one router-LSA with one stub link, age 994.
const realLSU = "02040040c0a8aa0800000001961f0000000000000000000000000001" +
	"03e20201c0a8aa08c0a8aa0880000dc325060024" +
	"02000001c0a8aa00ffffff000300000a"

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRealLSU(t *testing.T) {
	b := mustHex(t, realLSU)
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(b, p, nil); err != nil {
		t.Fatalf("checksum of a real packet: %v", err)
	}
	u := p.Body.(*LSU)
	if len(u.LSAs) != 1 {
		t.Fatalf("%d LSAs", len(u.LSAs))
	}
	l := u.LSAs[0]
	want := LSAHeader{Age: 994, Options: OptE, Type: LSARouter, ID: 0xc0a8aa08, Adv: 0xc0a8aa08, Seq: int32(-0x7ffff23d), Checksum: 0x2506, Length: 36}
	if l.LSAHeader != want {
		t.Fatalf("header %+v, want %+v", l.LSAHeader, want)
	}
	rl := l.Body.(*RouterLSA)
	if rl.Flags != RouterE || len(rl.Links) != 1 || !reflect.DeepEqual(rl.Links[0], RouterLink{ID: 0xc0a8aa00, Data: 0xffffff00, Type: LinkStub, Metric: 10}) {
		t.Fatalf("body %+v", rl)
	}
	if err := l.Check(); err != nil {
		t.Fatalf("Fletcher checksum of a real LSA: %v", err)
	}
	// Our Fletcher computes the same checksum the originator did.
	c := *l
	c.Checksum = 0
	c.Seal()
	if c.Checksum != 0x2506 {
		t.Fatalf("Seal computed %#04x, the originator %#04x", c.Checksum, 0x2506)
	}
	if got := Encode(p); !reflect.DeepEqual(got, b) {
		t.Fatalf("re-encoded\n%x\nwant\n%x", got, b)
	}
}

func sampleLSAs() []*LSA {
	ls := []*LSA{
		{LSAHeader: LSAHeader{Age: 1, Options: OptE, Type: LSARouter, ID: 0x01010101, Adv: 0x01010101, Seq: InitialSeq},
			Body: &RouterLSA{Flags: RouterB | RouterE, Links: []RouterLink{
				{ID: 0x02020202, Data: 0x0a000101, Type: LinkP2P, Metric: 10},
				{ID: 0x0a000100, Data: 0xfffffffc, Type: LinkStub, Metric: 10, TOS: []TOSMetric{{TOS: 2, Metric: 7}}},
				{ID: 0x0a000004, Data: 0x0a000001, Type: LinkTransit, Metric: 1}}}},
		{LSAHeader: LSAHeader{Type: LSANetwork, ID: 0x0a000004, Adv: 0x04040404, Seq: 5},
			Body: &NetworkLSA{Mask: 0xffffff00, Routers: []ID{0x04040404, 0x01010101}}},
		{LSAHeader: LSAHeader{Type: LSASummary, ID: 0x0a010000, Adv: 0x02020202, Seq: InitialSeq + 9},
			Body: &SummaryLSA{Mask: 0xffff0000, Metric: 0x123456}},
		{LSAHeader: LSAHeader{Type: LSAASBRSummary, ID: 0x05050505, Adv: 0x02020202, Seq: InitialSeq},
			Body: &SummaryLSA{Metric: 30, TOS: []TOSMetric{{TOS: 4, Metric: 9}}}},
		{LSAHeader: LSAHeader{Age: MaxAge, Options: OptE, Type: LSAExternal, ID: 0xc0000200, Adv: 0x05050505, Seq: InitialSeq},
			Body: &ExternalLSA{Mask: 0xffffff00, Routes: []ExternalRoute{{E: true, Metric: 20, Forward: 0x0a000102, Tag: 64500}}}},
		{LSAHeader: LSAHeader{Type: 10, ID: 0x01000001, Adv: 0x05050505, Seq: InitialSeq},
			Body: &UnknownLSA{Data: []byte{1, 2, 3, 4}}},
	}
	for _, l := range ls {
		l.Seal()
	}
	return ls
}

func samplePackets() []*Packet {
	ls := sampleLSAs()
	var hs []LSAHeader
	for _, l := range ls {
		hs = append(hs, l.LSAHeader)
	}
	hdr := Header{Version: Version, RouterID: 0x01010101, AreaID: 1}
	return []*Packet{
		{Header: hdr, Body: &Hello{Mask: 0xffffff00, Interval: 10, Options: OptE, Priority: 1, Dead: 40, DR: 0x0a000004, BDR: 0x0a000003,
			Neighbors: []ID{0x02020202, 0x03030303}}},
		{Header: hdr, Body: &Hello{Interval: 1, Dead: 4}},
		{Header: hdr, Body: &DD{MTU: 1500, Options: OptE, Flags: FlagI | FlagM | FlagMS, Seq: 0x1234}},
		{Header: hdr, Body: &DD{MTU: 1500, Options: OptE, Flags: FlagM, Seq: 0x1235, Headers: hs}},
		{Header: hdr, Body: &LSR{Keys: []LSRKey{{Type: 1, ID: 1, Adv: 1}, {Type: 5, ID: 0xc0000200, Adv: 5}}}},
		{Header: hdr, Body: &LSU{LSAs: ls}},
		{Header: hdr, Body: &LSAck{Headers: hs}},
	}
}

func TestPacketRoundTripAndAuth(t *testing.T) {
	auths := []*Auth{nil, {Type: "simple", Key: "pass"}, {Type: "md5", Key: "secret", KeyID: 3}}
	for _, p := range samplePackets() {
		for _, a := range auths {
			name := p.Body.packetType().String() + "/" + map[bool]string{true: "null", false: ""}[a == nil]
			if a != nil {
				name += a.Type
			}
			t.Run(name, func(t *testing.T) {
				b := Sign(Encode(p), a, 77)
				q, err := Decode(b)
				if err != nil {
					t.Fatal(err)
				}
				if err := Verify(b, q, a); err != nil {
					t.Fatalf("verify: %v", err)
				}
				if !reflect.DeepEqual(q.Body, p.Body) || q.RouterID != p.RouterID || q.AreaID != p.AreaID {
					t.Fatalf("round trip:\n%#v\nwant\n%#v", q.Body, p.Body)
				}
				if a.AuType() == AuthCrypto && q.CryptoSeq() != 77 {
					t.Fatalf("crypto sequence %d", q.CryptoSeq())
				}
				// One flipped bit in the body fails the check.
				bad := append([]byte(nil), b...)
				bad[HeaderLen] ^= 0x40
				if qb, err := Decode(bad); err == nil {
					var oe *Error
					if err := Verify(bad, qb, a); !errors.As(err, &oe) || (oe.Reason != ReasonChecksum && oe.Reason != ReasonAuthFail) {
						t.Fatalf("tampered packet verified: %v", err)
					}
				}
				// The wrong key or type fails.
				wrong := &Auth{Type: "simple", Key: "other"}
				if a != nil && a.Type == "simple" {
					wrong = &Auth{Type: "md5", Key: "pass"}
				}
				if err := Verify(b, q, wrong); err == nil {
					t.Fatal("verified with the wrong authentication")
				}
			})
		}
	}
}

func TestLSAChecksums(t *testing.T) {
	for _, l := range sampleLSAs() {
		if l.Type <= LSAExternal {
			if err := l.Check(); err != nil {
				t.Fatalf("%s: %v", l.Key(), err)
			}
		}
		// The age is outside the checksum.
		c := *l
		c.Age = 77
		if !ChecksumOK(c.Encode(nil)) {
			t.Fatalf("%s: age change broke the checksum", l.Key())
		}
		c.Seq++
		if ChecksumOK(c.Encode(nil)) {
			t.Fatalf("%s: checksum still good after the sequence changed", l.Key())
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	good := mustHex(t, realLSU)
	withLen := func(b []byte, n int) []byte {
		c := append([]byte(nil), b...)
		c[2], c[3] = byte(n>>8), byte(n)
		return c
	}
	cases := []struct {
		name string
		b    []byte
		want Reason
	}{
		{"empty", nil, ReasonShort},
		{"short header", good[:23], ReasonShort},
		{"version 3", append([]byte{3}, good[1:]...), ReasonVersion},
		{"length past the end", withLen(good, 80), ReasonLength},
		{"length below header", withLen(good, 20), ReasonLength},
		{"unknown type", append([]byte{2, 9}, good[2:]...), ReasonType},
		{"truncated LSA", withLen(good[:60], 60), ReasonLSALength},
		{"LSU claims many", func() []byte { c := append([]byte(nil), good...); c[24] = 0xff; return c }(), ReasonLength},
		{"hello odd body", withLen(append(append([]byte(nil), good[:24]...), make([]byte, 22)...), 46), ReasonLength},
		{"crypto without digest", func() []byte { c := append([]byte(nil), good...); c[15] = 2; c[19] = 16; return c }(), ReasonShort},
		{"crypto not md5", func() []byte { c := append([]byte(nil), good...); c[15] = 2; c[19] = 20; return c }(), ReasonAuthType},
	}
	cases[8].b[1] = byte(TypeHello)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.b)
			var oe *Error
			if !errors.As(err, &oe) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if oe.Reason != c.want {
				t.Fatalf("reason %s, want %s (%v)", oe.Reason, c.want, err)
			}
		})
	}
}

func TestRouterLSATruncatedLink(t *testing.T) {
	l := sampleLSAs()[0]
	b := l.Encode(nil)
	// Claim one more link than there is.
	b[lsaHdrLen+3]++
	if _, _, err := DecodeLSA(b); err == nil {
		t.Fatal("decoded a router-LSA with a missing link")
	}
}

func TestNewer(t *testing.T) {
	base := LSAHeader{Seq: 10, Checksum: 100, Age: 50}
	with := func(f func(*LSAHeader)) LSAHeader { h := base; f(&h); return h }
	cases := []struct {
		a    LSAHeader
		want int
	}{
		{with(func(h *LSAHeader) { h.Seq = 11 }), 1},
		{with(func(h *LSAHeader) { h.Seq = -5 }), -1},
		{with(func(h *LSAHeader) { h.Checksum = 101 }), 1},
		{with(func(h *LSAHeader) { h.Age = MaxAge }), 1},
		{with(func(h *LSAHeader) { h.Age = 50 + MaxAgeDiff + 1 }), -1},
		{with(func(h *LSAHeader) { h.Age = 50 + MaxAgeDiff }), 0},
		{base, 0},
	}
	for i, c := range cases {
		if got := Newer(c.a, base); got != c.want {
			t.Errorf("case %d: Newer = %d, want %d", i, got, c.want)
		}
	}
}

func TestMasks(t *testing.T) {
	for bits := 0; bits <= 32; bits++ {
		if n, ok := MaskBits(MaskOf(bits)); !ok || n != bits {
			t.Fatalf("/%d → %s → %d %v", bits, MaskOf(bits), n, ok)
		}
	}
	if _, ok := MaskBits(0xff00ff00); ok {
		t.Fatal("non-contiguous mask accepted")
	}
}

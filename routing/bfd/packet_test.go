package bfd

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
	"time"
)

func samplePackets() []*Packet {
	return []*Packet{
		{Version: 1, State: StateDown, DetectMult: 3, MyDiscr: 1, DesiredMinTx: 1_000_000, RequiredMinRx: 300_000},
		{Version: 1, Diag: DiagControlDetectExpired, State: StateUp, Poll: true, DetectMult: 5, MyDiscr: 0xdeadbeef,
			YourDiscr: 7, DesiredMinTx: 100_000, RequiredMinRx: 100_000, RequiredMinEchoRx: 50_000},
		{Version: 1, Diag: DiagAdminDown, State: StateAdminDown, Final: true, CPI: true, Demand: true, DetectMult: 1,
			MyDiscr: 9, YourDiscr: 10},
		{Version: 1, State: StateInit, DetectMult: 3, MyDiscr: 2, YourDiscr: 3,
			Auth: &Auth{Type: AuthSimple, KeyID: 4, Password: []byte("secret")}},
		{Version: 1, State: StateUp, DetectMult: 3, MyDiscr: 2, YourDiscr: 3,
			Auth: &Auth{Type: AuthKeyedMD5, KeyID: 1, Seq: 42, Digest: bytes.Repeat([]byte{0xaa}, 16)}},
		{Version: 1, State: StateUp, DetectMult: 3, MyDiscr: 2, YourDiscr: 3,
			Auth: &Auth{Type: AuthMeticulousKeyedSHA1, KeyID: 2, Seq: 1 << 31, Digest: bytes.Repeat([]byte{0x55}, 20)}},
	}
}

func TestRoundTrip(t *testing.T) {
	for _, p := range samplePackets() {
		b := p.Marshal()
		if len(b) != p.Len() || int(b[3]) != p.Len() {
			t.Fatalf("%+v: encoded %d bytes, length field %d, Len %d", p, len(b), b[3], p.Len())
		}
		q, err := Decode(b)
		if err != nil {
			t.Fatalf("decode %x: %v", b, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", q, p)
		}
		// Trailing bytes beyond Length are not part of the packet.
		if q2, err := Decode(append(b, 1, 2, 3)); err != nil || !reflect.DeepEqual(q2, p) {
			t.Fatalf("with trailing bytes: %+v %v", q2, err)
		}
	}
}

// TestWireLayout pins the encoding to RFC 5880 §4.1's figure with a
// packet written out by hand.
func TestWireLayout(t *testing.T) {
	p := &Packet{Version: 1, Diag: DiagNeighborDown, State: StateUp, Poll: true, DetectMult: 3,
		MyDiscr: 0x01020304, YourDiscr: 0x05060708, DesiredMinTx: 100_000, RequiredMinRx: 200_000, RequiredMinEchoRx: 0}
	want, _ := hex.DecodeString("23e00318" + "01020304" + "05060708" + "000186a0" + "00030d40" + "00000000")
	if got := p.Marshal(); !bytes.Equal(got, want) {
		t.Fatalf("got  %x\nwant %x", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := samplePackets()[1].Marshal()
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	md5 := samplePackets()[4].Marshal()
	for _, tc := range []struct {
		name string
		b    []byte
		want Reason
	}{
		{"empty", nil, ReasonShort},
		{"23 bytes", good[:23], ReasonShort},
		{"version 0", mod(func(b []byte) []byte { b[0] &= 0x1f; return b }), ReasonVersion},
		{"version 2", mod(func(b []byte) []byte { b[0] = 2<<5 | b[0]&0x1f; return b }), ReasonVersion},
		{"length below 24", mod(func(b []byte) []byte { b[3] = 20; return b }), ReasonLength},
		{"length beyond payload", mod(func(b []byte) []byte { b[3] = 30; return b }), ReasonLength},
		{"length 25 without auth", mod(func(b []byte) []byte { b[3] = 25; return append(b, 0) }), ReasonLength},
		{"A bit, length 24", mod(func(b []byte) []byte { b[1] |= 0x04; return b }), ReasonLength},
		{"A bit, auth len disagrees", mod(func(b []byte) []byte { b[1] |= 0x04; b[3] = 28; return append(b, 1, 5, 1, 'x') }), ReasonAuthMalformed},
		{"simple password empty", mod(func(b []byte) []byte { b[1] |= 0x04; b[3] = 27; return append(b, 1, 3, 1) }), ReasonAuthMalformed},
		{"unknown auth type", mod(func(b []byte) []byte { b[1] |= 0x04; b[3] = 28; return append(b, 9, 4, 1, 'x') }), ReasonAuthType},
		{"md5 auth len 20", func() []byte {
			b := append([]byte(nil), md5[:44]...)
			b[3], b[25] = 44, 20
			return b
		}(), ReasonAuthMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.b)
			var e *Error
			if !errors.As(err, &e) || e.Reason != tc.want {
				t.Fatalf("got %v, want reason %s", err, tc.want)
			}
		})
	}
}

// TestCheck is RFC 5880 §6.8.6's field checks.
func TestCheck(t *testing.T) {
	ok := Packet{Version: 1, State: StateUp, DetectMult: 3, MyDiscr: 1, YourDiscr: 2}
	for _, tc := range []struct {
		name string
		f    func(p *Packet)
		want Reason
	}{
		{"valid", func(p *Packet) {}, ""},
		{"detect mult 0", func(p *Packet) { p.DetectMult = 0 }, ReasonDetectMult},
		{"multipoint", func(p *Packet) { p.Multipoint = true }, ReasonMultipoint},
		{"my discr 0", func(p *Packet) { p.MyDiscr = 0 }, ReasonMyDiscr},
		{"your discr 0 in Up", func(p *Packet) { p.YourDiscr = 0 }, ReasonYourDiscr},
		{"your discr 0 in Init", func(p *Packet) { p.YourDiscr, p.State = 0, StateInit }, ReasonYourDiscr},
		{"your discr 0 in Down", func(p *Packet) { p.YourDiscr, p.State = 0, StateDown }, ""},
		{"your discr 0 in AdminDown", func(p *Packet) { p.YourDiscr, p.State = 0, StateAdminDown }, ""},
		{"poll and final", func(p *Packet) { p.Poll, p.Final = true, true }, ReasonPollFinal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.f(&p)
			err := p.Check()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Reason != tc.want {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	for _, c := range []AuthConfig{
		{Type: AuthSimple, KeyID: 1, Key: "pw"},
		{Type: AuthKeyedMD5, KeyID: 2, Key: "md5key"},
		{Type: AuthMeticulousKeyedMD5, KeyID: 3, Key: "0123456789abcdef"},
		{Type: AuthKeyedSHA1, KeyID: 4, Key: "sha"},
		{Type: AuthMeticulousKeyedSHA1, KeyID: 5, Key: "01234567890123456789"},
	} {
		t.Run(c.Type.String(), func(t *testing.T) {
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			p := &Packet{Version: 1, State: StateUp, DetectMult: 3, MyDiscr: 1, YourDiscr: 2, Auth: newAuth(&c, 77)}
			b := p.Marshal()
			Sign(b, &c)
			q, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(b, q, &c); err != nil {
				t.Fatalf("verify own packet: %v", err)
			}
			wrong := c
			wrong.Key = "other"
			if err := Verify(b, q, &wrong); err == nil {
				t.Fatal("a wrong key verified")
			}
			otherID := c
			otherID.KeyID++
			if err := Verify(b, q, &otherID); err == nil {
				t.Fatal("a wrong key id verified")
			}
			if err := Verify(b, q, nil); err == nil {
				t.Fatal("authenticated packet accepted without auth configured")
			}
			if c.Type != AuthSimple {
				// Any changed bit of the packet breaks the digest.
				b2 := append([]byte(nil), b...)
				b2[2]++
				q2, _ := Decode(b2)
				if err := Verify(b2, q2, &c); err == nil {
					t.Fatal("tampered packet verified")
				}
			}
		})
	}
	plain := &Packet{Version: 1, State: StateUp, DetectMult: 3, MyDiscr: 1, YourDiscr: 2}
	if err := Verify(plain.Marshal(), plain, &AuthConfig{Type: AuthSimple, Key: "x"}); err == nil {
		t.Fatal("unauthenticated packet accepted with auth configured")
	}
	for _, bad := range []AuthConfig{{Type: AuthSimple}, {Type: AuthKeyedMD5, Key: "01234567890123456"}, {Type: 9, Key: "x"}} {
		if bad.Validate() == nil {
			t.Fatalf("%+v validated", bad)
		}
	}
}

func TestSeqWindow(t *testing.T) {
	for _, tc := range []struct {
		typ    AuthType
		last   uint32
		seq    uint32
		accept bool
	}{
		{AuthKeyedMD5, 10, 10, true},  // keyed: may repeat
		{AuthKeyedMD5, 10, 19, true},  // within 3 × 3
		{AuthKeyedMD5, 10, 20, false}, // beyond the window
		{AuthKeyedMD5, 10, 9, false},  // backwards
		{AuthMeticulousKeyedSHA1, 10, 10, false},
		{AuthMeticulousKeyedSHA1, 10, 11, true},
		{AuthMeticulousKeyedSHA1, 10, 19, true},
		{AuthMeticulousKeyedSHA1, 10, 20, false},
		{AuthKeyedSHA1, ^uint32(0), 3, true}, // wraps
	} {
		s := &session{cfg: SessionConfig{Multiplier: 3}, remoteMult: 3, rcvSeq: tc.last, seqKnown: true}
		err := s.checkSeq(&Auth{Type: tc.typ, Seq: tc.seq})
		if (err == nil) != tc.accept {
			t.Errorf("%s last %d seq %d: %v, want accept=%v", tc.typ, tc.last, tc.seq, err, tc.accept)
		}
	}
}

func TestIntervalConversion(t *testing.T) {
	if Micros(100*time.Millisecond) != 100_000 || Interval(100_000) != 100*time.Millisecond {
		t.Fatal("100 ms is not 100000 µs")
	}
	if Micros(-time.Second) != 0 || Micros(100*time.Hour) != ^uint32(0) {
		t.Fatal("Micros does not saturate")
	}
}

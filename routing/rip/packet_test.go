package rip

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

func entry(p string, nh string, metric uint32, tag uint16) Entry {
	pf := netip.MustParsePrefix(p)
	e := Entry{AFI: AFIInet, Tag: tag, Addr: pf.Addr(), Mask: MaskOf(pf.Bits()), NextHop: netip.IPv4Unspecified(), Metric: metric}
	if nh != "" {
		e.NextHop = netip.MustParseAddr(nh)
	}
	return e
}

func TestRoundTrip(t *testing.T) {
	md5 := &Auth{Type: "md5", Key: "secret", KeyID: 7}
	plain := &Auth{Type: "plain", Key: "pw"}
	tests := []struct {
		name string
		p    *Packet
		auth *Auth
	}{
		{"whole-table request", &Packet{Command: Request, Version: 2, Entries: []Entry{{AFI: 0, Addr: netip.IPv4Unspecified(), Mask: netip.IPv4Unspecified(), NextHop: netip.IPv4Unspecified(), Metric: 16}}}, nil},
		{"response", &Packet{Command: Response, Version: 2, Entries: []Entry{entry("10.0.0.0/24", "", 1, 0), entry("192.0.2.1/32", "10.0.0.9", 16, 77)}}, nil},
		{"plain", &Packet{Command: Response, Version: 2, Auth: NewAuthEntry(plain, 0), Entries: []Entry{entry("10.1.0.0/16", "", 3, 0)}}, plain},
		{"md5", &Packet{Command: Response, Version: 2, Auth: NewAuthEntry(md5, 42), Entries: []Entry{entry("10.1.0.0/16", "", 3, 0)}}, md5},
		{"md5 empty", &Packet{Command: Request, Version: 2, Auth: NewAuthEntry(md5, 1)}, md5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Encode(tt.p)
			Sign(b, tt.auth)
			got, err := Decode(b)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if verr := Verify(b, got, tt.auth); verr != nil {
				t.Fatalf("verify: %v", verr)
			}
			if !bytes.Equal(Encode(got), b) {
				t.Fatalf("re-encode differs:\n% x\n% x", Encode(got), b)
			}
			want := *tt.p
			if want.Auth != nil {
				a := *want.Auth
				a.PacketLen, a.Digest = got.Auth.PacketLen, got.Auth.Digest
				want.Auth = &a
			}
			if !reflect.DeepEqual(got, &want) {
				t.Fatalf("got %+v, want %+v", got, &want)
			}
		})
	}
}

func TestMD5WrongKey(t *testing.T) {
	a := &Auth{Type: "md5", Key: "secret", KeyID: 1}
	b := Encode(&Packet{Command: Response, Version: 2, Auth: NewAuthEntry(a, 5), Entries: []Entry{entry("10.0.0.0/8", "", 1, 0)}})
	Sign(b, a)
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		auth *Auth
		want Reason
	}{
		{&Auth{Type: "md5", Key: "other", KeyID: 1}, ReasonAuthFail},
		{&Auth{Type: "md5", Key: "secret", KeyID: 2}, ReasonAuthFail},
		{&Auth{Type: "plain", Key: "secret"}, ReasonAuthType},
		{nil, ReasonAuthType},
	} {
		if e := Verify(b, p, c.auth); e == nil || e.Reason != c.want {
			t.Errorf("verify with %+v: %v, want %s", c.auth, e, c.want)
		}
	}
	b[len(b)-20-1] ^= 1 // flip a metric bit: digest must fail
	p, _ = Decode(b)
	if e := Verify(b, p, a); e == nil || e.Reason != ReasonAuthFail {
		t.Errorf("tampered: %v", e)
	}
}

func TestDecodeErrors(t *testing.T) {
	ok := Encode(&Packet{Command: Response, Version: 2, Entries: []Entry{entry("10.0.0.0/8", "", 1, 0)}})
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), ok...)) }
	tests := []struct {
		name string
		b    []byte
		want Reason
	}{
		{"short", []byte{2, 2}, ReasonShort},
		{"v1", mod(func(b []byte) []byte { b[1] = 1; return b }), ReasonV1},
		{"v3", mod(func(b []byte) []byte { b[1] = 3; return b }), ReasonVersion},
		{"command", mod(func(b []byte) []byte { b[0] = 9; return b }), ReasonCommand},
		{"length", mod(func(b []byte) []byte { return b[:len(b)-1] }), ReasonLength},
		{"auth type", mod(func(b []byte) []byte { b[4], b[5], b[7] = 0xff, 0xff, 9; return b }), ReasonAuthType},
		{"md5 len", mod(func(b []byte) []byte { b[4], b[5], b[7] = 0xff, 0xff, 3; return b }), ReasonAuthMalform},
	}
	for _, tt := range tests {
		_, err := Decode(tt.b)
		var re *Error
		if !errors.As(err, &re) || re.Reason != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
}

func TestEntryCheck(t *testing.T) {
	tests := []struct {
		e    Entry
		want Reason
	}{
		{entry("10.0.0.0/8", "", 1, 0), ""},
		{entry("10.0.0.0/8", "", 16, 0), ""},
		{entry("10.0.0.0/8", "", 0, 0), ReasonMetric},
		{entry("10.0.0.0/8", "", 17, 0), ReasonMetric},
		{Entry{AFI: 7, Addr: netip.IPv4Unspecified(), Mask: netip.IPv4Unspecified(), Metric: 1}, ReasonAFI},
		{Entry{AFI: 2, Addr: netip.IPv4Unspecified(), Mask: netip.MustParseAddr("255.0.255.0"), Metric: 1}, ReasonMask},
	}
	for _, tt := range tests {
		e := tt.e.Check()
		var got Reason
		if e != nil {
			got = e.Reason
		}
		if got != tt.want {
			t.Errorf("%+v: %v, want %q", tt.e, e, tt.want)
		}
	}
	if p, _ := entry("10.1.2.0/23", "", 1, 0).Prefix(); p != netip.MustParsePrefix("10.1.2.0/23") {
		t.Errorf("prefix %s", p)
	}
}

func FuzzDecode(f *testing.F) {
	a := &Auth{Type: "md5", Key: "k", KeyID: 1}
	f.Add(Encode(&Packet{Command: Response, Version: 2, Entries: []Entry{entry("10.0.0.0/8", "", 1, 0)}}))
	md := Encode(&Packet{Command: Response, Version: 2, Auth: NewAuthEntry(a, 3), Entries: []Entry{entry("10.0.0.0/8", "", 1, 0)}})
	Sign(md, a)
	f.Add(md)
	f.Add(Encode(&Packet{Command: Request, Version: 2, Auth: NewAuthEntry(&Auth{Type: "plain", Key: "x"}, 0)}))
	// Old ripd's authentication data length of 20; destinations RFC 2453
	// §3.9.2 rules out.
	old := &Packet{Command: Response, Version: 2, Auth: NewAuthEntry(a, 9), Entries: []Entry{entry("240.0.0.0/4", "", 1, 0)}}
	old.Auth.AuthLen = md5Len + trailerHdr
	md = Encode(old)
	Sign(md, a)
	f.Add(md)
	f.Add(Encode(&Packet{Command: Response, Version: 2, Entries: []Entry{entry("0.0.0.0/0", "", 1, 0), entry("127.0.0.0/8", "", 1, 7)}}))
	// RIP-1: no masks.
	f.Add(Encode(&Packet{Command: Response, Version: 1, Entries: []Entry{{AFI: AFIInet, Addr: netip.MustParseAddr("192.0.2.0"),
		Mask: netip.IPv4Unspecified(), NextHop: netip.IPv4Unspecified(), Metric: 1}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		for _, e := range p.Entries {
			_ = e.Check()
		}
		_ = Verify(b, p, a)
		out := Encode(p)
		if !bytes.Equal(out, b) {
			t.Fatalf("re-encode differs:\n in % x\nout % x", b, out)
		}
		p2, err := Decode(out)
		if err != nil || !reflect.DeepEqual(p, p2) {
			t.Fatalf("second decode: %v %+v %+v", err, p, p2)
		}
	})
}

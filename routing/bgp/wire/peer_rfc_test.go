package wire

import (
	"net/netip"
	"testing"

	"github.com/netemu/netemu/routing/bgp/wire/wiretest"
)

// What peers we have not seen (other implementations, other
// configurations) may legitimately send, checked against the RFCs.

func TestExtendedOpenErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"truncated extended length": wiretest.RawOpen(65002, 90, "10.0.0.2", true, []byte{255, 0}),
		"extended length too long":  wiretest.RawOpen(65002, 90, "10.0.0.2", true, []byte{255, 0, 9, 2, 0, 0}),
		"parameter overruns":        wiretest.RawOpen(65002, 90, "10.0.0.2", true, []byte{255, 0, 3, 2, 0, 9}),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeMessage(b, Options{})
			me, ok := err.(*MessageError)
			if !ok || me.Code != ErrOpen || me.Action != ActionSessionReset {
				t.Fatalf("got %v, want an OPEN message error", err)
			}
		})
	}
}

func TestNotificationText(t *testing.T) {
	msg := "maintenance ✓ now"
	shutdown := append([]byte{byte(len(msg))}, msg...)
	cases := []struct {
		n    Notification
		want string
	}{
		{Notification{Code: 6, Subcode: 2}, "6/2 administrative shutdown"},
		{Notification{Code: 6, Subcode: 2, Data: shutdown}, `6/2 administrative shutdown: "maintenance ✓ now"`},
		{Notification{Code: 6, Subcode: 4, Data: append([]byte{3}, "bye"...)}, `6/4 administrative reset: "bye"`},
		{Notification{Code: 6, Subcode: 2, Data: []byte{9, 'x'}}, "6/2 administrative shutdown: data 0978"},
		{Notification{Code: 6, Subcode: 1, Data: []byte{0, 1, 1, 0, 0, 0x03, 0xe8}}, "6/1 maximum prefixes reached: afi 1 safi 1 limit 1000"},
		{Notification{Code: 6, Subcode: 9}, "6/9 hard reset"},
		{Notification{Code: 6, Subcode: 10}, "6/10 BFD down"},
		{Notification{Code: 2, Subcode: 2, Data: []byte{0xfd, 0xe8}}, "2/2 bad peer AS: data fde8"},
		{Notification{Code: 2, Subcode: 11}, "2/11 role mismatch (RFC 9234)"},
		{Notification{Code: 5, Subcode: 2}, "5/2 unexpected message in OpenConfirm"},
		{Notification{Code: 7, Subcode: 1}, "7/1 invalid message length"},
		{Notification{Code: 8, Subcode: 0}, "8/0 send hold timer expired"},
		{Notification{Code: 3, Subcode: 99}, "3/99 UPDATE message error"},
		{Notification{Code: 1, Subcode: 2, Data: make([]byte, 40)}, "1/2 bad message length: data " +
			"0000000000000000000000000000000000000000000000000000000000000000… (40 octets)"},
	}
	for _, c := range cases {
		if got := c.n.String(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

func TestUnknownAttrFlags(t *testing.T) {
	cases := []struct {
		name  string
		flags uint8
		want  uint8
	}{
		{"optional transitive", 0xc0, 0xc0},
		{"partial kept", 0xe0, 0xe0},
		{"extended length", 0xd0, 0xc0},
		{"unused low bits dropped (RFC 4271 §4.3)", 0xcf, 0xc0},
		{"optional non-transitive", 0x85, 0x80},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			attr := []byte{c.flags, 99, 2, 7, 7}
			if c.flags&FlagExtLen != 0 {
				attr = []byte{c.flags, 99, 0, 2, 7, 7}
			}
			u, err := DecodeUpdate(updateBody(nil, cat(aOrigin, aPath, aNextHop, attr), []netip.Prefix{pfx("10.0.0.0/8")}), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(u.Attrs.Unknown) != 1 || u.Attrs.Unknown[0].Flags != c.want {
				t.Fatalf("unknown %+v, want flags %#x", u.Attrs.Unknown, c.want)
			}
		})
	}
}

// TestAS0InAS4Path: AS 0 (RFC 7607) in an old speaker's AS4_PATH makes
// it malformed, so it is discarded (RFC 6793 §6) and the AS_PATH alone
// stands. (AS 0 in AS_PATH is a TestRFC7606 case.)
func TestAS0InAS4Path(t *testing.T) {
	attrs := cat(aOrigin, []byte{FlagTransitive, AttrASPath, 6, SegSequence, 2, 0xfb, 0xf4, 0x5b, 0xa0},
		[]byte{FlagOptional | FlagTransitive, AttrAS4Path, 6, SegSequence, 1, 0, 0, 0, 0}, aNextHop)
	u, err := DecodeUpdate(updateBody(nil, attrs, []netip.Prefix{pfx("10.0.0.0/8")}), Options{})
	if err != nil || len(u.Discarded) != 1 || u.Attrs.ASPath.String() != "64500 23456" {
		t.Fatalf("got %v, %+v", err, u)
	}
}

func TestWellKnownCommunityNames(t *testing.T) {
	for c, s := range map[uint32]string{
		CommNoExport: "no-export", CommNoPeer: "no-peer", CommGracefulShutdown: "graceful-shutdown", CommBlackhole: "blackhole",
		0xFFFF0001: "65535:1",
	} {
		if got := FormatCommunity(c); got != s {
			t.Errorf("%#x: %q, want %q", c, got, s)
		}
		if back, err := ParseCommunity(s); err != nil || back != c {
			t.Errorf("%q: %#x %v", s, back, err)
		}
	}
}

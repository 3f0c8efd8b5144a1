package wire

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"

	"github.com/netemu/netemu/routing/bgp/wire/wiretest"
)

func seedMessages(f *testing.F) {
	attrs := &PathAttrs{HasOrigin: true, HasASPath: true, NextHop: addr("192.0.2.1"),
		ASPath: ASPath{{Type: SegSequence, ASNs: []uint32{64500, 4200000001}}},
		HasMED: true, MED: 7, Communities: []uint32{1}, LargeComms: []LargeCommunity{{1, 2, 3}},
		Aggregator: &Aggregator{AS: 70000, Addr: addr("1.1.1.1")},
		Unknown:    []RawAttr{{Flags: 0xc0, Type: 77, Data: []byte{1}}},
		MPReach:    &MPReach{AFI: 1, SAFI: 1, NextHop: []byte{1, 2, 3, 4}, NLRI: []netip.Prefix{pfx("10.0.0.0/8")}},
		MPUnreach:  &MPUnreach{AFI: 1, SAFI: 1, Withdrawn: []netip.Prefix{pfx("10.9.0.0/16")}},
	}
	for _, m := range []Message{
		&Keepalive{}, &Notification{Code: 6, Subcode: 2}, &RouteRefresh{AFI: 1, SAFI: 1},
		NewOpen(65001, 90, addr("1.2.3.4")),
		&Update{Withdrawn: []netip.Prefix{pfx("10.0.0.0/8")}, Attrs: attrs, NLRI: []netip.Prefix{pfx("203.0.113.0/24")}},
	} {
		for _, as4 := range []bool{false, true} {
			b, err := EncodeMessage(m, Options{AS4: as4})
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b, as4)
		}
	}
}

// FuzzDecodeMessage: no input panics; whatever decodes re-encodes and
// decodes to the same value.
func FuzzDecodeMessage(f *testing.F) {
	seedMessages(f)
	// OPENs of other implementations: every capability in one
	// parameter (graceful restart, FQDN, ADD-PATH), and RFC 9072's
	// extended optional parameters length.
	f.Add(wiretest.RawOpen(65002, 180, "10.0.0.2", false, wiretest.CapParam(wiretest.CapMPv4, wiretest.CapRR, wiretest.CapAS4, wiretest.CapGR, wiretest.CapFQDN, wiretest.CapAddP, wiretest.CapExtMsg)), false)
	f.Add(wiretest.RawOpen(65002, 90, "10.0.0.2", true, wiretest.ExtParams(cat(wiretest.CapMPv4, wiretest.CapRR, wiretest.CapAS4, wiretest.CapGR))), true)
	f.Add(mustEncode(&Notification{Code: 6, Subcode: 2, Data: append([]byte{3}, "bye"...)}), false)
	f.Fuzz(func(t *testing.T, b []byte, as4 bool) {
		opts := Options{AS4: as4}
		m, err := DecodeMessage(b, opts)
		var me *MessageError
		if err != nil && !errors.As(err, &me) {
			t.Fatalf("decode error is not a MessageError: %v", err)
		}
		if m == nil {
			return
		}
		if err != nil && me.Action != ActionTreatAsWithdraw {
			t.Fatalf("message returned with a %v error", me.Action)
		}
		checkRoundTrip(t, m, opts)
	})
}

// FuzzDecodeUpdate works on UPDATE bodies, where most of the parsing is.
func FuzzDecodeUpdate(f *testing.F) {
	f.Add(updateBody(nil, cat(aOrigin, aPath, aNextHop), []netip.Prefix{pfx("10.0.0.0/8")}), false)
	f.Add(updateBody(nil, cat(aOrigin, aPath, aNextHop, []byte{FlagOptional, AttrOriginatorID, 4, 10, 64, 0, 7},
		[]byte{FlagOptional, AttrClusterList, 8, 10, 64, 0, 1, 10, 64, 0, 2}), []netip.Prefix{pfx("10.0.0.0/8")}), true)
	f.Add(updateBody([]netip.Prefix{pfx("10.0.0.0/8")}, nil, nil), true)
	f.Add(updateBody(nil, cat(aOrigin, aPath, []byte{0xc0, AttrAS4Path, 6, 2, 1, 0, 1, 0x11, 0x70}, aNextHop), nil), false)
	// Partial bits on recognized optional transitive attributes.
	f.Add(updateBody(nil, cat(aOrigin, aPath, aNextHop, []byte{0xe0, AttrCommunities, 4, 0, 1, 0, 2},
		[]byte{0xf0, AttrAggregator, 0, 6, 0, 1, 10, 0, 0, 1}), []netip.Prefix{pfx("10.0.0.0/8")}), false)
	f.Fuzz(func(t *testing.T, b []byte, as4 bool) {
		opts := Options{AS4: as4}
		u, err := DecodeUpdate(b, opts)
		if u == nil {
			return
		}
		if err != nil && u.Attrs != nil {
			t.Fatalf("errored update kept attributes: %v", err)
		}
		checkRoundTrip(t, u, opts)
	})
}

func checkRoundTrip(t *testing.T, m Message, opts Options) {
	if u, ok := m.(*Update); ok {
		u.Discarded = nil
	}
	enc, err := EncodeMessage(m, opts)
	if err != nil {
		// A decoded message can grow by AS4_PATH or extended lengths
		// beyond 4096 octets; that is the encoder refusing, not a bug.
		return
	}
	m2, err := DecodeMessage(enc, opts)
	if err != nil {
		t.Fatalf("re-decode of %#v: %v", m, err)
	}
	if u, ok := m2.(*Update); ok {
		u.Discarded = nil
	}
	if !reflect.DeepEqual(m, m2) {
		t.Fatalf("round trip differs:\n first %#v\nsecond %#v", m, m2)
	}
}

// mustEncode encodes a message known to be valid.
func mustEncode(m Message) []byte {
	b, err := EncodeMessage(m, Options{})
	if err != nil {
		panic(err)
	}
	return b
}

package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"

	"github.com/netemu/netemu/routing/bgp/wire/wiretest"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

func roundTrip(t *testing.T, m Message, opts Options) Message {
	t.Helper()
	b, err := EncodeMessage(m, opts)
	if err != nil {
		t.Fatalf("encode %T: %v", m, err)
	}
	got, err := DecodeMessage(b, opts)
	if err != nil {
		t.Fatalf("decode %T: %v", m, err)
	}
	if u, ok := got.(*Update); ok {
		u.Discarded = nil
	}
	return got
}

func TestRoundTripMessages(t *testing.T) {
	fullAttrs := &PathAttrs{
		HasOrigin: true, Origin: OriginEGP,
		HasASPath: true, ASPath: ASPath{{Type: SegSequence, ASNs: []uint32{64500, 4200000001, 65000}}, {Type: SegSet, ASNs: []uint32{1, 2}}},
		NextHop: addr("192.0.2.1"),
		HasMED:  true, MED: 50,
		HasLocalPref: true, LocalPref: 200,
		AtomicAggregate: true,
		Aggregator:      &Aggregator{AS: 4200000002, Addr: addr("10.0.0.1")},
		Communities:     []uint32{64500<<16 | 1, CommNoExport},
		LargeComms:      []LargeCommunity{{4200000001, 1, 2}},
		OriginatorID:    addr("10.64.0.7"),
		ClusterList:     []netip.Addr{addr("10.64.0.1"), addr("10.64.0.2")},
		Unknown:         []RawAttr{{Flags: FlagOptional | FlagTransitive | FlagPartial, Type: 99, Data: []byte{1, 2, 3}}},
	}
	cases := []struct {
		name string
		m    Message
	}{
		{"keepalive", &Keepalive{}},
		{"notification", &Notification{Code: 2, Subcode: 2, Data: []byte{0xfd, 0xe8}}},
		{"notification-empty", &Notification{Code: 6, Subcode: 2, Data: []byte{}}},
		{"route-refresh", &RouteRefresh{AFI: 1, SAFI: 1}},
		{"open", NewOpen(4200000001, 90, addr("10.0.0.1"))},
		{"open-unknown", &Open{Version: 4, MyAS: 65000, HoldTime: 0, BGPID: addr("1.2.3.4"),
			Capabilities: []Capability{{Code: 200, Value: []byte{9}}}, OtherParams: []OptParam{{Type: 9, Value: []byte{1}}}}},
		{"update-eor", &Update{}},
		{"update-withdraw", &Update{Withdrawn: []netip.Prefix{pfx("10.0.0.0/8"), pfx("0.0.0.0/0"), pfx("192.0.2.128/25")}}},
		{"update-full", &Update{Attrs: fullAttrs, NLRI: []netip.Prefix{pfx("203.0.113.0/24"), pfx("198.51.100.7/32")}}},
		{"update-mp", &Update{Attrs: &PathAttrs{HasOrigin: true, HasASPath: true,
			MPReach:   &MPReach{AFI: 1, SAFI: 1, NextHop: []byte{10, 0, 0, 1}, NLRI: []netip.Prefix{pfx("10.1.0.0/16")}},
			MPUnreach: &MPUnreach{AFI: 1, SAFI: 1, Withdrawn: []netip.Prefix{pfx("10.2.0.0/16")}}}}},
		{"update-mp-other-afi", &Update{Attrs: &PathAttrs{MPUnreach: &MPUnreach{AFI: 2, SAFI: 1, Raw: []byte{64, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0}}}}},
	}
	for _, as4 := range []bool{true, false} {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got := roundTrip(t, c.m, Options{AS4: as4})
				if !reflect.DeepEqual(got, c.m) {
					t.Errorf("as4=%v round trip:\n got %#v\nwant %#v", as4, got, c.m)
				}
			})
		}
	}
}

func TestAS4PathTowardsOldSpeaker(t *testing.T) {
	a := &PathAttrs{HasOrigin: true, HasASPath: true, NextHop: addr("192.0.2.1"),
		ASPath:     ASPath{{Type: SegSequence, ASNs: []uint32{64500, 4200000001}}},
		Aggregator: &Aggregator{AS: 4200000001, Addr: addr("1.1.1.1")}}
	b, err := EncodeMessage(&Update{Attrs: a, NLRI: []netip.Prefix{pfx("10.0.0.0/8")}}, Options{AS4: false})
	if err != nil {
		t.Fatal(err)
	}
	// An old speaker sees AS_TRANS in AS_PATH and AGGREGATOR.
	for _, want := range [][]byte{
		{FlagTransitive, AttrASPath, 6, SegSequence, 2, 0xfb, 0xf4, 0x5b, 0xa0},
		{FlagOptional | FlagTransitive, AttrAggregator, 6, 0x5b, 0xa0, 1, 1, 1, 1},
		{FlagOptional | FlagTransitive, AttrAS4Path, 10, SegSequence, 2, 0, 0, 0xfb, 0xf4, 0xfa, 0x56, 0xea, 0x01},
	} {
		if !bytes.Contains(b, want) {
			t.Errorf("encoded UPDATE lacks % x", want)
		}
	}
	// A speaker decoding it as old rebuilds the 4-octet path.
	m, err := DecodeMessage(b, Options{AS4: false})
	if err != nil {
		t.Fatal(err)
	}
	got := m.(*Update).Attrs
	if !reflect.DeepEqual(got.ASPath, a.ASPath) || *got.Aggregator != *a.Aggregator {
		t.Errorf("merged path %v aggregator %v", got.ASPath, got.Aggregator)
	}
}

// TestAS4AggregatorWithFourOctetPath: a 2-octet aggregator next to a
// 4-octet path goes out as AS_TRANS plus AS4_AGGREGATOR, or the next new
// speaker would ignore AS4_PATH (RFC 6793 §4.2.3) and see only AS_TRANS
// (a FuzzDecodeMessage crasher).
func TestAS4AggregatorWithFourOctetPath(t *testing.T) {
	a := &PathAttrs{HasOrigin: true, HasASPath: true, NextHop: addr("192.0.2.1"),
		ASPath:     ASPath{{Type: SegSequence, ASNs: []uint32{64500, 4200000001}}},
		Aggregator: &Aggregator{AS: 64500, Addr: addr("1.1.1.1")}}
	b, err := EncodeMessage(&Update{Attrs: a, NLRI: []netip.Prefix{pfx("10.0.0.0/8")}}, Options{AS4: false})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range [][]byte{
		{FlagOptional | FlagTransitive, AttrAggregator, 6, 0x5b, 0xa0, 1, 1, 1, 1},
		{FlagOptional | FlagTransitive, AttrAS4Aggregator, 8, 0, 0, 0xfb, 0xf4, 1, 1, 1, 1},
	} {
		if !bytes.Contains(b, want) {
			t.Errorf("encoded UPDATE lacks % x", want)
		}
	}
	m, err := DecodeMessage(b, Options{AS4: false})
	if err != nil {
		t.Fatal(err)
	}
	got := m.(*Update).Attrs
	if !reflect.DeepEqual(got.ASPath, a.ASPath) || *got.Aggregator != *a.Aggregator {
		t.Fatalf("decoded path %v aggregator %+v", got.ASPath, got.Aggregator)
	}
}

func TestMergeAS4(t *testing.T) {
	seq := func(a ...uint32) ASSegment { return ASSegment{Type: SegSequence, ASNs: a} }
	cases := []struct {
		name     string
		as2, as4 ASPath
		agg      uint32
		want     ASPath
	}{
		{"prefix kept", ASPath{seq(1, 2, ASTrans)}, ASPath{seq(2, 70000)}, 0, ASPath{seq(1, 2, 70000)}},
		{"as4 longer ignored", ASPath{seq(ASTrans)}, ASPath{seq(70000, 80000)}, 0, ASPath{seq(ASTrans)}},
		{"old aggregator ignores as4", ASPath{seq(ASTrans)}, ASPath{seq(70000)}, 100, ASPath{seq(ASTrans)}},
		{"set counts one", ASPath{{Type: SegSet, ASNs: []uint32{5, 6}}, seq(ASTrans)}, ASPath{seq(70000)}, 0,
			ASPath{{Type: SegSet, ASNs: []uint32{5, 6}}, seq(70000)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := &PathAttrs{HasASPath: true, ASPath: c.as2}
			if c.agg != 0 {
				a.Aggregator = &Aggregator{AS: c.agg}
			}
			mergeAS4(a, c.as4, true, nil)
			if !reflect.DeepEqual(a.ASPath, c.want) {
				t.Errorf("got %v want %v", a.ASPath, c.want)
			}
		})
	}
}

func TestHeaderErrors(t *testing.T) {
	good, _ := EncodeMessage(&Keepalive{}, Options{})
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte{}, good...)) }
	cases := []struct {
		name     string
		b        []byte
		code, sc uint8
	}{
		{"marker", mut(func(b []byte) []byte { b[3] = 0; return b }), ErrHeader, ErrHdrConnNotSync},
		{"type", mut(func(b []byte) []byte { b[18] = 9; return b }), ErrHeader, ErrHdrBadType},
		{"keepalive long", mut(func(b []byte) []byte { b[17] = 20; return append(b, 0) }), ErrHeader, ErrHdrBadLength},
		{"short length", mut(func(b []byte) []byte { b[17] = 18; return b }), ErrHeader, ErrHdrBadLength},
		{"open short", mut(func(b []byte) []byte { b[18] = 1; return b }), ErrHeader, ErrHdrBadLength},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadMessage(bytes.NewReader(c.b), Options{})
			var me *MessageError
			if !errors.As(err, &me) || me.Code != c.code || me.Subcode != c.sc || me.Action != ActionSessionReset {
				t.Fatalf("got %v, want %d/%d", err, c.code, c.sc)
			}
		})
	}
}

// Hand-laid wire bytes, shared with the speaker's tests.
var (
	updateBody = wiretest.UpdateBody
	cat        = wiretest.Cat
	aOrigin    = wiretest.Origin
	aPath      = wiretest.ASPath
	aNextHop   = wiretest.NextHop
)

// TestRFC7606 checks each class of malformed UPDATE gets the action RFC 7606
// gives it and, for treat-as-withdraw, that every prefix comes back as a
// withdrawal and no attributes survive.
func TestRFC7606(t *testing.T) {
	nlri := []netip.Prefix{pfx("203.0.113.0/24")}
	cases := []struct {
		name   string
		body   []byte
		action Action // 0: no error
		sub    uint8
	}{
		{"valid", updateBody(nil, cat(aOrigin, aPath, aNextHop), nlri), 0, 0},
		{"attr length overrun", updateBody(nil, cat(aOrigin, aPath, []byte{FlagTransitive, AttrNextHop, 9, 1, 2, 3, 4}), nlri), ActionTreatAsWithdraw, ErrUpdAttrLength},
		{"attr header truncated", updateBody(nil, cat(aOrigin, aPath, aNextHop, []byte{0x40, 1}), nlri), ActionTreatAsWithdraw, ErrUpdAttrLength},
		{"origin length", updateBody(nil, cat([]byte{FlagTransitive, AttrOrigin, 2, 0, 0}, aPath, aNextHop), nlri), ActionTreatAsWithdraw, ErrUpdAttrLength},
		{"origin value", updateBody(nil, cat([]byte{FlagTransitive, AttrOrigin, 1, 5}, aPath, aNextHop), nlri), ActionTreatAsWithdraw, ErrUpdInvalidOrigin},
		{"missing origin", updateBody(nil, cat(aPath, aNextHop), nlri), ActionTreatAsWithdraw, ErrUpdMissingWKAttr},
		{"missing as_path", updateBody(nil, cat(aOrigin, aNextHop), nlri), ActionTreatAsWithdraw, ErrUpdMissingWKAttr},
		{"missing next_hop", updateBody(nil, cat(aOrigin, aPath), nlri), ActionTreatAsWithdraw, ErrUpdMissingWKAttr},
		{"no attributes", updateBody(nil, nil, nlri), ActionTreatAsWithdraw, ErrUpdMissingWKAttr},
		{"next_hop length", updateBody(nil, cat(aOrigin, aPath, []byte{FlagTransitive, AttrNextHop, 3, 1, 2, 3}), nlri), ActionTreatAsWithdraw, ErrUpdAttrLength},
		{"next_hop zero", updateBody(nil, cat(aOrigin, aPath, []byte{FlagTransitive, AttrNextHop, 4, 0, 0, 0, 0}), nlri), ActionTreatAsWithdraw, ErrUpdInvalidNextHop},
		{"next_hop multicast", updateBody(nil, cat(aOrigin, aPath, []byte{FlagTransitive, AttrNextHop, 4, 224, 0, 0, 5}), nlri), ActionTreatAsWithdraw, ErrUpdInvalidNextHop},
		{"as_path overrun", updateBody(nil, cat(aOrigin, []byte{FlagTransitive, AttrASPath, 4, SegSequence, 2, 0, 1}, aNextHop), nlri), ActionTreatAsWithdraw, ErrUpdMalformedASPath},
		{"as_path bad segment", updateBody(nil, cat(aOrigin, []byte{FlagTransitive, AttrASPath, 4, 7, 1, 0, 1}, aNextHop), nlri), ActionTreatAsWithdraw, ErrUpdMalformedASPath},
		{"as_path empty segment", updateBody(nil, cat(aOrigin, []byte{FlagTransitive, AttrASPath, 2, SegSequence, 0}, aNextHop), nlri), ActionTreatAsWithdraw, ErrUpdMalformedASPath},
		{"as_path with AS 0 (RFC 7607)", updateBody(nil, cat(aOrigin, []byte{FlagTransitive, AttrASPath, 6, SegSequence, 2, 0xfb, 0xf4, 0, 0}, aNextHop), nlri), ActionTreatAsWithdraw, ErrUpdMalformedASPath},
		{"as_path AS_SET with AS 0", updateBody(nil, cat(aOrigin, []byte{FlagTransitive, AttrASPath, 8, SegSequence, 1, 0xfb, 0xf4, SegSet, 1, 0, 0}, aNextHop), nlri), ActionTreatAsWithdraw, ErrUpdMalformedASPath},
		{"duplicate origin discarded", updateBody(nil, cat(aOrigin, aOrigin, aPath, aNextHop), nlri), 0, 0},
		{"duplicate mp_reach", updateBody(nil, cat(aOrigin, aPath, []byte{FlagOptional, AttrMPUnreach, 3, 0, 1, 1}, []byte{FlagOptional, AttrMPUnreach, 3, 0, 1, 1}), nil), ActionSessionReset, ErrUpdMalformedAttrList},
		{"med length", updateBody(nil, cat(aOrigin, aPath, aNextHop, []byte{FlagOptional, AttrMED, 2, 0, 0}), nlri), ActionTreatAsWithdraw, ErrUpdAttrLength},
		{"local_pref length", updateBody(nil, cat(aOrigin, aPath, aNextHop, []byte{FlagTransitive, AttrLocalPref, 1, 0}), nlri), ActionTreatAsWithdraw, ErrUpdAttrLength},
		{"communities length", updateBody(nil, cat(aOrigin, aPath, aNextHop, []byte{FlagOptional | FlagTransitive, AttrCommunities, 3, 0, 0, 0}), nlri), ActionTreatAsWithdraw, ErrUpdOptionalAttr},
		{"large communities length", updateBody(nil, cat(aOrigin, aPath, aNextHop, []byte{FlagOptional | FlagTransitive, AttrLargeCommunity, 4, 0, 0, 0, 1}), nlri), ActionTreatAsWithdraw, ErrUpdOptionalAttr},
		{"originator_id length", updateBody(nil, cat(aOrigin, aPath, aNextHop, []byte{FlagOptional, AttrOriginatorID, 3, 10, 0, 0}), nlri), ActionTreatAsWithdraw, ErrUpdAttrLength},
		{"cluster_list length", updateBody(nil, cat(aOrigin, aPath, aNextHop, []byte{FlagOptional, AttrClusterList, 5, 10, 0, 0, 1, 2}), nlri), ActionTreatAsWithdraw, ErrUpdAttrLength},
		{"cluster_list empty", updateBody(nil, cat(aOrigin, aPath, aNextHop, []byte{FlagOptional, AttrClusterList, 0}), nlri), ActionTreatAsWithdraw, ErrUpdAttrLength},
		{"originator_id transitive flags", updateBody(nil, cat(aOrigin, aPath, aNextHop, []byte{FlagOptional | FlagTransitive, AttrOriginatorID, 4, 10, 0, 0, 1}), nlri), ActionTreatAsWithdraw, ErrUpdAttrFlags},
		{"origin flags", updateBody(nil, cat([]byte{FlagOptional, AttrOrigin, 1, 0}, aPath, aNextHop), nlri), ActionTreatAsWithdraw, ErrUpdAttrFlags},
		{"atomic aggregate length discarded", updateBody(nil, cat(aOrigin, aPath, aNextHop, []byte{FlagTransitive, AttrAtomicAggregate, 1, 0}), nlri), 0, 0},
		{"aggregator length discarded", updateBody(nil, cat(aOrigin, aPath, aNextHop, []byte{FlagOptional | FlagTransitive, AttrAggregator, 3, 0, 0, 0}), nlri), 0, 0},
		{"unrecognized well-known", updateBody(nil, cat(aOrigin, aPath, aNextHop, []byte{FlagTransitive, 99, 0}), nlri), ActionSessionReset, ErrUpdUnrecognizedWKAttr},
		{"withdrawn overrun", []byte{0, 200, 0, 0}, ActionSessionReset, ErrUpdMalformedAttrList},
		{"attr total overrun", []byte{0, 0, 0, 200}, ActionSessionReset, ErrUpdMalformedAttrList},
		{"bad nlri", cat(updateBody(nil, cat(aOrigin, aPath, aNextHop), nil), []byte{33, 1, 2, 3, 4, 5}), ActionSessionReset, ErrUpdInvalidNetworkField},
		{"mp_reach malformed", updateBody(nil, cat(aOrigin, aPath, []byte{FlagOptional, AttrMPReach, 2, 0, 1}), nil), ActionSessionReset, ErrUpdOptionalAttr},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, err := DecodeUpdate(c.body, Options{AS4: false})
			if c.action == 0 {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if u.Attrs == nil || len(u.NLRI) != 1 {
					t.Fatalf("valid update lost its route: %+v", u)
				}
				return
			}
			var me *MessageError
			if !errors.As(err, &me) {
				t.Fatalf("got %v, want a MessageError", err)
			}
			if me.Action != c.action || me.Code != ErrUpdate || me.Subcode != c.sub {
				t.Fatalf("got %v (action %v), want 3/%d %v", me, me.Action, c.sub, c.action)
			}
			switch c.action {
			case ActionTreatAsWithdraw:
				if u == nil || u.Attrs != nil || len(u.NLRI) != 0 || !reflect.DeepEqual(u.Withdrawn, nlri) {
					t.Fatalf("treat-as-withdraw update %+v; want only withdrawals of %v", u, nlri)
				}
			case ActionSessionReset:
				if u != nil {
					t.Fatalf("session reset returned an update %+v", u)
				}
			}
		})
	}
}

func TestSplitUpdate(t *testing.T) {
	var nlri []netip.Prefix
	for i := range 3000 {
		nlri = append(nlri, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24))
	}
	attrs := &PathAttrs{HasOrigin: true, HasASPath: true, NextHop: addr("192.0.2.1")}
	msgs, err := SplitUpdate(nlri[:10], attrs, nlri, Options{AS4: true})
	if err != nil {
		t.Fatal(err)
	}
	var got, gotW []netip.Prefix
	for _, m := range msgs {
		d, err := DecodeMessage(m, Options{AS4: true})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.(*Update).NLRI...)
		gotW = append(gotW, d.(*Update).Withdrawn...)
	}
	if len(msgs) < 3 || !reflect.DeepEqual(got, nlri) || !reflect.DeepEqual(gotW, nlri[:10]) {
		t.Fatalf("%d messages carry %d prefixes, %d withdrawals", len(msgs), len(got), len(gotW))
	}
}

func TestCommunityText(t *testing.T) {
	for _, s := range []string{"64500:1", "0:0", "65535:65535", "no-export", "no-advertise", "no-export-subconfed"} {
		c, err := ParseCommunity(s)
		if err != nil || FormatCommunity(c) != s {
			t.Errorf("%q: %v %q", s, err, FormatCommunity(c))
		}
	}
	for _, s := range []string{"1", "70000:1", "a:b", "1:2:3"} {
		if _, err := ParseCommunity(s); err == nil {
			t.Errorf("%q parsed", s)
		}
	}
}

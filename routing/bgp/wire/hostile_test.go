package wire

import (
	"net/netip"
	"testing"

	"github.com/netemu/netemu/routing/bgp/wire/wiretest"
)

// Issue 16 cases 4–6 at the codec: what a hostile external peer sends.
func TestHostileAttributes(t *testing.T) {
	origin := []byte{FlagTransitive, AttrOrigin, 1, 0}
	nh := []byte{FlagTransitive, AttrNextHop, 4, 10, 0, 0, 1}
	path := func(seg byte) []byte {
		return []byte{FlagTransitive, AttrASPath, 6, seg, 1, 0, 0, 0xfd, 0xe9}
	}
	nlri := []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}
	cases := []struct {
		name      string
		attrs     []byte
		opts      Options
		withdraw  bool // treat-as-withdraw
		discarded bool
		check     func(t *testing.T, a *PathAttrs)
	}{
		{name: "confed sequence from eBGP", attrs: wiretest.Cat(origin, path(SegConfedSeq), nh),
			opts: Options{AS4: true, EBGP: true}, withdraw: true},
		{name: "confed set from eBGP", attrs: wiretest.Cat(origin, path(SegConfedSet), nh),
			opts: Options{AS4: true, EBGP: true}, withdraw: true},
		{name: "confed sequence from iBGP kept", attrs: wiretest.Cat(origin, path(SegConfedSeq), nh),
			opts: Options{AS4: true}},
		{name: "LOCAL_PREF of 3 octets from eBGP", attrs: wiretest.Cat(origin, path(SegSequence), nh,
			[]byte{FlagTransitive, AttrLocalPref, 3, 0, 0, 9}), opts: Options{AS4: true, EBGP: true}, discarded: true,
			check: func(t *testing.T, a *PathAttrs) {
				if a.HasLocalPref {
					t.Error("LOCAL_PREF kept")
				}
			}},
		{name: "good LOCAL_PREF from eBGP discarded too", attrs: wiretest.Cat(origin, path(SegSequence), nh,
			[]byte{FlagTransitive, AttrLocalPref, 4, 0, 0, 0, 9}), opts: Options{AS4: true, EBGP: true}, discarded: true},
		{name: "LOCAL_PREF of 3 octets from iBGP", attrs: wiretest.Cat(origin, path(SegSequence), nh,
			[]byte{FlagTransitive, AttrLocalPref, 3, 0, 0, 9}), opts: Options{AS4: true}, withdraw: true},
		{name: "AGGREGATOR AS 0", attrs: wiretest.Cat(origin, path(SegSequence), nh,
			[]byte{FlagOptional | FlagTransitive, AttrAggregator, 8, 0, 0, 0, 0, 10, 0, 0, 1}), opts: Options{AS4: true, EBGP: true},
			discarded: true, check: func(t *testing.T, a *PathAttrs) {
				if a.Aggregator != nil {
					t.Error("AGGREGATOR kept")
				}
			}},
		{name: "2-octet AGGREGATOR AS 0", attrs: wiretest.Cat(origin, []byte{FlagTransitive, AttrASPath, 4, SegSequence, 1, 0xfd, 0xe9}, nh,
			[]byte{FlagOptional | FlagTransitive, AttrAggregator, 6, 0, 0, 10, 0, 0, 1}), opts: Options{EBGP: true},
			discarded: true, check: func(t *testing.T, a *PathAttrs) {
				if a.Aggregator != nil {
					t.Error("AGGREGATOR kept")
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, err := DecodeUpdate(wiretest.UpdateBody(nil, c.attrs, nlri), c.opts)
			me, _ := err.(*MessageError)
			switch {
			case c.withdraw && (me == nil || me.Action != ActionTreatAsWithdraw):
				t.Fatalf("got %v, want treat-as-withdraw", err)
			case !c.withdraw && err != nil:
				t.Fatalf("got %v, want accepted", err)
			}
			if c.withdraw {
				return
			}
			if c.discarded != (len(u.Discarded) > 0) {
				t.Fatalf("discarded %v, want discard %v", u.Discarded, c.discarded)
			}
			if c.check != nil {
				c.check(t, u.Attrs)
			}
		})
	}
}

func TestAttrsFit(t *testing.T) {
	if !AttrsFit(MaxMsgLen - HeaderLen - 4 - 5) {
		t.Error("largest attributes with room for a /32 do not fit")
	}
	if AttrsFit(MaxMsgLen - HeaderLen - 4 - 4) {
		t.Error("attributes with no room for a prefix fit")
	}
}

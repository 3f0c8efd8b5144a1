package bgp

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// What peers we have not seen (other implementations, other
// configurations) may legitimately send, checked against the RFCs.

// rawOpen lays out an OPEN message by hand: params are the optional
// parameters exactly as on the wire; the 1-octet length field is theirs,
// or 255 for RFC 9072's extended format.
func rawOpen(myAS, hold uint16, id string, ext bool, params []byte) []byte {
	plen := byte(len(params))
	if ext {
		plen = 255
	}
	b := make([]byte, HeaderLen, 64)
	for i := range markerLen {
		b[i] = 0xff
	}
	b[18] = byte(MsgOpen)
	b = append(b, 4)
	b = binary.BigEndian.AppendUint16(b, myAS)
	b = binary.BigEndian.AppendUint16(b, hold)
	a := addr(id).As4()
	b = append(b, a[:]...)
	b = append(b, plen)
	b = append(b, params...)
	binary.BigEndian.PutUint16(b[16:18], uint16(len(b)))
	return b
}

// capParam is one capabilities parameter in the classic format.
func capParam(caps ...[]byte) []byte {
	v := cat(caps...)
	return append([]byte{optParamCapabilities, byte(len(v))}, v...)
}

// extParams is RFC 9072's extended format: marker type 255, a 2-octet
// total length, and parameters with 2-octet lengths.
func extParams(params ...[]byte) []byte {
	var v []byte
	for _, p := range params {
		v = append(v, optParamCapabilities)
		v = binary.BigEndian.AppendUint16(v, uint16(len(p)))
		v = append(v, p...)
	}
	return append(binary.BigEndian.AppendUint16([]byte{optParamExtended}, uint16(len(v))), v...)
}

var (
	capMPv4   = []byte{CapMultiprotocol, 4, 0, 1, 0, 1}
	capMPv6   = []byte{CapMultiprotocol, 4, 0, 2, 0, 1}
	capRR     = []byte{CapRouteRefresh, 0}
	capAS4    = []byte{CapFourOctetAS, 4, 0, 0, 0xfd, 0xea}  // 65002
	capGR     = []byte{64, 6, 0x80, 0x78, 0, 1, 1, 0x80}     // restart time 120, IPv4 unicast, F bit
	capFQDN   = []byte{73, 7, 2, 'r', '1', 3, 'l', 'a', 'b'} // FRR's hostname capability
	capAddP   = []byte{69, 4, 0, 1, 1, 1}                    // ADD-PATH receive
	capExtMsg = []byte{6, 0}                                 // RFC 8654, not announced by us
)

func TestOpenFromOtherPeers(t *testing.T) {
	cfg := testPeer(65001, 65002, "10.0.0.1", "10.0.0.2")
	cases := []struct {
		name   string
		b      []byte
		ok     bool // CheckOpen accepts it
		ipv4   bool // IPv4 unicast negotiated
		hold   uint16
		nCaps  int
		reason string
	}{
		{name: "classic one cap per param", b: rawOpen(65002, 90, "10.0.0.2", false,
			cat(capParam(capMPv4), capParam(capRR), capParam(capAS4))), ok: true, ipv4: true, hold: 90, nCaps: 3},
		{name: "all caps in one param, GR and FQDN and ADD-PATH", b: rawOpen(65002, 180, "10.0.0.2", false,
			capParam(capMPv4, capRR, capAS4, capGR, capFQDN, capAddP, capExtMsg)), ok: true, ipv4: true, hold: 180, nCaps: 7},
		{name: "RFC 9072 extended parameters length", b: rawOpen(65002, 90, "10.0.0.2", true,
			extParams(cat(capMPv4, capRR, capAS4, capGR))), ok: true, ipv4: true, hold: 90, nCaps: 4},
		{name: "hold time 0", b: rawOpen(65002, 0, "10.0.0.2", false, capParam(capAS4)), ok: true, ipv4: true, hold: 0, nCaps: 1},
		{name: "no capabilities at all", b: rawOpen(65002, 90, "10.0.0.2", false, nil), ok: true, ipv4: true, hold: 90},
		{name: "IPv6 unicast only", b: rawOpen(65002, 90, "10.0.0.2", false, capParam(capMPv6, capAS4)), ok: true, ipv4: false, hold: 90, nCaps: 2},
		{name: "router id 255.255.255.255 (RFC 6286)", b: rawOpen(65002, 90, "255.255.255.255", false, capParam(capAS4)), ok: true, ipv4: true, hold: 90, nCaps: 1},
		{name: "hold time 1", b: rawOpen(65002, 1, "10.0.0.2", false, nil), reason: "unacceptable hold time"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := DecodeMessage(c.b, Options{})
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			o := m.(*Open)
			if len(o.Capabilities) != c.nCaps || o.HoldTime != c.hold && c.ok {
				t.Fatalf("%d capabilities, hold %d; want %d, %d", len(o.Capabilities), o.HoldTime, c.nCaps, c.hold)
			}
			me := CheckOpen(&cfg, o)
			if c.ok != (me == nil) {
				t.Fatalf("CheckOpen: %v, want ok=%v", me, c.ok)
			}
			if me != nil && codeName(me.Code, me.Subcode) != c.reason {
				t.Fatalf("refused with %v, want %q", me, c.reason)
			}
			if c.ok && o.IPv4Unicast() != c.ipv4 {
				t.Fatalf("IPv4 unicast negotiated = %v, want %v", o.IPv4Unicast(), c.ipv4)
			}
		})
	}
}

func TestExtendedOpenErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"truncated extended length": rawOpen(65002, 90, "10.0.0.2", true, []byte{255, 0}),
		"extended length too long":  rawOpen(65002, 90, "10.0.0.2", true, []byte{255, 0, 9, 2, 0, 0}),
		"parameter overruns":        rawOpen(65002, 90, "10.0.0.2", true, []byte{255, 0, 3, 2, 0, 9}),
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

func TestBGPIdentifierRFC6286(t *testing.T) {
	ebgp := testPeer(65001, 65002, "10.0.0.1", "10.0.0.2")
	ibgp := testPeer(65001, 65001, "10.0.0.1", "10.0.0.2")
	cases := []struct {
		name string
		cfg  PeerConfig
		id   string
		ok   bool
	}{
		{"multicast-looking id", ebgp, "224.0.0.1", true},
		{"all ones", ebgp, "255.255.255.255", true},
		{"class E", ebgp, "240.0.0.1", true},
		{"eBGP peer with our id", ebgp, "10.0.0.1", true},
		{"iBGP peer with our id", ibgp, "10.0.0.1", false},
		{"zero", ebgp, "0.0.0.0", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := NewOpen(c.cfg.PeerAS, 90, addr(c.id))
			me := CheckOpen(&c.cfg, o)
			if c.ok != (me == nil) {
				t.Fatalf("CheckOpen: %v, want ok=%v", me, c.ok)
			}
			if me != nil && me.Subcode != ErrOpenBadBGPID {
				t.Fatalf("subcode %d, want bad BGP identifier", me.Subcode)
			}
		})
	}
}

func TestCollisionRule(t *testing.T) {
	cases := []struct {
		name               string
		local, remote      string
		localAS, remoteAS  uint32
		wantRemoteConnKept bool
	}{
		{"higher remote id", "10.0.0.1", "10.0.0.2", 65001, 65002, true},
		{"lower remote id", "10.0.0.2", "10.0.0.1", 65001, 65002, false},
		{"lower remote id, larger AS irrelevant", "10.0.0.2", "10.0.0.1", 65001, 4200000000, false},
		{"equal ids, remote AS larger (RFC 6286 §2.3)", "10.0.0.1", "10.0.0.1", 65001, 65002, true},
		{"equal ids, local AS larger", "10.0.0.1", "10.0.0.1", 4200000000, 65002, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := collisionRemoteWins(addr(c.local), addr(c.remote), c.localAS, c.remoteAS); got != c.wantRemoteConnKept {
				t.Fatalf("remote wins = %v", got)
			}
		})
	}
}

// TestRouteRefreshSubtypes: BoRR, EoRR (RFC 7313) and unknown subtypes,
// and families we did not negotiate, are ignored without harm to the
// session; only a plain IPv4 unicast request asks for our routes.
func TestRouteRefreshSubtypes(t *testing.T) {
	ha, hb := chanHooks{make(chan hookEvent, 16)}, chanHooks{make(chan hookEvent, 16)}
	var a, b *Session
	da, db := pipePair(&a, &b)
	a = newSession(testPeer(65001, 65002, "10.0.0.1", "10.0.0.2"), ha, da, hclog.NewNullLogger())
	b = newSession(testPeer(65002, 65001, "10.0.0.2", "10.0.0.1"), hb, db, hclog.NewNullLogger())
	runSessions(t, a, b)
	waitHook(t, ha.ch, "up")
	waitHook(t, hb.ch, "up")
	for _, rr := range []*RouteRefresh{
		{AFI: 1, SAFI: 1, Reserved: 1}, {AFI: 1, SAFI: 1, Reserved: 2}, {AFI: 1, SAFI: 1, Reserved: 9},
		{AFI: 2, SAFI: 1}, {AFI: 1, SAFI: 128},
	} {
		m, _ := EncodeMessage(rr, b.Options())
		if err := b.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	// Messages arrive in order: the End-of-RIB after them proves they
	// were all read.
	eor, _ := EncodeMessage(&Update{}, b.Options())
	b.Send(eor)
	deadline := time.After(5 * time.Second)
	for done := false; !done; {
		select {
		case e := <-ha.ch:
			switch e.kind {
			case "update":
				if !e.u.IsEndOfRIB() {
					t.Fatalf("unexpected update %+v", e.u)
				}
				done = true
			case "refresh", "down":
				t.Fatalf("%s event from an ignorable ROUTE-REFRESH (%s)", e.kind, e.reason)
			}
		case <-deadline:
			t.Fatal("End-of-RIB not seen")
		}
	}
	m, _ := EncodeMessage(&RouteRefresh{AFI: 1, SAFI: 1}, b.Options())
	b.Send(m)
	waitHook(t, ha.ch, "refresh")
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

// capture gives a daemon's peer a connection whose messages the test
// reads back after a flush.
func capture(t *testing.T, p *peerState) func() []Message {
	x, y := bufPipe()
	p.sess.wmu.Lock()
	p.sess.wconn = x
	p.sess.wmu.Unlock()
	return func() []Message {
		x.Close()
		var out []Message
		for {
			m, err := ReadMessage(y, Options{AS4: false})
			if err != nil {
				return out
			}
			out = append(out, m)
		}
	}
}

func TestPeerFamilies(t *testing.T) {
	cases := []struct {
		name  string
		caps  []Capability
		wantN int // UPDATEs with IPv4 NLRI, End-of-RIB included
	}{
		{"IPv4 unicast announced", []Capability{{Code: CapMultiprotocol, Value: []byte{0, 1, 0, 1}}}, 2},
		{"no multiprotocol capability (pre-RFC 4760 speaker)", nil, 2},
		{"IPv4 and IPv6", []Capability{{Code: CapMultiprotocol, Value: []byte{0, 2, 0, 1}}, {Code: CapMultiprotocol, Value: []byte{0, 1, 0, 1}}}, 2},
		{"IPv6 unicast only", []Capability{{Code: CapMultiprotocol, Value: []byte{0, 2, 0, 1}}}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pc := PeerConfig{Name: "p", LocalAS: 65001, PeerAS: 65002, LocalAddr: addr("10.0.0.1"), PeerAddr: addr("10.0.0.2")}
			d, err := newDaemon(Config{Node: "x", ASN: 65001, RouterID: addr("10.0.0.1"), Peers: []PeerConfig{pc},
				Originate: []netip.Prefix{pfx("10.99.0.0/16")}}, hclog.NewNullLogger(), newFakeFIB(), nil, nil, onLink{})
			if err != nil {
				t.Fatal(err)
			}
			p := d.peers[0]
			read := capture(t, p)
			d.established(p.sess, &Open{Version: 4, MyAS: 65002, BGPID: addr("10.0.0.2"), Capabilities: c.caps})
			d.markAll()
			d.flush()
			msgs := read()
			if len(msgs) != c.wantN {
				t.Fatalf("%d messages, want %d: %+v", len(msgs), c.wantN, msgs)
			}
			if c.wantN > 0 && !slices.Equal(msgs[0].(*Update).NLRI, []netip.Prefix{pfx("10.99.0.0/16")}) {
				t.Fatalf("first UPDATE %+v", msgs[0])
			}
		})
	}
}

// TestMPReachIPv4: IPv4 unicast inside MP_REACH_NLRI (RFC 4760) is
// accepted with its own next hop, next to NLRI-field prefixes that use
// NEXT_HOP; an impossible MP next hop leaves its prefixes out.
func TestMPReachIPv4(t *testing.T) {
	mpReach := func(nh [4]byte, p netip.Prefix) []byte {
		v := []byte{0, 1, 1, 4, nh[0], nh[1], nh[2], nh[3], 0}
		v = appendPrefixes(v, []netip.Prefix{p})
		return append([]byte{FlagOptional, AttrMPReach, byte(len(v))}, v...)
	}
	path := []byte{FlagTransitive, AttrASPath, 4, SegSequence, 1, 0xfd, 0xea}
	nh2 := []byte{FlagTransitive, AttrNextHop, 4, 10, 0, 0, 2}
	cases := []struct {
		name string
		body []byte
		want map[netip.Prefix]netip.Addr // prefix → gateway; missing: not installed
	}{
		{"MP only", updateBody(nil, cat(aOrigin, path, mpReach([4]byte{10, 0, 0, 3}, pfx("10.50.0.0/16"))), nil),
			map[netip.Prefix]netip.Addr{pfx("10.50.0.0/16"): addr("10.0.0.3")}},
		{"NLRI field and MP", updateBody(nil, cat(aOrigin, path, nh2, mpReach([4]byte{10, 0, 0, 3}, pfx("10.50.0.0/16"))), []netip.Prefix{pfx("10.60.0.0/16")}),
			map[netip.Prefix]netip.Addr{pfx("10.50.0.0/16"): addr("10.0.0.3"), pfx("10.60.0.0/16"): addr("10.0.0.2")}},
		{"MP next hop 0.0.0.0", updateBody(nil, cat(aOrigin, path, nh2, mpReach([4]byte{}, pfx("10.50.0.0/16"))), []netip.Prefix{pfx("10.60.0.0/16")}),
			map[netip.Prefix]netip.Addr{pfx("10.60.0.0/16"): addr("10.0.0.2")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeFIB()
			pc := PeerConfig{Name: "p", LocalAS: 65001, PeerAS: 65002, LocalAddr: addr("10.0.0.1"), PeerAddr: addr("10.0.0.2")}
			d, err := newDaemon(Config{Node: "x", ASN: 65001, RouterID: addr("10.0.0.1"), Peers: []PeerConfig{pc}},
				hclog.NewNullLogger(), f, nil, nil, onLink{})
			if err != nil {
				t.Fatal(err)
			}
			p := d.peers[0]
			d.established(p.sess, &Open{BGPID: addr("10.0.0.2")})
			u, err := DecodeUpdate(c.body, Options{})
			if err != nil {
				t.Fatal(err)
			}
			d.mu.Lock()
			d.applyUpdate(p, u)
			d.mu.Unlock()
			d.flush()
			for _, q := range []netip.Prefix{pfx("10.50.0.0/16"), pfx("10.60.0.0/16")} {
				r, ok := f.get(q)
				want, wantOK := c.want[q]
				if ok != wantOK || ok && r.Gateway != want {
					t.Errorf("%v: installed=%v via %v, want installed=%v via %v", q, ok, r.Gateway, wantOK, want)
				}
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

// TestGracefulShutdownCommunity: a path a peer marks GRACEFUL_SHUTDOWN
// (RFC 8326, FRR's "bgp graceful-shutdown") gets LOCAL_PREF 0 on eBGP
// import, whatever the relationship would give it; policy still has the
// last word.
func TestGracefulShutdownCommunity(t *testing.T) {
	l := Local{ASN: 64500, RouterID: addr("1.1.1.1")}
	one := func(v uint32) *uint32 { return &v }
	pols, err := NewPolicies([]*Policy{{Name: "keep", Default: "accept", Terms: []PolicyTerm{
		{Name: "gshut", Community: "graceful-shutdown", SetLocalPref: one(50)}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		cfg   PeerConfig
		comms []uint32
		want  uint32
	}{
		{"eBGP customer, no community", PeerConfig{LocalAS: 64500, PeerAS: 64510, Relationship: RelCustomer}, nil, lpCustomer},
		{"eBGP customer, graceful shutdown", PeerConfig{LocalAS: 64500, PeerAS: 64510, Relationship: RelCustomer}, []uint32{CommGracefulShutdown}, 0},
		{"eBGP, graceful shutdown among others", PeerConfig{LocalAS: 64500, PeerAS: 64510}, []uint32{64510<<16 | 1, CommGracefulShutdown}, 0},
		{"iBGP, graceful shutdown: LOCAL_PREF as received", PeerConfig{LocalAS: 64500, PeerAS: 64500}, []uint32{CommGracefulShutdown}, DefaultLocalPref},
		{"import policy overrides", PeerConfig{LocalAS: 64500, PeerAS: 64510, Import: "keep"}, []uint32{CommGracefulShutdown}, 50},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := ASPath{{Type: SegSequence, ASNs: []uint32{c.cfg.PeerAS}}}
			if c.cfg.IBGP() {
				path = nil
			}
			raw := &PathAttrs{HasOrigin: true, HasASPath: true, ASPath: path, NextHop: addr("10.0.0.2"), Communities: c.comms}
			a, res := Import(l, &c.cfg, pfx("203.0.113.0/24"), raw, pols)
			if res != ImportAccepted || a.LocalPref != c.want {
				t.Fatalf("%v, local pref %d; want %d", res, a.LocalPref, c.want)
			}
		})
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

// TestPartialBitKept: a recognized optional transitive attribute that
// arrives with the Partial bit (set by some AS that did not know it)
// leaves with it set (RFC 4271 §5); one without it leaves without.
func TestPartialBitKept(t *testing.T) {
	aggr := func(flags uint8) []byte { return []byte{flags, AttrAggregator, 6, 0xfb, 0xf4, 10, 0, 0, 9} }
	comm := func(flags uint8) []byte { return []byte{flags, AttrCommunities, 4, 0xfb, 0xf4, 0, 1} }
	large := func(flags uint8) []byte {
		return []byte{flags, AttrLargeCommunity, 12, 0, 0, 0xfb, 0xf4, 0, 0, 0, 1, 0, 0, 0, 2}
	}
	const ot, otp = FlagOptional | FlagTransitive, FlagOptional | FlagTransitive | FlagPartial
	path := []byte{FlagTransitive, AttrASPath, 4, SegSequence, 1, 0xfd, 0xea} // 65002
	cases := []struct {
		name  string
		attrs []byte
		want  uint64
	}{
		{"none partial", cat(aggr(ot), comm(ot), large(ot)), 0},
		{"communities partial", cat(aggr(ot), comm(otp), large(ot)), 1 << AttrCommunities},
		{"all partial, extended length", cat(aggr(otp | FlagExtLen)[:2], []byte{0, 6}, aggr(0)[3:], comm(otp), large(otp)),
			1<<AttrAggregator | 1<<AttrCommunities | 1<<AttrLargeCommunity},
	}
	from := &PeerConfig{LocalAS: 65001, PeerAS: 65002, LocalAddr: addr("10.0.0.1"), PeerAddr: addr("10.0.0.2")}
	to := &PeerConfig{LocalAS: 65001, PeerAS: 65003, LocalAddr: addr("10.0.1.1"), PeerAddr: addr("10.0.1.2")}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, err := DecodeUpdate(updateBody(nil, cat(aOrigin, path, aNextHop, c.attrs), []netip.Prefix{pfx("10.0.0.0/8")}), Options{})
			if err != nil {
				t.Fatal(err)
			}
			a, res := Import(Local{ASN: 65001}, from, pfx("10.0.0.0/8"), u.Attrs, nil)
			if res != ImportAccepted {
				t.Fatal(res)
			}
			out := Export(Local{ASN: 65001}, to, &Path{Prefix: pfx("10.0.0.0/8"), From: &PeerInfo{Addr: from.PeerAddr, AS: 65002},
				Attrs: a, Reachable: true}, nil)
			b, err := EncodeMessage(&Update{Attrs: out, NLRI: []netip.Prefix{pfx("10.0.0.0/8")}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			m, err := DecodeMessage(b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := m.(*Update).Attrs.Partial; got != c.want {
				t.Fatalf("partial bits sent %#x, want %#x", got, c.want)
			}
		})
	}
}

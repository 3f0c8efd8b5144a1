package bgp

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing/bgp/wire"
	"github.com/netemu/netemu/routing/bgp/wire/wiretest"
)

// What peers we have not seen (other implementations, other
// configurations) may legitimately send, checked against the RFCs.

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
		{name: "classic one cap per param", b: wiretest.RawOpen(65002, 90, "10.0.0.2", false,
			cat(wiretest.CapParam(wiretest.CapMPv4), wiretest.CapParam(wiretest.CapRR), wiretest.CapParam(wiretest.CapAS4))), ok: true, ipv4: true, hold: 90, nCaps: 3},
		{name: "all caps in one param, GR and FQDN and ADD-PATH", b: wiretest.RawOpen(65002, 180, "10.0.0.2", false,
			wiretest.CapParam(wiretest.CapMPv4, wiretest.CapRR, wiretest.CapAS4, wiretest.CapGR, wiretest.CapFQDN, wiretest.CapAddP, wiretest.CapExtMsg)), ok: true, ipv4: true, hold: 180, nCaps: 7},
		{name: "RFC 9072 extended parameters length", b: wiretest.RawOpen(65002, 90, "10.0.0.2", true,
			wiretest.ExtParams(cat(wiretest.CapMPv4, wiretest.CapRR, wiretest.CapAS4, wiretest.CapGR))), ok: true, ipv4: true, hold: 90, nCaps: 4},
		{name: "hold time 0", b: wiretest.RawOpen(65002, 0, "10.0.0.2", false, wiretest.CapParam(wiretest.CapAS4)), ok: true, ipv4: true, hold: 0, nCaps: 1},
		{name: "no capabilities at all", b: wiretest.RawOpen(65002, 90, "10.0.0.2", false, nil), ok: true, ipv4: true, hold: 90},
		{name: "IPv6 unicast only", b: wiretest.RawOpen(65002, 90, "10.0.0.2", false, wiretest.CapParam(wiretest.CapMPv6, wiretest.CapAS4)), ok: true, ipv4: false, hold: 90, nCaps: 2},
		{name: "router id 255.255.255.255 (RFC 6286)", b: wiretest.RawOpen(65002, 90, "255.255.255.255", false, wiretest.CapParam(wiretest.CapAS4)), ok: true, ipv4: true, hold: 90, nCaps: 1},
		{name: "hold time 1", b: wiretest.RawOpen(65002, 1, "10.0.0.2", false, nil), reason: "unacceptable hold time"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := wire.DecodeMessage(c.b, wire.Options{})
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			o := m.(*wire.Open)
			if len(o.Capabilities) != c.nCaps || o.HoldTime != c.hold && c.ok {
				t.Fatalf("%d capabilities, hold %d; want %d, %d", len(o.Capabilities), o.HoldTime, c.nCaps, c.hold)
			}
			me := CheckOpen(&cfg, o)
			if c.ok != (me == nil) {
				t.Fatalf("CheckOpen: %v, want ok=%v", me, c.ok)
			}
			if me != nil && wire.CodeName(me.Code, me.Subcode) != c.reason {
				t.Fatalf("refused with %v, want %q", me, c.reason)
			}
			if c.ok && o.IPv4Unicast() != c.ipv4 {
				t.Fatalf("IPv4 unicast negotiated = %v, want %v", o.IPv4Unicast(), c.ipv4)
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
			o := wire.NewOpen(c.cfg.PeerAS, 90, addr(c.id))
			me := CheckOpen(&c.cfg, o)
			if c.ok != (me == nil) {
				t.Fatalf("CheckOpen: %v, want ok=%v", me, c.ok)
			}
			if me != nil && me.Subcode != wire.ErrOpenBadBGPID {
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
	for _, rr := range []*wire.RouteRefresh{
		{AFI: 1, SAFI: 1, Reserved: 1}, {AFI: 1, SAFI: 1, Reserved: 2}, {AFI: 1, SAFI: 1, Reserved: 9},
		{AFI: 2, SAFI: 1}, {AFI: 1, SAFI: 128},
	} {
		m, _ := wire.EncodeMessage(rr, b.Options())
		if err := b.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	// Messages arrive in order: the End-of-RIB after them proves they
	// were all read.
	eor, _ := wire.EncodeMessage(&wire.Update{}, b.Options())
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
	m, _ := wire.EncodeMessage(&wire.RouteRefresh{AFI: 1, SAFI: 1}, b.Options())
	b.Send(m)
	waitHook(t, ha.ch, "refresh")
}

// capture gives a daemon's peer a connection whose messages the test
// reads back after a flush.
func capture(t *testing.T, p *peerState) func() []wire.Message {
	x, y := bufPipe()
	p.sess.wmu.Lock()
	p.sess.wconn = x
	p.sess.wmu.Unlock()
	return func() []wire.Message {
		x.Close()
		var out []wire.Message
		for {
			m, err := wire.ReadMessage(y, wire.Options{AS4: false})
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
		caps  []wire.Capability
		wantN int // UPDATEs with IPv4 NLRI, End-of-RIB included
	}{
		{"IPv4 unicast announced", []wire.Capability{{Code: wire.CapMultiprotocol, Value: []byte{0, 1, 0, 1}}}, 2},
		{"no multiprotocol capability (pre-RFC 4760 speaker)", nil, 2},
		{"IPv4 and IPv6", []wire.Capability{{Code: wire.CapMultiprotocol, Value: []byte{0, 2, 0, 1}}, {Code: wire.CapMultiprotocol, Value: []byte{0, 1, 0, 1}}}, 2},
		{"IPv6 unicast only", []wire.Capability{{Code: wire.CapMultiprotocol, Value: []byte{0, 2, 0, 1}}}, 0},
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
			d.established(p.sess, &wire.Open{Version: 4, MyAS: 65002, BGPID: addr("10.0.0.2"), Capabilities: c.caps})
			d.markAll()
			d.flush()
			msgs := read()
			if len(msgs) != c.wantN {
				t.Fatalf("%d messages, want %d: %+v", len(msgs), c.wantN, msgs)
			}
			if c.wantN > 0 && !slices.Equal(msgs[0].(*wire.Update).NLRI, []netip.Prefix{pfx("10.99.0.0/16")}) {
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
		v = wiretest.Prefixes(v, []netip.Prefix{p})
		return append([]byte{wire.FlagOptional, wire.AttrMPReach, byte(len(v))}, v...)
	}
	path := []byte{wire.FlagTransitive, wire.AttrASPath, 4, wire.SegSequence, 1, 0xfd, 0xea}
	nh2 := []byte{wire.FlagTransitive, wire.AttrNextHop, 4, 10, 0, 0, 2}
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
			d.established(p.sess, &wire.Open{BGPID: addr("10.0.0.2")})
			u, err := wire.DecodeUpdate(c.body, wire.Options{})
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
		{"eBGP customer, graceful shutdown", PeerConfig{LocalAS: 64500, PeerAS: 64510, Relationship: RelCustomer}, []uint32{wire.CommGracefulShutdown}, 0},
		{"eBGP, graceful shutdown among others", PeerConfig{LocalAS: 64500, PeerAS: 64510}, []uint32{64510<<16 | 1, wire.CommGracefulShutdown}, 0},
		{"iBGP, graceful shutdown: LOCAL_PREF as received", PeerConfig{LocalAS: 64500, PeerAS: 64500}, []uint32{wire.CommGracefulShutdown}, DefaultLocalPref},
		{"import policy overrides", PeerConfig{LocalAS: 64500, PeerAS: 64510, Import: "keep"}, []uint32{wire.CommGracefulShutdown}, 50},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := wire.ASPath{{Type: wire.SegSequence, ASNs: []uint32{c.cfg.PeerAS}}}
			if c.cfg.IBGP() {
				path = nil
			}
			raw := &wire.PathAttrs{HasOrigin: true, HasASPath: true, ASPath: path, NextHop: addr("10.0.0.2"), Communities: c.comms}
			a, res := Import(l, &c.cfg, pfx("203.0.113.0/24"), raw, pols)
			if res != ImportAccepted || a.LocalPref != c.want {
				t.Fatalf("%v, local pref %d; want %d", res, a.LocalPref, c.want)
			}
		})
	}
}

// TestPartialBitKept: a recognized optional transitive attribute that
// arrives with the Partial bit (set by some AS that did not know it)
// leaves with it set (RFC 4271 §5); one without it leaves without.
func TestPartialBitKept(t *testing.T) {
	aggr := func(flags uint8) []byte { return []byte{flags, wire.AttrAggregator, 6, 0xfb, 0xf4, 10, 0, 0, 9} }
	comm := func(flags uint8) []byte { return []byte{flags, wire.AttrCommunities, 4, 0xfb, 0xf4, 0, 1} }
	large := func(flags uint8) []byte {
		return []byte{flags, wire.AttrLargeCommunity, 12, 0, 0, 0xfb, 0xf4, 0, 0, 0, 1, 0, 0, 0, 2}
	}
	const ot, otp = wire.FlagOptional | wire.FlagTransitive, wire.FlagOptional | wire.FlagTransitive | wire.FlagPartial
	path := []byte{wire.FlagTransitive, wire.AttrASPath, 4, wire.SegSequence, 1, 0xfd, 0xea} // 65002
	cases := []struct {
		name  string
		attrs []byte
		want  uint64
	}{
		{"none partial", cat(aggr(ot), comm(ot), large(ot)), 0},
		{"communities partial", cat(aggr(ot), comm(otp), large(ot)), 1 << wire.AttrCommunities},
		{"all partial, extended length", cat(aggr(otp | wire.FlagExtLen)[:2], []byte{0, 6}, aggr(0)[3:], comm(otp), large(otp)),
			1<<wire.AttrAggregator | 1<<wire.AttrCommunities | 1<<wire.AttrLargeCommunity},
	}
	from := &PeerConfig{LocalAS: 65001, PeerAS: 65002, LocalAddr: addr("10.0.0.1"), PeerAddr: addr("10.0.0.2")}
	to := &PeerConfig{LocalAS: 65001, PeerAS: 65003, LocalAddr: addr("10.0.1.1"), PeerAddr: addr("10.0.1.2")}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, err := wire.DecodeUpdate(updateBody(nil, cat(aOrigin, path, aNextHop, c.attrs), []netip.Prefix{pfx("10.0.0.0/8")}), wire.Options{})
			if err != nil {
				t.Fatal(err)
			}
			a, res := Import(Local{ASN: 65001}, from, pfx("10.0.0.0/8"), u.Attrs, nil)
			if res != ImportAccepted {
				t.Fatal(res)
			}
			out := Export(Local{ASN: 65001}, to, &Path{Prefix: pfx("10.0.0.0/8"), From: &PeerInfo{Addr: from.PeerAddr, AS: 65002},
				Attrs: a, Reachable: true}, nil)
			b, err := wire.EncodeMessage(&wire.Update{Attrs: out, NLRI: []netip.Prefix{pfx("10.0.0.0/8")}}, wire.Options{})
			if err != nil {
				t.Fatal(err)
			}
			m, err := wire.DecodeMessage(b, wire.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := m.(*wire.Update).Attrs.Partial; got != c.want {
				t.Fatalf("partial bits sent %#x, want %#x", got, c.want)
			}
		})
	}
}

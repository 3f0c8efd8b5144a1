package bgp

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/netemu/netemu/routing/bgp/wire"
)

func seq(asns ...uint32) wire.ASPath { return wire.ASPath{{Type: wire.SegSequence, ASNs: asns}} }

func mkPath(mod func(p *Path)) *Path {
	p := &Path{
		Prefix:    pfx("203.0.113.0/24"),
		From:      &PeerInfo{Addr: addr("10.0.0.9"), AS: 65002, RouterID: addr("9.9.9.9")},
		Attrs:     &wire.PathAttrs{HasOrigin: true, HasASPath: true, ASPath: seq(65002), NextHop: addr("10.0.0.9")},
		Reachable: true,
	}
	mod(p)
	return p
}

func TestBestPathTieBreaks(t *testing.T) {
	cases := []struct {
		name   string
		win    *Path
		lose   *Path
		reason string
	}{
		{"reachable", mkPath(func(p *Path) {}), mkPath(func(p *Path) { p.Reachable = false }), "next hop reachable"},
		{"local", mkPath(func(p *Path) { p.From = nil }), mkPath(func(p *Path) {}), "locally originated"},
		{"local-pref", mkPath(func(p *Path) { p.Attrs.HasLocalPref, p.Attrs.LocalPref = true, 200 }), mkPath(func(p *Path) {}), "local-pref"},
		{"as-path", mkPath(func(p *Path) {}), mkPath(func(p *Path) { p.Attrs.ASPath = seq(65002, 65003) }), "as-path length"},
		{"as-set counts one", mkPath(func(p *Path) {
			p.Attrs.ASPath = wire.ASPath{{Type: wire.SegSequence, ASNs: []uint32{65002}}, {Type: wire.SegSet, ASNs: []uint32{1, 2, 3}}}
		}), mkPath(func(p *Path) { p.Attrs.ASPath = seq(65002, 65003, 65004) }), "as-path length"},
		{"origin", mkPath(func(p *Path) {}), mkPath(func(p *Path) { p.Attrs.Origin = wire.OriginIncomplete }), "origin"},
		{"med same AS", mkPath(func(p *Path) { p.Attrs.HasMED, p.Attrs.MED = true, 5 }), mkPath(func(p *Path) {
			p.Attrs.HasMED, p.Attrs.MED = true, 10
		}), "med"},
		{"med ignored across ASes: ebgp wins", mkPath(func(p *Path) { p.Attrs.HasMED, p.Attrs.MED = true, 50 }), mkPath(func(p *Path) {
			p.Attrs.ASPath = seq(65009)
			p.From.IBGP = true
		}), "ebgp over ibgp"},
		{"ebgp over ibgp", mkPath(func(p *Path) {}), mkPath(func(p *Path) { p.From.IBGP = true }), "ebgp over ibgp"},
		{"igp cost", mkPath(func(p *Path) { p.From.IBGP = true; p.IGPCost = 1 }), mkPath(func(p *Path) { p.From.IBGP = true; p.IGPCost = 3 }), "igp cost"},
		{"router id", mkPath(func(p *Path) { p.From.RouterID = addr("1.1.1.1") }), mkPath(func(p *Path) {}), "router-id"},
		{"peer address", mkPath(func(p *Path) { p.From.Addr = addr("10.0.0.1") }), mkPath(func(p *Path) {}), "peer address"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if ok, why := Better(c.win, c.lose); !ok || why != c.reason {
				t.Errorf("Better(win, lose) = %v %q, want true %q", ok, why, c.reason)
			}
			if ok, _ := Better(c.lose, c.win); ok {
				t.Errorf("Better(lose, win) = true")
			}
			r := NewRIB()
			r.Add(c.lose)
			if !r.Add(c.win) {
				t.Error("adding the better path did not change the best")
			}
			if r.Dest(c.win.Prefix).Best != c.win {
				t.Error("RIB chose the wrong path")
			}
			if !r.Remove(c.win.Prefix, c.win.From) && c.lose.Reachable {
				t.Error("removing the best did not change the best")
			}
		})
	}
}

func TestRIBWithdrawAll(t *testing.T) {
	r := NewRIB()
	p := mkPath(func(*Path) {})
	r.Add(p)
	if !r.Remove(p.Prefix, p.From) || r.Len() != 0 {
		t.Fatal("prefix not gone")
	}
}

func u32(v uint32) *uint32 { return &v }

func testPolicies(t *testing.T) *Policies {
	lists := []*PrefixList{
		{Name: "customers", Entries: []PrefixListEntry{
			{Prefix: pfx("198.51.100.0/24"), GE: 24, LE: 28, Action: "permit"},
			{Prefix: pfx("10.0.0.0/8"), LE: 32, Action: "deny"},
		}},
		{Name: "exact", Entries: []PrefixListEntry{{Prefix: pfx("192.0.2.0/24"), Action: "permit"}}},
	}
	pols := []*Policy{
		{Name: "in", Terms: []PolicyTerm{
			{Name: "cust", PrefixList: "customers", Action: "accept", SetLocalPref: u32(300), AddCommunities: []string{"64500:1"}},
			{Name: "tag", Community: "64510:100", Action: "next", SetMED: u32(7)},
			{Name: "via-64999", ASPath: "^64510 64999( |$)", Action: "reject"},
			{Name: "exact", PrefixList: "exact", Action: "accept", Prepend: 2},
		}, Default: "reject"},
	}
	p, err := NewPolicies(pols, lists)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPolicy(t *testing.T) {
	p := testPolicies(t)
	cases := []struct {
		name   string
		prefix string
		path   wire.ASPath
		comms  []uint32
		accept bool
		check  func(a *wire.PathAttrs) bool
	}{
		{"prefix list ge/le in range", "198.51.100.16/28", seq(64510), nil, true, func(a *wire.PathAttrs) bool {
			return a.LocalPref == 300 && a.HasCommunity(64500<<16|1)
		}},
		{"prefix list too long", "198.51.100.16/29", seq(64510), nil, false, nil},
		{"prefix list exact", "192.0.2.0/24", seq(64510), nil, true, func(a *wire.PathAttrs) bool { return a.ASPath.String() == "64500 64500 64510" }},
		{"exact only", "192.0.2.0/25", seq(64510), nil, false, nil},
		{"deny entry", "10.1.0.0/16", seq(64510), nil, false, nil},
		{"as-path regexp rejects", "192.0.2.0/24", seq(64510, 64999), nil, false, nil},
		{"next sets and continues", "192.0.2.0/24", seq(64510), []uint32{64510<<16 | 100}, true, func(a *wire.PathAttrs) bool {
			return a.HasMED && a.MED == 7
		}},
		{"default reject", "172.16.0.0/12", seq(64510), nil, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := &wire.PathAttrs{HasASPath: true, ASPath: c.path, Communities: c.comms}
			if got := p.Apply("in", pfx(c.prefix), a, 64500); got != c.accept {
				t.Fatalf("accept = %v", got)
			}
			if c.check != nil && !c.check(a) {
				t.Fatalf("attributes not set: %+v path %v", a, a.ASPath)
			}
		})
	}
	if _, err := NewPolicies([]*Policy{{Name: "x", Terms: []PolicyTerm{{PrefixList: "nope"}}}}, nil); err == nil {
		t.Error("unknown prefix list accepted")
	}
}

func TestImportExport(t *testing.T) {
	l := Local{ASN: 64500, RouterID: addr("1.1.1.1")}
	ebgpCust := &PeerConfig{LocalAS: 64500, PeerAS: 64510, LocalAddr: addr("10.0.0.1"), PeerAddr: addr("10.0.0.2"), Relationship: RelCustomer}
	ebgpProv := &PeerConfig{LocalAS: 64500, PeerAS: 64520, LocalAddr: addr("10.0.1.1"), PeerAddr: addr("10.0.1.2"), Relationship: RelProvider}
	ebgpPeer := &PeerConfig{LocalAS: 64500, PeerAS: 64530, LocalAddr: addr("10.0.2.1"), PeerAddr: addr("10.0.2.2"), Relationship: RelPeer}
	ibgp := &PeerConfig{LocalAS: 64500, PeerAS: 64500, LocalAddr: addr("100.127.0.1"), PeerAddr: addr("100.127.0.2")}
	raw := func(path wire.ASPath) *wire.PathAttrs {
		return &wire.PathAttrs{HasOrigin: true, HasASPath: true, ASPath: path, NextHop: addr("10.0.0.2"),
			HasLocalPref: true, LocalPref: 999, HasMED: true, MED: 5,
			Unknown: []wire.RawAttr{{Flags: wire.FlagOptional | wire.FlagTransitive, Type: 99, Data: []byte{1}}, {Flags: wire.FlagOptional, Type: 98}}}
	}
	pr := pfx("203.0.113.0/24")

	if _, res := Import(l, ebgpCust, pr, raw(seq(64510, 64500)), nil); res != ImportLoop {
		t.Errorf("loop not detected: %v", res)
	}
	if _, res := Import(l, ebgpCust, pr, raw(seq(64511)), nil); res != ImportFirstAS {
		t.Errorf("first AS not checked: %v", res)
	}
	a, res := Import(l, ebgpCust, pr, raw(seq(64510)), nil)
	if res != ImportAccepted || a.LocalPref != lpCustomer {
		t.Fatalf("customer route: %v lp %d", res, a.LocalPref)
	}
	fromCust := &Path{Prefix: pr, From: &PeerInfo{Addr: ebgpCust.PeerAddr, AS: 64510, Rel: RelCustomer}, Attrs: a, Reachable: true}
	ap, _ := Import(l, ebgpProv, pr, &wire.PathAttrs{HasOrigin: true, HasASPath: true, ASPath: seq(64520), NextHop: addr("10.0.1.2")}, nil)
	if ap.LocalPref != lpProvider {
		t.Fatalf("provider lp %d", ap.LocalPref)
	}
	fromProv := &Path{Prefix: pr, From: &PeerInfo{Addr: ebgpProv.PeerAddr, AS: 64520, Rel: RelProvider}, Attrs: ap, Reachable: true}

	// eBGP export: prepend, next hop self, no LOCAL_PREF, no MED, tag stripped, partial bit.
	out := Export(l, ebgpProv, fromCust, nil)
	if out == nil {
		t.Fatal("customer route not exported to provider")
	}
	if out.ASPath.String() != "64500 64510" || out.NextHop != ebgpProv.LocalAddr || out.HasLocalPref || out.HasMED || len(out.LargeComms) != 0 {
		t.Errorf("eBGP export attrs %+v path %v", out, out.ASPath)
	}
	if len(out.Unknown) != 1 || out.Unknown[0].Flags&wire.FlagPartial == 0 {
		t.Errorf("unknown attrs %+v", out.Unknown)
	}
	// Valley-free: provider routes go to customers, not to peers/providers.
	if Export(l, ebgpPeer, fromProv, nil) != nil {
		t.Error("provider route exported to a peer")
	}
	if Export(l, ebgpCust, fromProv, nil) == nil {
		t.Error("provider route not exported to a customer")
	}
	// Back to where it came from: never.
	if Export(l, ebgpCust, fromCust, nil) != nil {
		t.Error("route sent back to its source")
	}
	// iBGP: next-hop-self for eBGP routes, LOCAL_PREF kept, tag kept.
	in := Export(l, ibgp, fromCust, nil)
	if in == nil || in.NextHop != ibgp.LocalAddr || in.LocalPref != lpCustomer || in.ASPath.String() != "64510" || len(in.LargeComms) != 1 {
		t.Fatalf("iBGP export %+v", in)
	}
	// iBGP-learned routes don't go to iBGP peers but do go to eBGP peers.
	fromIBGP := &Path{Prefix: pr, From: &PeerInfo{Addr: addr("100.127.0.3"), AS: 64500, IBGP: true}, Attrs: in, Reachable: true}
	if Export(l, ibgp, fromIBGP, nil) != nil {
		t.Error("iBGP route reflected to iBGP")
	}
	if Export(l, ebgpProv, fromIBGP, nil) == nil {
		t.Error("customer route learned over iBGP not exported to provider")
	}
	// Communities.
	noExp := &Path{Prefix: pr, From: fromCust.From, Attrs: &wire.PathAttrs{HasOrigin: true, HasASPath: true, ASPath: seq(64510), Communities: []uint32{wire.CommNoExport}}, Reachable: true}
	if Export(l, ebgpCust, noExp, nil) != nil || Export(l, ibgp, noExp, nil) == nil {
		t.Error("NO_EXPORT not honoured")
	}
	noAdv := &Path{Prefix: pr, From: fromCust.From, Attrs: &wire.PathAttrs{HasOrigin: true, HasASPath: true, ASPath: seq(64510), Communities: []uint32{wire.CommNoAdvertise}}, Reachable: true}
	if Export(l, ibgp, noAdv, nil) != nil {
		t.Error("NO_ADVERTISE not honoured")
	}
	// Local routes: empty path becomes our AS towards eBGP, stays empty towards iBGP.
	local := &Path{Prefix: pr, Attrs: &wire.PathAttrs{HasOrigin: true, HasASPath: true}, Reachable: true}
	if o := Export(l, ebgpPeer, local, nil); o == nil || o.ASPath.String() != "64500" {
		t.Errorf("local route to eBGP: %+v", o)
	}
	if o := Export(l, ibgp, local, nil); o == nil || o.ASPath.Len() != 0 || o.NextHop != ibgp.LocalAddr {
		t.Errorf("local route to iBGP: %+v", o)
	}
	// Originated by another router of our AS (an empty path over iBGP, e.g.
	// a VPC pool at an inner edge router): ours, so it goes to peers and
	// providers too; a provider's route over iBGP still does not.
	fromInner := &Path{Prefix: pr, From: fromIBGP.From, Attrs: Export(l, ibgp, local, nil), Reachable: true}
	if o := Export(l, ebgpProv, fromInner, nil); o == nil || o.ASPath.String() != "64500" {
		t.Errorf("own route learned over iBGP to a provider: %+v", o)
	}
	provIBGP := &Path{Prefix: pr, From: fromIBGP.From, Attrs: Export(l, ibgp, fromProv, nil), Reachable: true}
	if Export(l, ebgpPeer, provIBGP, nil) != nil {
		t.Error("provider route learned over iBGP exported to a peer")
	}
	// Export policy can set MED and prepend.
	pols, _ := NewPolicies([]*Policy{{Name: "out", Terms: []PolicyTerm{{Name: "m", Action: "accept", SetMED: u32(42), Prepend: 1}}}}, nil)
	withPol := *ebgpPeer
	withPol.Export = "out"
	if o := Export(l, &withPol, local, pols); o == nil || o.MED != 42 || o.ASPath.String() != "64500 64500" {
		t.Errorf("export policy: %+v", o)
	}
	// An export policy's as_path term sees the path as received, without
	// our own ASN in front (as BIRD, FRR, IOS and Junos): "^64510$" matches
	// the customer route, "^64500 " matches nothing.
	onlyFrom, _ := NewPolicies([]*Policy{
		{Name: "from-cust", Terms: []PolicyTerm{{Name: "c", ASPath: "^64510$", Action: "accept"}}, Default: "reject"},
		{Name: "own-first", Terms: []PolicyTerm{{Name: "o", ASPath: "^64500 ", Action: "accept"}}, Default: "reject"},
	}, nil)
	byPath := *ebgpProv
	byPath.Export = "from-cust"
	if o := Export(l, &byPath, fromCust, onlyFrom); o == nil || o.ASPath.String() != "64500 64510" {
		t.Errorf("export as_path ^64510$ on a customer route: %+v", o)
	}
	byPath.Export = "own-first"
	if o := Export(l, &byPath, fromCust, onlyFrom); o != nil {
		t.Errorf("export as_path ^64500 matched our own prepend: %v", o.ASPath)
	}
	_ = slices.Contains[[]int]
	_ = netip.Prefix{}
}

func TestPrefixKey(t *testing.T) {
	for _, s := range []string{"0.0.0.0/0", "255.255.255.255/32", "10.0.0.0/8", "203.0.113.128/25", "192.0.2.1/32"} {
		p := pfx(s)
		if got := unpkey(pkey(p)); got != p {
			t.Errorf("%v → %v", p, got)
		}
	}
	if pkey(pfx("10.0.0.0/8")) == pkey(pfx("10.0.0.0/9")) {
		t.Error("lengths collide")
	}
}

// TestMEDNotOrderDependent: RFC 3345 §2's case. p3 has a lower MED than
// p1 (same neighbour AS), p2 comes from another AS with a lower router
// ID than p3. RFC 4271 §9.1.2.2 eliminates p1 on MED, then p2 wins on
// router ID — whatever order the paths arrived in; a pairwise scan picks
// p3 when p1 came first.
func TestMEDNotOrderDependent(t *testing.T) {
	pr := pfx("203.0.113.0/24")
	mk := func(as, med uint32, rid string) *Path {
		return &Path{Prefix: pr, Reachable: true,
			From:  &PeerInfo{Addr: addr("10.0.0." + rid), AS: as, RouterID: addr("1.1.1." + rid)},
			Attrs: &wire.PathAttrs{HasOrigin: true, HasASPath: true, ASPath: seq(as, 64999), HasMED: true, MED: med}}
	}
	p1, p2, p3 := mk(100, 20, "1"), mk(200, 0, "2"), mk(100, 10, "3")
	for _, order := range [][]*Path{{p1, p2, p3}, {p1, p3, p2}, {p2, p1, p3}, {p2, p3, p1}, {p3, p1, p2}, {p3, p2, p1}} {
		r := NewRIB()
		for _, p := range order {
			r.Add(p)
		}
		if got := r.Dest(pr).Best; got != p2 {
			t.Errorf("order %v %v %v: best from %s, want p2 (1.1.1.2)", order[0].From.RouterID, order[1].From.RouterID, order[2].From.RouterID, got.From.RouterID)
		}
	}
}

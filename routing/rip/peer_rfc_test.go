package rip

import (
	"net/netip"
	"testing"
	"time"
)

// What RIPv2 speakers we have not seen (other implementations, other
// configurations) may legitimately send, checked against RFC 2453 and
// RFC 4822.

// TestResponseEntries feeds b (10.0.1.2/30 on eth0) one entry from a
// (10.0.1.1:520) and checks what b makes of it.
func TestResponseEntries(t *testing.T) {
	cases := []struct {
		name    string
		e       Entry
		metric  int    // 0: no route expected
		gw      string // kernel gateway
		counted Reason // a counter that must move ("" none)
	}{
		{"next hop 0.0.0.0 is the sender", entry("77.0.0.0/8", "0.0.0.0", 1, 0), 2, "10.0.1.1", ""},
		{"next hop off link is treated as 0.0.0.0 (§4.4)", entry("77.0.0.0/8", "192.0.2.1", 1, 0), 2, "10.0.1.1", ReasonNextHop},
		{"next hop our own address is treated as 0.0.0.0", entry("77.0.0.0/8", "10.0.1.2", 1, 0), 2, "10.0.1.1", ReasonNextHop},
		{"host route", entry("192.0.2.9/32", "", 3, 0), 4, "10.0.1.1", ""},
		{"default route", entry("0.0.0.0/0", "", 1, 0), 2, "10.0.1.1", ""},
		{"metric 15 becomes 16: not installed", entry("77.0.0.0/8", "", 15, 0), 0, "", ""},
		{"metric 0 ignored", entry("77.0.0.0/8", "", 0, 0), 0, "", ReasonMetric},
		{"metric 17 ignored", entry("77.0.0.0/8", "", 17, 0), 0, "", ReasonMetric},
		{"net 127 ignored (§3.9.2)", entry("127.0.0.0/8", "", 1, 0), 0, "", ReasonDest},
		{"class D ignored", entry("224.0.0.0/4", "", 1, 0), 0, "", ReasonDest},
		{"class E ignored", entry("240.0.0.0/4", "", 1, 0), 0, "", ReasonDest},
		{"broadcast ignored", entry("255.255.255.255/32", "", 1, 0), 0, "", ReasonDest},
		{"net 0 other than default ignored", entry("0.1.0.0/16", "", 1, 0), 0, "", ReasonDest},
		{"non-contiguous mask ignored", Entry{AFI: AFIInet, Addr: netip.MustParseAddr("77.0.0.0"), Mask: netip.MustParseAddr("255.0.255.0"),
			NextHop: netip.IPv4Unspecified(), Metric: 1}, 0, "", ReasonMask},
		{"unknown AFI ignored", Entry{AFI: 10, Addr: netip.MustParseAddr("77.0.0.0"), Mask: MaskOf(8),
			NextHop: netip.IPv4Unspecified(), Metric: 1}, 0, "", ReasonAFI},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := line(t)
			n.start()
			n.run(n.now.Add(2 * time.Second))
			b := n.routers["b"]
			data := Encode(&Packet{Command: Response, Version: 2, Entries: []Entry{c.e}})
			b.handle(n.now, Datagram{Iface: "eth0", Src: netip.MustParseAddrPort("10.0.1.1:520"), Data: data})
			b.advance(n.now)
			pf, ok := c.e.Prefix()
			if c.metric == 0 {
				if ok {
					n.wantNoRoute("b", pf.String())
				}
				if len(n.fibs["b"].routes) != 2 { // 1.1.1.1 and 3.3.3.3 only
					t.Errorf("kernel routes %v", n.fibs["b"].routes)
				}
			} else {
				n.wantRoute("b", pf.String(), c.metric, c.gw)
			}
			if c.counted != "" && b.neigh[netip.MustParseAddr("10.0.1.1")].bad[c.counted] == 0 {
				t.Errorf("%s not counted", c.counted)
			}
		})
	}
}

// TestRouteTagKept: the tag of a learned route goes out again unchanged
// (RFC 2453 §4.2), in a table and in an answer to a specific request.
func TestRouteTagKept(t *testing.T) {
	n := line(t)
	n.start()
	n.run(n.now.Add(2 * time.Second))
	b := n.routers["b"]
	data := Encode(&Packet{Command: Response, Version: 2, Entries: []Entry{entry("77.0.0.0/8", "", 1, 0xbeef)}})
	b.handle(n.now, Datagram{Iface: "eth0", Src: netip.MustParseAddrPort("10.0.1.1:520"), Data: data})
	b.advance(n.now)
	for _, e := range b.entriesFor(b.ifaces["eth1"], false) {
		if p, _ := e.Prefix(); p.String() == "77.0.0.0/8" && (e.Tag != 0xbeef || e.Metric != 2) {
			t.Errorf("out of eth1: %+v, want tag 0xbeef metric 2", e)
		}
	}
}

// TestAuthFromOtherSpeakers: keyed MD5 as FRR (authentication data
// length 16, or 20 with "auth-length old-ripd") and BIRD send it, with
// RFC 4822's sequence rules; and packets without or with the wrong kind
// of authentication on an authenticated interface, dropped and counted.
func TestAuthFromOtherSpeakers(t *testing.T) {
	md5 := &Auth{Type: "md5", Key: "k3y", KeyID: 3}
	pkt := func(a *Auth, seq uint32, authLen uint8, prefix string) []byte {
		p := &Packet{Command: Response, Version: 2, Entries: []Entry{entry(prefix, "", 1, 0)}}
		if a != nil {
			p.Auth = NewAuthEntry(a, seq)
			if authLen != 0 {
				p.Auth.AuthLen = authLen
			}
		}
		b := Encode(p)
		Sign(b, a)
		return b
	}
	// Above the sequence numbers a's own engine has sent (its clock).
	const s0 = 2_000_000_000
	cases := []struct {
		name   string
		first  []byte // sent first (nil: nothing)
		second []byte
		ok     bool
		reason Reason
	}{
		{"md5, auth length 16", nil, pkt(md5, s0, 0, "77.0.0.0/8"), true, ""},
		{"md5, auth length 20 (old ripd)", nil, pkt(md5, s0, md5Len+trailerHdr, "77.0.0.0/8"), true, ""},
		{"md5, same sequence again", pkt(md5, s0, 0, "66.0.0.0/8"), pkt(md5, s0, 0, "77.0.0.0/8"), true, ""},
		{"md5, sequence goes back", pkt(md5, s0, 0, "66.0.0.0/8"), pkt(md5, s0-1, 0, "77.0.0.0/8"), false, ReasonAuthSeq},
		{"md5, other key id", nil, pkt(&Auth{Type: "md5", Key: "k3y", KeyID: 4}, s0, 0, "77.0.0.0/8"), false, ReasonAuthFail},
		{"md5, wrong key", nil, pkt(&Auth{Type: "md5", Key: "nope", KeyID: 3}, s0, 0, "77.0.0.0/8"), false, ReasonAuthFail},
		{"no authentication", nil, pkt(nil, 0, 0, "77.0.0.0/8"), false, ReasonAuthMissing},
		{"plain instead of md5", nil, pkt(&Auth{Type: "plain", Key: "k3y"}, 0, 0, "77.0.0.0/8"), false, ReasonAuthType},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := line(t)
			for _, e := range n.routers {
				e.cfg.Auth = md5
			}
			n.start()
			n.run(n.now.Add(2 * time.Second))
			b := n.routers["b"]
			src := netip.MustParseAddrPort("10.0.1.1:520")
			for _, data := range [][]byte{c.first, c.second} {
				if data != nil {
					b.handle(n.now, Datagram{Iface: "eth0", Src: src, Data: data})
				}
			}
			b.advance(n.now)
			if c.ok {
				n.wantRoute("b", "77.0.0.0/8", 2, "10.0.1.1")
				return
			}
			n.wantNoRoute("b", "77.0.0.0/8")
			if b.neigh[src.Addr()].bad[c.reason] == 0 {
				t.Errorf("%s not counted: %v", c.reason, b.neigh[src.Addr()].bad)
			}
		})
	}
}

// v1Entry is a RIP-1 entry: no tag, mask or next hop.
func v1Entry(a string, metric uint32) Entry {
	return Entry{AFI: AFIInet, Addr: netip.MustParseAddr(a), Mask: netip.IPv4Unspecified(), NextHop: netip.IPv4Unspecified(), Metric: metric}
}

func TestInferV1Masks(t *testing.T) {
	ifc := netip.MustParsePrefix("10.0.1.2/30")
	cases := []struct {
		addr string
		want string
	}{
		{"10.7.0.0", "10.7.0.0/30"},         // a subnet of the interface's network: its mask
		{"10.7.0.1", "10.7.0.1/32"},         // bits beyond that mask: a host
		{"172.16.0.0", "172.16.0.0/16"},     // another network: its class's mask
		{"172.16.4.0", "172.16.4.0/32"},     // a subnet of another network cannot be told: host
		{"192.0.2.0", "192.0.2.0/24"},       // class C
		{"198.51.100.9", "198.51.100.9/32"}, // host
		{"0.0.0.0", "0.0.0.0/0"},            // default route
	}
	p := &Packet{Command: Response, Version: 1}
	for _, c := range cases {
		p.Entries = append(p.Entries, v1Entry(c.addr, 1))
	}
	p.InferV1Masks(ifc)
	for i, c := range cases {
		if got, ok := p.Entries[i].Prefix(); !ok || got.String() != c.want {
			t.Errorf("%s: %v, want %s", c.addr, got, c.want)
		}
	}
	// RIP-2 entries keep the masks they carry.
	p2 := &Packet{Command: Response, Version: 2, Entries: []Entry{entry("10.7.0.0/16", "", 1, 0)}}
	p2.InferV1Masks(ifc)
	if got, _ := p2.Entries[0].Prefix(); got.String() != "10.7.0.0/16" {
		t.Errorf("RIP-2 mask changed: %v", got)
	}
}

// TestRIP1Received: a RIP-1 Response is believed on an interface without
// authentication (RFC 2453 §4.1, as FRR and BIRD do by default); with a
// must-be-zero field set it is dropped; with authentication configured it
// is dropped as unauthenticated (§5.2).
func TestRIP1Received(t *testing.T) {
	good := Encode(&Packet{Command: Response, Version: 1, Entries: []Entry{v1Entry("192.0.2.0", 1), v1Entry("10.9.0.0", 2)}})
	mbz := append([]byte(nil), good...)
	mbz[4+2] = 1 // the tag field of the first entry
	cases := []struct {
		name   string
		auth   *Auth
		data   []byte
		routes map[string]int // prefix → metric in b's kernel
		reason Reason
	}{
		{"RIP-1 accepted", nil, good, map[string]int{"192.0.2.0/24": 2, "10.9.0.0/30": 3}, ""},
		{"RIP-1 with must-be-zero set", nil, mbz, nil, ReasonV1},
		{"RIP-1 on an MD5 interface", &Auth{Type: "md5", Key: "k", KeyID: 1}, good, nil, ReasonAuthMissing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := line(t)
			for _, e := range n.routers {
				e.cfg.Auth = c.auth
			}
			n.start()
			n.run(n.now.Add(2 * time.Second))
			b := n.routers["b"]
			src := netip.MustParseAddrPort("10.0.1.1:520")
			b.handle(n.now, Datagram{Iface: "eth0", Src: src, Data: c.data})
			b.advance(n.now)
			for p, m := range c.routes {
				n.wantRoute("b", p, m, "10.0.1.1")
			}
			if c.routes == nil {
				n.wantNoRoute("b", "192.0.2.0/24")
			}
			if c.reason != "" && b.neigh[src.Addr()].bad[c.reason] == 0 {
				t.Errorf("%s not counted: %v", c.reason, b.neigh[src.Addr()].bad)
			}
		})
	}
}

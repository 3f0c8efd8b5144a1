package tests

// Issue 16's BGP cases, sent by a hand-made speaker (x) from a
// neighbouring namespace to netemu (ne); a second hand-made speaker (y)
// records exactly what netemu passes on, and ne's kernel table is read
// with ip route.
//
//	x (AS 65010) eth0 10.22.0.2/30 ── eth0 10.22.0.1/30  ne (AS 65001)  eth1 10.23.0.1/30 ── eth0 10.23.0.2/30  y (AS 65020)

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/bgp"
	"github.com/netemu/netemu/routing/bgp/wire"
	"github.com/netemu/netemu/routing/bgp/wire/wiretest"
	"github.com/netemu/netemu/tests/labtest"
)

// rawSpeaker is a minimal BGP speaker for tests: it opens a session with
// 4-octet ASNs, keeps it alive, sends raw UPDATE bodies and keeps the
// Adj-RIB-In of what the other side sent.
type rawSpeaker struct {
	t    testing.TB
	conn net.Conn
	mu   sync.Mutex
	wmu  sync.Mutex
	rib  map[netip.Prefix]*wire.PathAttrs
	err  error // why the reader stopped
	note *wire.Notification
	done chan struct{}
}

// dialSpeaker connects from node to target (netemu, passive) as AS asn.
func dialSpeaker(t testing.TB, l *ripLab, node, target string, asn uint32, id string) *rawSpeaker {
	t.Helper()
	var conn net.Conn
	labtest.Eventually(t, 60*time.Second, labtest.Named("netemu accepts "+id, func() error {
		var c net.Conn
		err := l.net.Do(node, func() (err error) {
			c, err = net.DialTimeout("tcp4", target, 2*time.Second)
			return err
		})
		if err != nil {
			return err
		}
		c.SetDeadline(time.Now().Add(3 * time.Second))
		if _, err := wire.ReadMessage(c, wire.Options{}); err != nil {
			c.Close()
			return err
		}
		conn = c
		return nil
	}))
	conn.SetDeadline(time.Time{})
	s := &rawSpeaker{t: t, conn: conn, rib: map[netip.Prefix]*wire.PathAttrs{}, done: make(chan struct{})}
	open := wire.NewOpen(asn, 9, netip.MustParseAddr(id))
	for _, m := range []wire.Message{open, &wire.Keepalive{}} {
		b, err := wire.EncodeMessage(m, wire.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.write(b)
	}
	go s.read()
	go s.keepalive()
	t.Cleanup(func() { conn.Close(); <-s.done })
	return s
}

func (s *rawSpeaker) write(b []byte) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := s.conn.Write(b); err != nil {
		s.t.Logf("raw speaker write: %v", err)
	}
}

func (s *rawSpeaker) keepalive() {
	ka, _ := wire.EncodeMessage(&wire.Keepalive{}, wire.Options{})
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-tick.C:
			s.write(ka)
		}
	}
}

func (s *rawSpeaker) read() {
	defer close(s.done)
	for {
		m, err := wire.ReadMessage(s.conn, wire.Options{AS4: true})
		if err != nil {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
		switch m := m.(type) {
		case *wire.Update:
			for _, p := range m.Withdrawn {
				delete(s.rib, p)
			}
			for _, p := range m.NLRI {
				s.rib[p] = m.Attrs.Clone()
			}
		case *wire.Notification:
			s.note = m
		}
		s.mu.Unlock()
	}
}

// route is what the speaker holds for p (nil: none).
func (s *rawSpeaker) route(p string) *wire.PathAttrs {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rib[netip.MustParsePrefix(p)]
}

// alive fails the test when the session ended.
func (s *rawSpeaker) alive() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return fmt.Errorf("session ended: %v (notification %v)", s.err, s.note)
	}
	return nil
}

// update frames an UPDATE body and sends it.
func (s *rawSpeaker) update(body []byte) {
	b := updateMsg(body)
	if len(b) > wire.MaxMsgLen {
		s.t.Fatalf("test UPDATE of %d octets", len(b))
	}
	s.write(b)
}

// Attributes as x sends them (4-octet ASNs).
var (
	xOrigin  = []byte{0x40, wire.AttrOrigin, 1, 0}
	xNextHop = []byte{0x40, wire.AttrNextHop, 4, 10, 22, 0, 2}
)

// xPath is an AS_PATH of segments, each a type and its ASNs.
func xPath(segs ...[]uint32) []byte {
	var v []byte
	for _, s := range segs {
		v = append(v, byte(s[0]), byte(len(s)-1))
		for _, a := range s[1:] {
			v = binary.BigEndian.AppendUint32(v, a)
		}
	}
	if len(v) > 255 {
		return append(binary.BigEndian.AppendUint16([]byte{0x50, wire.AttrASPath}, uint16(len(v))), v...)
	}
	return append([]byte{0x40, wire.AttrASPath, byte(len(v))}, v...)
}

func seq(asns ...uint32) []uint32 { return append([]uint32{wire.SegSequence}, asns...) }

func pfxs(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// hostileBGPLab starts ne with two passive eBGP peers and connects x and y.
func hostileBGPLab(t *testing.T) (l *ripLab, c *agent.Client, x, y *rawSpeaker) {
	l = newRIPLab(t, "bgph")
	l.node("ne")
	l.node("x")
	l.node("y")
	l.link("x", "eth0", "10.22.0.2/30", "ne", "eth0", "10.22.0.1/30")
	l.link("ne", "eth1", "10.23.0.1/30", "y", "eth0", "10.23.0.2/30")
	c = l.bgpAgent("ne", []agent.Interface{
		{Name: "eth0", Addr: netip.MustParsePrefix("10.22.0.1/30")},
		{Name: "eth1", Addr: netip.MustParsePrefix("10.23.0.1/30")},
	}, &bgp.Config{ASN: 65001, RouterID: netip.MustParseAddr("10.22.0.1"), Peers: []bgp.PeerConfig{
		{Name: "x", PeerAS: 65010, LocalAddr: netip.MustParseAddr("10.22.0.1"), PeerAddr: netip.MustParseAddr("10.22.0.2"), Iface: "eth0", Passive: true},
		{Name: "y", PeerAS: 65020, LocalAddr: netip.MustParseAddr("10.23.0.1"), PeerAddr: netip.MustParseAddr("10.23.0.2"), Iface: "eth1", Passive: true},
	}})
	x = dialSpeaker(t, l, "x", "10.22.0.1:179", 65010, "10.22.0.2")
	y = dialSpeaker(t, l, "y", "10.23.0.1:179", 65020, "10.23.0.2")
	for _, p := range []string{"10.22.0.2", "10.23.0.2"} {
		labtest.Eventually(t, 30*time.Second, labtest.Named("established with "+p, func() error { return established(c, p) }))
	}
	return l, c, x, y
}

// announce sends a clean route for p from x and waits until y and ne's
// kernel have it, so a later hostile UPDATE is seen to change something.
func (l *ripLab) announceClean(t *testing.T, x, y *rawSpeaker, p string) {
	t.Helper()
	x.update(wiretest.UpdateBody(nil, wiretest.Cat(xOrigin, xPath(seq(65010)), xNextHop), pfxs(p)))
	labtest.Eventually(t, 10*time.Second, labtest.Named("y has "+p, func() error {
		if y.route(p) == nil {
			return errors.New("not yet")
		}
		return wantLine(l.kernelRoute("ne", p), "via 10.22.0.2", "proto bgp")
	}))
}

func TestBGPHostileUpdates(t *testing.T) {
	l, c, x, y := hostileBGPLab(t)

	t.Run("confederation segments from eBGP are treat-as-withdraw", func(t *testing.T) {
		for i, typ := range []uint32{wire.SegConfedSeq, wire.SegConfedSet} {
			p := fmt.Sprintf("198.51.%d.0/24", 100+i)
			l.announceClean(t, x, y, p)
			x.update(wiretest.UpdateBody(nil, wiretest.Cat(xOrigin, xPath(seq(65010), []uint32{typ, 64512}), xNextHop), pfxs(p)))
			labtest.Eventually(t, 10*time.Second, labtest.Named("withdrawn everywhere", func() error {
				if a := y.route(p); a != nil {
					return fmt.Errorf("y still has %s path %v", p, a.ASPath)
				}
				if r := l.kernelRoute("ne", p); r != "" {
					return fmt.Errorf("ne's kernel: %s", r)
				}
				if rs, err := bgpRoutes(c, p); err != nil || len(rs) > 0 {
					return fmt.Errorf("ne's RIB: %+v %v", rs, err)
				}
				return nil
			}))
		}
	})

	t.Run("LOCAL_PREF of wrong length from eBGP is discarded, the route stands", func(t *testing.T) {
		p := "198.51.110.0/24"
		lp := []byte{0x40, wire.AttrLocalPref, 3, 0, 1, 0}
		x.update(wiretest.UpdateBody(nil, wiretest.Cat(xOrigin, xPath(seq(65010)), xNextHop, lp), pfxs(p)))
		labtest.Eventually(t, 10*time.Second, labtest.Named("route kept", func() error {
			a := y.route(p)
			if a == nil {
				return errors.New("y has no route")
			}
			if a.HasLocalPref {
				return errors.New("LOCAL_PREF passed on over eBGP")
			}
			return wantLine(l.kernelRoute("ne", p), "via 10.22.0.2", "proto bgp")
		}))
	})

	t.Run("AGGREGATOR with AS 0 is discarded", func(t *testing.T) {
		p := "198.51.111.0/24"
		agg := []byte{0xc0, wire.AttrAggregator, 8, 0, 0, 0, 0, 10, 22, 0, 2}
		x.update(wiretest.UpdateBody(nil, wiretest.Cat(xOrigin, xPath(seq(65010)), xNextHop, agg), pfxs(p)))
		labtest.Eventually(t, 10*time.Second, labtest.Named("route kept without AGGREGATOR", func() error {
			a := y.route(p)
			if a == nil {
				return errors.New("y has no route")
			}
			if a.Aggregator != nil {
				return fmt.Errorf("AGGREGATOR %+v passed on", *a.Aggregator)
			}
			return wantLine(l.kernelRoute("ne", p), "via 10.22.0.2", "proto bgp")
		}))
	})

	t.Run("a best path too big once our AS is prepended is withdrawn", func(t *testing.T) {
		p := "198.51.112.0/24"
		l.announceClean(t, x, y, p)
		// Five segments, 1,010 ASNs: 4,065 octets of attributes fit x's
		// UPDATE, the 4 more of ne's AS do not fit ne's.
		segs := [][]uint32{seq(65010)}
		n := 1
		for i, k := range []int{199, 200, 200, 200, 210} {
			if i > 0 {
				segs = append(segs, seq())
			}
			for range k {
				segs[i] = append(segs[i], uint32(100000+n))
				n++
			}
		}
		attrs := wiretest.Cat(xOrigin, xPath(segs...), xNextHop)
		if len(attrs) != 4065 {
			t.Fatalf("test attributes of %d octets, want 4065", len(attrs))
		}
		x.update(wiretest.UpdateBody(nil, attrs, pfxs(p)))
		labtest.Eventually(t, 10*time.Second, labtest.Named("withdrawn at y, still ne's best", func() error {
			if a := y.route(p); a != nil {
				return fmt.Errorf("y still has the old path %v", a.ASPath)
			}
			b, err := bestRoute(c, p)
			if err != nil {
				return err
			}
			if !strings.HasPrefix(b.ASPath, "65010 100001") {
				return fmt.Errorf("ne's best path %.40s…", b.ASPath)
			}
			return wantLine(l.kernelRoute("ne", p), "via 10.22.0.2", "proto bgp")
		}))
	})

	for _, s := range []*rawSpeaker{x, y} {
		if err := s.alive(); err != nil {
			t.Error(err)
		}
	}
	checkAgentInvariant(t, l, "ne", c)
}

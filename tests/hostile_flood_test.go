package tests

// Floods from a neighbouring namespace (issue 16): 10,000 packets a
// second for 10 seconds must not starve the agent's timers — its other
// sessions stay up, and afterwards it converges and its RIB, kernel and
// advertisements agree.

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/netemu/netemu/routing/bgp/wire"
	"github.com/netemu/netemu/routing/bgp/wire/wiretest"
	"github.com/netemu/netemu/tests/labtest"
)

const (
	floodRate = 10_000 // packets per second
	floodFor  = 10 * time.Second
)

// flood calls send floodRate times a second for floodFor, in bursts of
// one millisecond's share, while watch (if any) runs every 500 ms; it
// returns how many it sent (the machine may not keep up: the figure is
// logged).
func flood(t *testing.T, send func(i int), watch func() error) int {
	t.Helper()
	start := time.Now()
	next := start
	n := 0
	lastWatch := start
	for time.Since(start) < floodFor {
		for range floodRate / 1000 {
			send(n)
			n++
		}
		next = next.Add(time.Millisecond)
		if d := time.Until(next); d > 0 {
			time.Sleep(d) // pacing the sender, not waiting for a condition
		}
		if watch != nil && time.Since(lastWatch) > 500*time.Millisecond {
			lastWatch = time.Now()
			if err := watch(); err != nil {
				t.Errorf("during the flood (%d sent): %v", n, err)
				return n
			}
		}
	}
	el := time.Since(start)
	t.Logf("flood: %d packets in %v (%.0f/s)", n, el.Round(time.Millisecond), float64(n)/el.Seconds())
	return n
}

func TestRIPFlood(t *testing.T) {
	l, c1, c2 := hostileRIPLab(t)
	conn := labtest.MakeIn(t, l.ns("x"), func() (*net.UDPConn, error) {
		return net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("10.9.0.2:520")))
	})
	defer conn.Close()
	dst := netip.MustParseAddrPort("10.9.0.1:520")
	rnd := rand.New(rand.NewPCG(1, 2))
	good := ripResponse(2, "198.19.0.0/24", "0.0.0.0", 1)
	// A plain-text authentication entry n1 does not expect, then an entry.
	badAuth := append([]byte{2, 2, 0, 0, 0xff, 0xff, 0, 2, 'w', 'r', 'o', 'n', 'g', 23: 0}, good[4:]...)
	packets := [][]byte{
		good,
		ripResponse(2, "198.19.1.0/24", "0.0.0.0", 17), // bad metric
		ripResponse(3, "198.19.2.0/24", "0.0.0.0", 1),  // bad version
		{2, 2, 0, 0, 0, 2, 0},                          // truncated
		badAuth,
		make([]byte, 504+20), // too long, all zero
	}
	sent := flood(t, func(i int) {
		b := packets[i%len(packets)]
		if i%7 == 0 { // random garbage too
			b = make([]byte, 4+rnd.IntN(520))
			for j := range b {
				b[j] = byte(rnd.Uint32())
			}
			b[0], b[1] = 2, 2
		}
		_, _ = conn.WriteToUDPAddrPort(b, dst)
	}, func() error {
		// n2 keeps n1's loopback: n1's updates still go out on time.
		return wantLine(l.kernelRoute("n2", "10.255.9.1/32"), "via 10.9.1.1", "proto rip")
	})
	if sent == 0 {
		t.Fatal("nothing sent")
	}
	labtest.Eventually(t, 30*time.Second, labtest.Named("good entry from the flood installed", func() error {
		return wantLine(l.kernelRoute("n2", "198.19.0.0/24"), "via 10.9.1.1", "proto rip")
	}))
	for _, bad := range []string{"198.19.1.0/24", "198.19.2.0/24"} {
		if r := l.kernelRoute("n1", bad); r != "" {
			t.Errorf("bad entry installed: %s", r)
		}
	}
	checkAgentInvariant(t, l, "n1", c1)
	checkAgentInvariant(t, l, "n2", c2)
}

func TestBGPFlood(t *testing.T) {
	l, c, x, y := hostileBGPLab(t)
	p := "198.51.120.0/24"
	l.announceClean(t, x, y, p)
	// A flap of 64 prefixes and malformed attributes of every RFC 7606
	// class but session reset, batched into one write per millisecond.
	var msgs [][]byte
	for i := range 64 {
		q := netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18, byte(i), 0}), 24)
		msgs = append(msgs,
			updateMsg(wiretest.UpdateBody(nil, wiretest.Cat(xOrigin, xPath(seq(65010, uint32(64600+i))), xNextHop), []netip.Prefix{q})),
			updateMsg(wiretest.UpdateBody([]netip.Prefix{q}, nil, nil)),
			updateMsg(wiretest.UpdateBody(nil, wiretest.Cat(xOrigin, xPath(seq(65010), []uint32{wire.SegConfedSeq, 64512}), xNextHop), []netip.Prefix{q})),
			updateMsg(wiretest.UpdateBody(nil, wiretest.Cat(xOrigin, xPath(seq(65010)), xNextHop, []byte{0xc0, wire.AttrAggregator, 8, 0, 0, 0, 0, 1, 2, 3, 4}), []netip.Prefix{q})),
			updateMsg(wiretest.UpdateBody(nil, wiretest.Cat([]byte{0x40, wire.AttrOrigin, 1, 7}, xPath(seq(65010)), xNextHop), []netip.Prefix{q})),
		)
	}
	var buf []byte
	flood(t, func(i int) {
		buf = append(buf, msgs[i%len(msgs)]...)
		if i%(floodRate/1000) == floodRate/1000-1 {
			x.write(buf)
			buf = buf[:0]
		}
	}, func() error {
		if err := y.alive(); err != nil {
			return fmt.Errorf("y: %w", err)
		}
		return established(c, "10.23.0.2")
	})
	for _, s := range []*rawSpeaker{x, y} {
		if err := s.alive(); err != nil {
			t.Fatal(err)
		}
	}
	// The last message of each prefix's cycle ends it withdrawn or
	// announced; whatever it is, peers and kernel agree with the RIB.
	labtest.Eventually(t, 30*time.Second, labtest.Named("the clean route stands", func() error {
		if y.route(p) == nil {
			return fmt.Errorf("y lost %s", p)
		}
		return wantLine(l.kernelRoute("ne", p), "via 10.22.0.2", "proto bgp")
	}))
	checkAgentInvariant(t, l, "ne", c)
	labtest.Eventually(t, 30*time.Second, labtest.Named("y holds what ne exports", func() error {
		for i := range 64 {
			q := fmt.Sprintf("198.18.%d.0/24", i)
			_, err := bestRoute(c, q)
			has := y.route(q) != nil
			if (err == nil) != has {
				return fmt.Errorf("%s: ne best %v, y has it %v", q, err == nil, has)
			}
		}
		return nil
	}))
}

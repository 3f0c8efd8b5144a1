package tests

// The BGP hostile-input suite (issue 16): malformed headers, lengths and
// every RFC 7606 class, from a hand-made speaker in a neighbouring
// namespace. Session-reset errors must end the session with the right
// NOTIFICATION (and the other session stays up); treat-as-withdraw
// errors withdraw the route from the RIB, the kernel and the peers;
// attribute-discard errors leave the route standing.

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/netemu/netemu/routing/bgp/wire"
	"github.com/netemu/netemu/routing/bgp/wire/wiretest"
	"github.com/netemu/netemu/tests/labtest"
)

// rawMsg frames a body with a header of the given length and type.
func rawMsg(length int, typ byte, body []byte) []byte {
	b := make([]byte, 16, 19+len(body))
	for i := range b {
		b[i] = 0xff
	}
	b = binary.BigEndian.AppendUint16(b, uint16(length))
	return append(append(b, typ), body...)
}

func updateMsg(body []byte) []byte { return rawMsg(19+len(body), 2, body) }

func (s *rawSpeaker) notification() *wire.Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.note
}

func TestBGPMalformedMessages(t *testing.T) {
	l, c, x, y := hostileBGPLab(t)
	good := wiretest.Cat(xOrigin, xPath(seq(65010)), xNextHop)
	p := netip.MustParsePrefix("198.51.130.0/24")

	resets := []struct {
		name    string
		msg     []byte
		code    uint8
		subcode uint8
	}{
		{"marker not all ones", func() []byte { b := rawMsg(19, 4, nil); b[3] = 0; return b }(), wire.ErrHeader, 1},
		{"length below a header", rawMsg(18, 4, nil), wire.ErrHeader, 2},
		{"length over 4096", rawMsg(4097, 2, make([]byte, 4097-19)), wire.ErrHeader, 2},
		{"KEEPALIVE with a body", rawMsg(20, 4, []byte{0}), wire.ErrHeader, 2},
		{"unknown type", rawMsg(19, 9, nil), wire.ErrHeader, 3},
		{"withdrawn length overruns", updateMsg([]byte{0, 200, 24, 10, 0, 0, 0, 0}), wire.ErrUpdate, 1},
		{"attribute length overruns the message", updateMsg([]byte{0, 0, 0, 200, 0x40, 1, 1, 0}), wire.ErrUpdate, 1},
		{"unrecognized well-known attribute", updateMsg(wiretest.UpdateBody(nil, wiretest.Cat(good, []byte{0x40, 99, 1, 0}), []netip.Prefix{p})), wire.ErrUpdate, 2},
		{"NLRI prefix length 33", updateMsg(append(wiretest.UpdateBody(nil, good, nil), 33, 10, 0, 0, 0, 0)), wire.ErrUpdate, 10},
		{"NLRI truncated", updateMsg(append(wiretest.UpdateBody(nil, good, nil), 24, 10)), wire.ErrUpdate, 10},
	}
	// redial ends the session of cur (a second connection would lose the
	// collision to it) and opens a new one.
	redial := func(t *testing.T, cur *rawSpeaker) *rawSpeaker {
		t.Helper()
		cur.conn.Close()
		labtest.Eventually(t, 30*time.Second, labtest.Named("old session down", func() error {
			if established(c, "10.22.0.2") == nil {
				return fmt.Errorf("still established")
			}
			return nil
		}))
		s := dialSpeaker(t, l, "x", "10.22.0.1:179", 65010, "10.22.0.2")
		labtest.Eventually(t, 30*time.Second, labtest.Named("established", func() error { return established(c, "10.22.0.2") }))
		return s
	}
	for _, tc := range resets {
		t.Run("reset/"+tc.name, func(t *testing.T) {
			s := redial(t, x)
			x = s
			s.write(tc.msg)
			labtest.Eventually(t, 10*time.Second, labtest.Named("NOTIFICATION", func() error {
				n := s.notification()
				if n == nil {
					return fmt.Errorf("none yet (%v)", s.alive())
				}
				if n.Code != tc.code || n.Subcode != tc.subcode {
					return fmt.Errorf("got %v, want %d/%d", n, tc.code, tc.subcode)
				}
				return nil
			}))
			if err := y.alive(); err != nil {
				t.Fatalf("the other session: %v", err)
			}
		})
	}
	// x's first session ended with the first reset; the table cases use a
	// fresh one.
	x = redial(t, x)

	withdraws := []struct {
		name  string
		attrs []byte
	}{
		{"ORIGIN 7", wiretest.Cat([]byte{0x40, 1, 1, 7}, xPath(seq(65010)), xNextHop)},
		{"ORIGIN of 2 octets", wiretest.Cat([]byte{0x40, 1, 2, 0, 0}, xPath(seq(65010)), xNextHop)},
		{"ORIGIN flagged optional", wiretest.Cat([]byte{0xc0, 1, 1, 0}, xPath(seq(65010)), xNextHop)},
		{"NEXT_HOP 0.0.0.0", wiretest.Cat(xOrigin, xPath(seq(65010)), []byte{0x40, 3, 4, 0, 0, 0, 0})},
		{"NEXT_HOP of 3 octets", wiretest.Cat(xOrigin, xPath(seq(65010)), []byte{0x40, 3, 3, 10, 22, 0})},
		{"missing NEXT_HOP", wiretest.Cat(xOrigin, xPath(seq(65010)))},
		{"AS_PATH segment overruns", wiretest.Cat(xOrigin, []byte{0x40, 2, 6, 2, 9, 0, 0, 0xfe, 0x4a}, xNextHop)},
		{"AS_PATH with AS 0", wiretest.Cat(xOrigin, xPath(seq(65010, 0)), xNextHop)},
		{"AS_PATH first AS not the peer's", wiretest.Cat(xOrigin, xPath(seq(65011)), xNextHop)},
		{"MED of 2 octets", wiretest.Cat(good, []byte{0x80, 4, 2, 0, 1})},
		{"COMMUNITIES of 3 octets", wiretest.Cat(good, []byte{0xc0, 8, 3, 0, 1, 2})},
		{"LARGE_COMMUNITY of 8 octets", wiretest.Cat(good, []byte{0xc0, 32, 8, 0, 0, 0, 1, 0, 0, 0, 2})},
	}
	for _, tc := range withdraws {
		t.Run("withdraw/"+tc.name, func(t *testing.T) {
			l.announceClean(t, x, y, p.String())
			x.update(wiretest.UpdateBody(nil, tc.attrs, []netip.Prefix{p}))
			labtest.Eventually(t, 10*time.Second, labtest.Named("withdrawn from y, the kernel and the RIB", func() error {
				if y.route(p.String()) != nil {
					return fmt.Errorf("y still has it")
				}
				if r := l.kernelRoute("ne", p.String()); r != "" {
					return fmt.Errorf("kernel: %s", r)
				}
				if rs, _ := bgpRoutes(c, p.String()); len(rs) > 0 {
					return fmt.Errorf("RIB: %+v", rs)
				}
				return nil
			}))
			if err := x.alive(); err != nil {
				t.Fatal(err)
			}
		})
	}

	discards := []struct {
		name  string
		attrs []byte
	}{
		{"ATOMIC_AGGREGATE of 1 octet", wiretest.Cat(good, []byte{0x40, 6, 1, 0})},
		{"AGGREGATOR of 5 octets", wiretest.Cat(good, []byte{0xc0, 7, 5, 0, 0, 1, 10, 0})},
		{"duplicate ORIGIN", wiretest.Cat(good, []byte{0x40, 1, 1, 2})},
	}
	for i, tc := range discards {
		t.Run("discard/"+tc.name, func(t *testing.T) {
			q := fmt.Sprintf("198.51.%d.0/24", 140+i)
			x.update(wiretest.UpdateBody(nil, tc.attrs, pfxs(q)))
			labtest.Eventually(t, 10*time.Second, labtest.Named("route stands", func() error {
				if y.route(q) == nil {
					return fmt.Errorf("y has no route")
				}
				return wantLine(l.kernelRoute("ne", q), "via 10.22.0.2", "proto bgp")
			}))
			if err := x.alive(); err != nil {
				t.Fatal(err)
			}
		})
	}
	checkAgentInvariant(t, l, "ne", c)
}

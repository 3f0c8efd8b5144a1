package bgp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing/bgp/wire"
)

type hookEvent struct {
	kind   string
	s      *Session
	u      *wire.Update
	reason string
}

type chanHooks struct{ ch chan hookEvent }

func (h chanHooks) established(s *Session, _ *wire.Open) { h.ch <- hookEvent{kind: "up", s: s} }
func (h chanHooks) update(s *Session, u *wire.Update)    { h.ch <- hookEvent{kind: "update", s: s, u: u} }
func (h chanHooks) refresh(s *Session)                   { h.ch <- hookEvent{kind: "refresh", s: s} }
func (h chanHooks) down(s *Session, r string)            { h.ch <- hookEvent{kind: "down", s: s, reason: r} }

func waitHook(t *testing.T, ch chan hookEvent, kind string) hookEvent {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e := <-ch:
			if e.kind == kind {
				return e
			}
		case <-deadline:
			t.Fatalf("no %q event", kind)
		}
	}
}

func testPeer(local, peer uint32, lid, pid string) PeerConfig {
	return PeerConfig{LocalAS: local, PeerAS: peer, LocalAddr: addr(lid), PeerAddr: addr(pid), RouterID: addr(lid),
		Hold: 3 * time.Second, Keepalive: time.Second, ConnectRetry: 50 * time.Millisecond}
}

// runSessions runs the sessions until the test ends.
func runSessions(t *testing.T, ss ...*Session) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Add(1)
		go func() { defer wg.Done(); s.Run(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// pipePair returns dialers that connect two sessions through net.Pipe.
func pipePair(a, b **Session) (Dialer, Dialer) {
	mk := func(other **Session) Dialer {
		return func(ctx context.Context, _, _ netip.Addr) (net.Conn, error) {
			x, y := bufPipe()
			(*other).Incoming(y)
			return x, nil
		}
	}
	return mk(b), mk(a)
}

func TestSessionEstablishes(t *testing.T) {
	for _, name := range []string{"both-active", "one-passive"} {
		t.Run(name, func(t *testing.T) {
			ha, hb := chanHooks{make(chan hookEvent, 16)}, chanHooks{make(chan hookEvent, 16)}
			var a, b *Session
			da, db := pipePair(&a, &b)
			a = newSession(testPeer(65001, 4200000001, "10.0.0.1", "10.0.0.2"), ha, da, hclog.NewNullLogger())
			cb := testPeer(4200000001, 65001, "10.0.0.2", "10.0.0.1")
			cb.Passive = name == "one-passive"
			b = newSession(cb, hb, db, hclog.NewNullLogger())
			runSessions(t, a, b)
			waitHook(t, ha.ch, "up")
			waitHook(t, hb.ch, "up")
			if !a.Options().AS4 || !b.Options().AS4 {
				t.Fatal("4-octet AS not negotiated")
			}
			// An UPDATE with a 4-octet ASN crosses.
			msg, _ := wire.EncodeMessage(&wire.Update{Attrs: &wire.PathAttrs{HasOrigin: true, HasASPath: true, NextHop: addr("10.0.0.2"),
				ASPath: wire.ASPath{{Type: wire.SegSequence, ASNs: []uint32{4200000001}}}}, NLRI: []netip.Prefix{pfx("10.9.0.0/16")}}, b.Options())
			if err := b.Send(msg); err != nil {
				t.Fatal(err)
			}
			u := waitHook(t, ha.ch, "update").u
			if u.Attrs.ASPath.First() != 4200000001 {
				t.Fatalf("path %v", u.Attrs.ASPath)
			}
			// Route refresh reaches the hook.
			rr, _ := wire.EncodeMessage(&wire.RouteRefresh{AFI: 1, SAFI: 1}, b.Options())
			b.Send(rr)
			waitHook(t, ha.ch, "refresh")
			// A reset drops and the sessions come back.
			a.Reset("test reset")
			waitHook(t, ha.ch, "down")
			waitHook(t, hb.ch, "down")
			waitHook(t, ha.ch, "up")
			waitHook(t, hb.ch, "up")
		})
	}
}

func TestHoldNegotiation(t *testing.T) {
	ha, hb := chanHooks{make(chan hookEvent, 16)}, chanHooks{make(chan hookEvent, 16)}
	var a, b *Session
	da, db := pipePair(&a, &b)
	ca := testPeer(65001, 65002, "10.0.0.1", "10.0.0.2")
	ca.Hold, ca.Keepalive = 9*time.Second, 3*time.Second
	cb := testPeer(65002, 65001, "10.0.0.2", "10.0.0.1")
	cb.Hold = 0
	a = newSession(ca, ha, da, hclog.NewNullLogger())
	b = newSession(cb, hb, db, hclog.NewNullLogger())
	runSessions(t, a, b)
	waitHook(t, ha.ch, "up")
	waitHook(t, hb.ch, "up")
	if a.hold != 0 || b.hold != 0 {
		t.Fatalf("hold %v/%v, want 0 (min of 9s and 0)", a.hold, b.hold)
	}
}

func TestCheckOpen(t *testing.T) {
	cfg := testPeer(65001, 65002, "10.0.0.1", "10.0.0.2")
	ibgp := testPeer(65001, 65001, "10.0.0.1", "10.0.0.2")
	big := testPeer(65001, 4200000001, "10.0.0.1", "10.0.0.2")
	good := func(asn uint32) *wire.Open { return wire.NewOpen(asn, 90, addr("10.0.0.2")) }
	cases := []struct {
		name string
		cfg  PeerConfig
		o    *wire.Open
		sub  uint8 // 0: accepted
	}{
		{"good", cfg, good(65002), 0},
		{"4-octet", big, good(4200000001), 0},
		{"2-octet only", cfg, &wire.Open{Version: 4, MyAS: 65002, HoldTime: 90, BGPID: addr("10.0.0.2")}, 0},
		{"hold 0", cfg, func() *wire.Open { o := good(65002); o.HoldTime = 0; return o }(), 0},
		{"version", cfg, func() *wire.Open { o := good(65002); o.Version = 3; return o }(), wire.ErrOpenUnsupportedVersion},
		{"wrong AS", cfg, good(65003), wire.ErrOpenBadPeerAS},
		{"4-octet expected, got trans only", big, &wire.Open{Version: 4, MyAS: wire.ASTrans, HoldTime: 90, BGPID: addr("10.0.0.2")}, wire.ErrOpenBadPeerAS},
		{"hold 1", cfg, func() *wire.Open { o := good(65002); o.HoldTime = 1; return o }(), wire.ErrOpenUnacceptableHold},
		{"hold 2", cfg, func() *wire.Open { o := good(65002); o.HoldTime = 2; return o }(), wire.ErrOpenUnacceptableHold},
		{"id zero", cfg, func() *wire.Open { o := good(65002); o.BGPID = addr("0.0.0.0"); return o }(), wire.ErrOpenBadBGPID},
		{"ibgp same id", ibgp, func() *wire.Open { o := good(65001); o.BGPID = addr("10.0.0.1"); return o }(), wire.ErrOpenBadBGPID},
		{"unknown param", cfg, func() *wire.Open { o := good(65002); o.OtherParams = []wire.OptParam{{Type: 7}}; return o }(), wire.ErrOpenUnsupportedOptParam},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckOpen(&c.cfg, c.o)
			if c.sub == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || err.Code != wire.ErrOpen || err.Subcode != c.sub {
				t.Fatalf("got %v, want 2/%d", err, c.sub)
			}
		})
	}
}

// TestBadOpenGetsNotification drives a session from a raw client over a
// pipe: a bad OPEN must be answered with the right NOTIFICATION.
func TestBadOpenGetsNotification(t *testing.T) {
	cases := []struct {
		name string
		open *wire.Open
		sub  uint8
	}{
		{"wrong AS", wire.NewOpen(65099, 90, addr("10.0.0.2")), wire.ErrOpenBadPeerAS},
		{"bad version", func() *wire.Open { o := wire.NewOpen(65002, 90, addr("10.0.0.2")); o.Version = 5; return o }(), wire.ErrOpenUnsupportedVersion},
		{"bad hold", wire.NewOpen(65002, 2, addr("10.0.0.2")), wire.ErrOpenUnacceptableHold},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := chanHooks{make(chan hookEvent, 16)}
			cfg := testPeer(65001, 65002, "10.0.0.1", "10.0.0.2")
			cfg.Passive = true
			s := newSession(cfg, h, nil, hclog.NewNullLogger())
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { s.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()
			x, y := bufPipe()
			defer x.Close()
			s.Incoming(y)
			x.SetDeadline(time.Now().Add(5 * time.Second))
			m, err := wire.ReadMessage(x, wire.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := m.(*wire.Open); !ok {
				t.Fatalf("first message %T", m)
			}
			b, _ := wire.EncodeMessage(c.open, wire.Options{})
			if _, err := x.Write(b); err != nil {
				t.Fatal(err)
			}
			for {
				m, err = wire.ReadMessage(x, wire.Options{})
				if err != nil {
					t.Fatalf("no NOTIFICATION: %v", err)
				}
				if n, ok := m.(*wire.Notification); ok {
					if n.Code != wire.ErrOpen || n.Subcode != c.sub {
						t.Fatalf("NOTIFICATION %v, want 2/%d", n, c.sub)
					}
					return
				}
			}
		})
	}
}

// TestCollision: both sides connect at once; exactly one session results
// on each side, also between eBGP speakers with the same BGP identifier
// (RFC 6286 §2.3: the larger AS decides).
func TestCollision(t *testing.T) {
	for _, ids := range [][2]string{{"10.0.0.1", "10.0.0.2"}, {"10.0.0.9", "10.0.0.9"}} {
		t.Run(ids[0]+"-"+ids[1], func(t *testing.T) { collide(t, ids[0], ids[1]) })
	}
}

func collide(t *testing.T, ida, idb string) {
	ha, hb := chanHooks{make(chan hookEvent, 64)}, chanHooks{make(chan hookEvent, 64)}
	var a, b *Session
	// Each dial hands the other side a pipe only after both have dialled,
	// so both connections exist at the same time.
	var mu sync.Mutex
	gate := make(chan struct{})
	n := 0
	mk := func(other **Session) Dialer {
		return func(ctx context.Context, _, _ netip.Addr) (net.Conn, error) {
			mu.Lock()
			n++
			if n == 2 {
				close(gate)
			}
			mu.Unlock()
			select {
			case <-gate:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			x, y := bufPipe()
			(*other).Incoming(y)
			return x, nil
		}
	}
	ca := testPeer(65001, 65002, "10.0.0.1", "10.0.0.2")
	cb := testPeer(65002, 65001, "10.0.0.2", "10.0.0.1")
	ca.ConnectRetry, cb.ConnectRetry = time.Second, time.Second
	ca.RouterID, cb.RouterID = addr(ida), addr(idb)
	a = newSession(ca, ha, mk(&b), hclog.NewNullLogger())
	b = newSession(cb, hb, mk(&a), hclog.NewNullLogger())
	runSessions(t, a, b)
	waitHook(t, ha.ch, "up")
	waitHook(t, hb.ch, "up")
	msg, _ := wire.EncodeMessage(&wire.Keepalive{}, wire.Options{})
	if err := a.Send(msg); err != nil {
		t.Fatal(err)
	}
	if a.State() != StateEstablished || b.State() != StateEstablished {
		t.Fatalf("states %v %v", a.State(), b.State())
	}
}

var _ = errors.New

// TestHoldTimerExpires: a peer that goes silent after OPEN/KEEPALIVE gets
// a Hold Timer Expired NOTIFICATION after the negotiated hold time (3 s).
func TestHoldTimerExpires(t *testing.T) {
	h := chanHooks{make(chan hookEvent, 16)}
	cfg := testPeer(65001, 65002, "10.0.0.1", "10.0.0.2")
	cfg.Passive = true
	s := newSession(cfg, h, nil, hclog.NewNullLogger())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	x, y := bufPipe()
	defer x.Close()
	s.Incoming(y)
	x.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := wire.ReadMessage(x, wire.Options{}); err != nil {
		t.Fatal(err)
	}
	msgs := make(chan wire.Message, 16)
	go func() {
		defer close(msgs)
		for {
			m, err := wire.ReadMessage(x, wire.Options{AS4: true})
			if err != nil {
				return
			}
			msgs <- m
		}
	}()
	for _, m := range []wire.Message{wire.NewOpen(65002, 3, addr("10.0.0.2")), &wire.Keepalive{}} {
		b, _ := wire.EncodeMessage(m, wire.Options{})
		x.Write(b)
	}
	waitHook(t, h.ch, "up")
	start := time.Now()
	for {
		m, ok := <-msgs
		if !ok {
			t.Fatal("no NOTIFICATION")
		}
		if n, ok := m.(*wire.Notification); ok {
			if n.Code != wire.ErrHoldTimer {
				t.Fatalf("NOTIFICATION %v", n)
			}
			if time.Since(start) < 2*time.Second {
				t.Fatalf("hold timer fired after %v, before the 3 s hold time", time.Since(start))
			}
			break
		}
	}
	if e := waitHook(t, h.ch, "down"); !strings.Contains(e.reason, "hold timer") {
		t.Fatalf("down reason %q", e.reason)
	}
}

func TestJitteredConnectRetry(t *testing.T) {
	d := 2 * time.Second
	seen := map[time.Duration]bool{}
	for range 200 {
		j := jittered(d)
		if j < d*3/4 || j > d {
			t.Fatalf("jittered(%s) = %s, want within [%s, %s]", d, j, d*3/4, d)
		}
		seen[j] = true
	}
	if len(seen) < 10 {
		t.Errorf("only %d distinct retry delays in 200: two speakers would retry in lockstep", len(seen))
	}
}

// TestConnectRetriesAfterLostSYNs: dials that time out (a silent link
// drops the SYNs) are retried until the link is back. A dial that gave
// up at the connect-retry deadline used to leave the session waiting in
// Connect for good.
func TestConnectRetriesAfterLostSYNs(t *testing.T) {
	ha, hb := chanHooks{make(chan hookEvent, 16)}, chanHooks{make(chan hookEvent, 16)}
	var a, b *Session
	da, db := pipePair(&a, &b)
	lossy := func(d Dialer) Dialer {
		var mu sync.Mutex
		lost := 4
		return func(ctx context.Context, l, r netip.Addr) (net.Conn, error) {
			mu.Lock()
			lose := lost > 0
			lost--
			mu.Unlock()
			if lose {
				<-ctx.Done()
				return nil, ctx.Err()
			}
			return d(ctx, l, r)
		}
	}
	a = newSession(testPeer(65001, 65002, "10.0.0.1", "10.0.0.2"), ha, lossy(da), hclog.NewNullLogger())
	b = newSession(testPeer(65002, 65001, "10.0.0.2", "10.0.0.1"), hb, lossy(db), hclog.NewNullLogger())
	runSessions(t, a, b)
	waitHook(t, ha.ch, "up")
	waitHook(t, hb.ch, "up")
}

package rip

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/fib"
)

// syncFIB is a fakeFIB safe for the daemon's goroutine and the test's.
type syncFIB struct {
	mu sync.Mutex
	f  fakeFIB
}

func (s *syncFIB) Replace(rs []fib.Route) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Replace(rs)
}
func (s *syncFIB) Delete(rs []fib.Route) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Delete(rs)
}
func (s *syncFIB) get(p string) (fib.Route, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.f.routes[netip.MustParsePrefix(p)]
	return r, ok
}

// chanTransport delivers a daemon's packets to its one peer.
type chanTransport struct {
	src  netip.AddrPort
	peer chan Datagram
	down func() bool
}

func (c chanTransport) Send(_ string, _ netip.AddrPort, b []byte) error {
	if c.down() {
		return nil
	}
	select {
	case c.peer <- Datagram{Iface: "eth0", Src: c.src, Data: append([]byte(nil), b...)}:
	default:
	}
	return nil
}

// TestDaemonsRealTime runs two daemons on real (short) timers, with link
// changes and status reads racing the protocol loop (run with -race).
func TestDaemonsRealTime(t *testing.T) {
	cfg := func(addr, lo string) Config {
		i := Interface{Name: "eth0", Addr: netip.MustParsePrefix(addr)}
		return Config{Interfaces: []Interface{i}, Connected: []Interface{i}, Originate: []netip.Prefix{netip.MustParsePrefix(lo)},
			Update: 200 * time.Millisecond, Timeout: 1200 * time.Millisecond, Garbage: 800 * time.Millisecond}
	}
	var mu sync.Mutex
	cut := false
	down := func() bool { mu.Lock(); defer mu.Unlock(); return cut }
	ab, ba := make(chan Datagram, 256), make(chan Datagram, 256)
	fa, fb := &syncFIB{f: fakeFIB{routes: map[netip.Prefix]fib.Route{}}}, &syncFIB{f: fakeFIB{routes: map[netip.Prefix]fib.Route{}}}
	log := hclog.NewNullLogger()
	a := NewWithTransport(cfg("10.0.0.1/30", "1.1.1.1/32"), log, chanTransport{netip.MustParseAddrPort("10.0.0.1:520"), ab, down}, ba, fa, routing.Discard{})
	b := NewWithTransport(cfg("10.0.0.2/30", "2.2.2.2/32"), log, chanTransport{netip.MustParseAddrPort("10.0.0.2:520"), ba, down}, ab, fb, routing.Discard{})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, d := range []*Daemon{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = d.Run(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })

	wait := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10s", what)
			}
			// Status reads race the loop on purpose.
			_ = a.Status()
			rec := httptest.NewRecorder()
			b.ServeHTTP(rec, httptest.NewRequest("GET", "/rip", nil))
			var st Status
			if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
				t.Fatalf("GET /rip: %v: %s", err, rec.Body.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	wait("a learns b's loopback", func() bool { r, ok := fa.get("2.2.2.2/32"); return ok && r.Metric == 2 })
	wait("b learns a's loopback", func() bool { r, ok := fb.get("1.1.1.1/32"); return ok && r.Metric == 2 })

	mu.Lock()
	cut = true
	mu.Unlock()
	a.LinkChanged(routing.LinkEvent{Index: 2, Name: "eth0", Up: false})
	wait("a withdraws at once on link down", func() bool { _, ok := fa.get("2.2.2.2/32"); return !ok })
	// b's carrier stays: only its timeout notices.
	wait("b times out", func() bool { _, ok := fb.get("1.1.1.1/32"); return !ok })

	mu.Lock()
	cut = false
	mu.Unlock()
	a.LinkChanged(routing.LinkEvent{Index: 2, Name: "eth0", Up: true})
	wait("a relearns after link up", func() bool { _, ok := fa.get("2.2.2.2/32"); return ok })
	wait("b relearns after link up", func() bool { _, ok := fb.get("1.1.1.1/32"); return ok })
	if st := a.Status(); len(st.Neighbours) != 1 || !st.Neighbours[0].Up {
		t.Errorf("a's neighbours: %+v", st.Neighbours)
	}
}

package bfd

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
)

// chanTr connects two daemons through channels, with real (short) timers.
type chanTr struct {
	src  netip.Addr
	to   chan<- Datagram
	mute *atomic.Bool
}

func (c chanTr) Send(k Key, b []byte) error {
	if c.mute.Load() {
		return nil
	}
	select {
	case c.to <- Datagram{Iface: "eth0", Src: netip.AddrPortFrom(c.src, 50000), Dst: k.Peer, TTL: TTL, Data: append([]byte(nil), b...)}:
	default: // a full queue is a lost packet
	}
	return nil
}

func (chanTr) Forget(Key) {}

func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDaemonWatch(t *testing.T) {
	toA, toB := make(chan Datagram, 64), make(chan Datagram, 64)
	var muteA atomic.Bool
	log := hclog.NewNullLogger()
	da := NewWithTransport(log, chanTr{src: addr("10.0.0.1"), to: toB, mute: &muteA}, toA, routing.Discard{})
	db := NewWithTransport(log, chanTr{src: addr("10.0.0.2"), to: toA, mute: new(atomic.Bool)}, toB, routing.Discard{})
	var mu sync.Mutex
	var seen []Change
	cl := &fakeClient{}
	cancelWatch := db.Watch(func(c Change) {
		mu.Lock()
		seen = append(seen, c)
		mu.Unlock()
		// Watchers run outside the daemon's lock: calling back is fine.
		_ = db.Status()
	})
	defer cancelWatch()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, d := range []*Daemon{da, db} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = d.Run(ctx) }()
	}
	defer func() { cancel(); wg.Wait() }()
	// Bound before the session exists, so no change can slip by.
	defer db.Bind(Key{Peer: addr("10.0.0.1"), Iface: "eth0"}, cl)()
	ka, err := da.Add(SessionConfig{Key: Key{Peer: addr("10.0.0.2"), Iface: "eth0"}, MinTx: 50 * time.Millisecond, MinRx: 50 * time.Millisecond, Multiplier: 5})
	if err != nil {
		t.Fatal(err)
	}
	kb, err := db.Add(SessionConfig{Key: Key{Peer: addr("10.0.0.1"), Iface: "eth0"}, MinTx: 50 * time.Millisecond, MinRx: 50 * time.Millisecond, Multiplier: 5})
	if err != nil {
		t.Fatal(err)
	}
	up := func(d *Daemon, k Key) func() bool {
		return func() bool { s, ok := d.Session(k); return ok && s.State == StateUp }
	}
	eventually(t, 10*time.Second, "a Up", up(da, ka))
	eventually(t, 10*time.Second, "b Up", up(db, kb))
	muteA.Store(true)
	eventually(t, 10*time.Second, "b Down", func() bool { s, _ := db.Session(kb); return s.State == StateDown })
	eventually(t, 10*time.Second, "watcher told", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) > 0 && seen[len(seen)-1].New == StateDown
	})
	mu.Lock()
	var states []State
	for _, c := range seen {
		states = append(states, c.New)
	}
	last := seen[len(seen)-1]
	mu.Unlock()
	if last.Diag != DiagControlDetectExpired || states[len(states)-2] != StateUp {
		t.Fatalf("watcher saw %v, last %+v", states, last)
	}
	// The client saw Up, then the failure (a loaded machine may have
	// flapped the session before: only the last two calls are certain).
	eventually(t, 10*time.Second, "client told", func() bool {
		cl.mu.Lock()
		defer cl.mu.Unlock()
		n := len(cl.calls)
		return n >= 2 && cl.calls[n-2] == "up 10.0.0.1" && cl.calls[n-1] == "down 10.0.0.1: BFD down: control detection time expired"
	})
	rec := httptest.NewRecorder()
	db.ServeHTTP(rec, httptest.NewRequest("GET", "/bfd", nil))
	var st Status
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatalf("status JSON: %v\n%s", err, rec.Body)
	}
	if len(st.Sessions) != 1 || st.Sessions[0].LastDownDiag != DiagControlDetectExpired || st.Sessions[0].Downs < 1 {
		t.Fatalf("status %s", rec.Body)
	}
}

type fakeClient struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeClient) BFDDown(p netip.Addr, why string) {
	f.mu.Lock()
	f.calls = append(f.calls, "down "+p.String()+": "+why)
	f.mu.Unlock()
}

func (f *fakeClient) BFDUp(p netip.Addr) {
	f.mu.Lock()
	f.calls = append(f.calls, "up "+p.String())
	f.mu.Unlock()
}

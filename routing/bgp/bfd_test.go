package bgp

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
)

// TestBFDDown: BFD's Down resets an Established session at once, long
// before its 90 s hold time, so the peer's routes leave the FIB; the
// session then comes back on its own. A Down for an unknown peer is a
// no-op.
func TestBFDDown(t *testing.T) {
	net := &pipeNet{by: map[netip.Addr]*Daemon{}}
	mk := func(asn, peerAS uint32, la, ra string, orig []netip.Prefix) (*Daemon, *fakeFIB) {
		f := newFakeFIB()
		pc := PeerConfig{Name: ra, LocalAS: asn, PeerAS: peerAS, LocalAddr: addr(la), PeerAddr: addr(ra), Iface: "eth0",
			Hold: 90 * time.Second, Keepalive: 30 * time.Second, ConnectRetry: 100 * time.Millisecond}
		d, err := newDaemon(Config{Node: la, ASN: asn, RouterID: addr(la), Peers: []PeerConfig{pc}, Originate: orig},
			hclog.NewNullLogger(), f, routing.Discard{}, nil, onLink{})
		if err != nil {
			t.Fatal(err)
		}
		d.dial = net.dialer(d)
		for _, p := range d.peers {
			p.sess.dial = d.dial
		}
		net.mu.Lock()
		net.by[addr(la)] = d
		net.mu.Unlock()
		return d, f
	}
	a, _ := mk(65001, 65002, "10.0.1.1", "10.0.1.2", []netip.Prefix{pfx("10.1.0.0/16")})
	b, fb := mk(65002, 65001, "10.0.1.2", "10.0.1.1", nil)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, d := range []*Daemon{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); d.runCore(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	have := func() bool { _, ok := fb.get(pfx("10.1.0.0/16")); return ok }
	waitFor(t, "A's prefix in B's FIB", have)
	b.BFDDown(addr("10.9.9.9"), "BFD down: nobody") // not a peer
	b.BFDDown(addr("10.0.1.1"), "BFD down: control detection time expired")
	waitFor(t, "A's prefix gone from B's FIB", func() bool { return !have() })
	if e := b.byAddr[addr("10.0.1.1")].sess.lastError.Load(); e != "BFD down: control detection time expired" {
		t.Errorf("session's last error %v", e)
	}
	waitFor(t, "A's prefix back in B's FIB", have)
}

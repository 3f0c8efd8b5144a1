package rip

import (
	"fmt"
	"net/netip"
	"syscall"
	"testing"
	"time"
)

// refusingTr is a transport whose kernel refuses sends while refuse says
// so (a full send buffer), counting what it refused.
type refusingTr struct {
	inner   Transport
	refuse  func() bool
	refused int
}

func (r *refusingTr) Send(iface string, dst netip.AddrPort, b []byte) error {
	if r.refuse() {
		r.refused++
		return fmt.Errorf("send: %w", syscall.ENOBUFS)
	}
	return r.inner.Send(iface, dst, b)
}

// refuseUntil makes router's sends fail until the clock reaches until.
func (n *fakeNet) refuseUntil(router string, until time.Time) *refusingTr {
	e := n.routers[router]
	r := &refusingTr{inner: e.tr, refuse: func() bool { return n.now.Before(until) }}
	e.tr = r
	return r
}

func TestSendRefusedIsRetried(t *testing.T) {
	n := line(t)
	// b's start-up burst (its requests, whole tables, triggered updates)
	// is refused for 300 ms: a and c must still learn through b well
	// before b's next periodic update (5 s ± 1/6), from the retries.
	r := n.refuseUntil("b", n.now.Add(300*time.Millisecond))
	start := n.now
	n.start()
	n.run(start.Add(time.Second))
	if r.refused == 0 {
		t.Fatal("the transport refused nothing: the test does not test retries")
	}
	n.wantRoute("a", "3.3.3.3/32", 3, "10.0.1.2")
	n.wantRoute("a", "2.2.2.2/32", 2, "10.0.1.2")
	n.wantRoute("c", "1.1.1.1/32", 3, "10.0.2.1")
	st := n.routers["b"].status(n.now)
	var errs uint64
	for _, i := range st.Interfaces {
		errs += i.SendErrors
		if i.Queued != 0 {
			t.Errorf("b %s: %d packets still queued after the kernel accepted again", i.Name, i.Queued)
		}
	}
	if errs != uint64(r.refused) {
		t.Errorf("b's status counts %d send errors, the transport refused %d", errs, r.refused)
	}
	// And it stays converged.
	n.run(n.now.Add(time.Minute))
	n.wantRoute("a", "3.3.3.3/32", 3, "10.0.1.2")
}

func TestSendRefusedLongBacklogBounded(t *testing.T) {
	n := line(t)
	// b cannot send for two minutes: its neighbours time it out, and its
	// backlog must not grow with every periodic update (a newer whole
	// table supersedes the queued ones), nor may retries spin.
	r := n.refuseUntil("b", n.now.Add(2*time.Minute))
	n.start()
	maxQueued, attempts := 0, 0
	for i := 0; i < 120; i++ {
		n.run(n.now.Add(time.Second))
		for _, s := range n.routers["b"].ifaces {
			maxQueued = max(maxQueued, len(s.out))
		}
	}
	attempts = r.refused
	// One whole table (one packet here), a request and a few triggered
	// updates per interface at most.
	if maxQueued > 8 {
		t.Errorf("b's backlog grew to %d packets", maxQueued)
	}
	// Backoff: at most ~1 attempt a second per interface once it reached
	// retryMax, plus the first doublings; never a busy loop.
	if attempts > 2*(120+10) {
		t.Errorf("%d refused attempts in 2 minutes: retries are not backing off", attempts)
	}
	n.wantNoRoute("a", "3.3.3.3/32")
	// The kernel accepts again: a and c learn through b within a second
	// (the queued table and request go out at the next retry).
	n.run(n.now.Add(1500 * time.Millisecond))
	n.wantRoute("a", "3.3.3.3/32", 3, "10.0.1.2")
	n.wantRoute("c", "1.1.1.1/32", 3, "10.0.2.1")
}

func TestSendBacklogPaced(t *testing.T) {
	n := newFakeNet(t)
	n.add("a", "1.1.1.1/32", map[string]string{"eth0": "10.0.1.1/30"})
	n.add("b", "2.2.2.2/32", map[string]string{"eth0": "10.0.1.2/30"})
	n.link("a", "eth0", "b", "eth0")
	// b originates 2,000 prefixes: 80 packets a table.
	b := n.routers["b"]
	for i := range 2000 {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{20, byte(i >> 8), byte(i), 0}), 24)
		b.cfg.Originate = append(b.cfg.Originate, p)
	}
	n.refuseUntil("b", n.now.Add(100*time.Millisecond))
	n.start()
	// Count b's packets per instant while its backlog drains.
	perInstant := map[time.Time]int{}
	inner := b.tr.(*refusingTr).inner
	b.tr.(*refusingTr).inner = countingTr{inner, func() { perInstant[n.now]++ }}
	n.run(n.now.Add(2 * time.Second))
	for at, c := range perInstant {
		if c > paceBurst+1 { // +1: a triggered update may join the round
			t.Errorf("%d packets at %v: the backlog is not paced", c, at.Sub(time.Unix(1_000_000, 0)))
		}
	}
	if _, ok := n.kernel("a", "20.7.207.0/24"); !ok {
		t.Fatal("a did not learn b's last prefix after the backlog drained")
	}
}

type countingTr struct {
	inner Transport
	count func()
}

func (c countingTr) Send(iface string, dst netip.AddrPort, b []byte) error {
	c.count()
	return c.inner.Send(iface, dst, b)
}

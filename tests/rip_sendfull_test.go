package tests

// Issue 18: a RIP router whose outgoing packets the kernel drops (its
// device queue full, as in a big lab's start-up burst) must still get its
// whole table across. A tbf queue of ~5 packets on n1's eth1 drops the
// tail of every 16-packet table n1 sends; before the fix those drops
// were silent (counted only in SndbufErrors) and the same tail was lost
// at every periodic update, forever.
//
//	n1 eth1 10.9.2.1/30 (tbf 64 kbit, 3000 bytes) ── eth0 10.9.2.2/30 n2

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/tests/labtest"
)

func TestRIPSendQueueFull(t *testing.T) {
	l := newRIPLab(t, "ripsq")
	l.node("n1", "10.255.12.1/32")
	l.node("n2", "10.255.12.2/32")
	l.link("n1", "eth1", "10.9.2.1/30", "n2", "eth0", "10.9.2.2/30")
	// Before the agent starts: its very first burst meets the full queue.
	l.net.Run("n1", "tc", "qdisc", "add", "dev", "eth1", "root", "tbf", "rate", "64kbit", "burst", "2kb", "limit", "3000")
	cfg := ripAgentConfig("10.255.12.1/32", nil, "eth1=10.9.2.1/30")
	const extra = 400 // 16 packets a table with the loopback
	for i := range extra {
		cfg.RIP.Originate = append(cfg.RIP.Originate, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 200 + byte(i/256), byte(i), 0}), 24))
	}
	c1 := l.agent("n1", cfg)
	l.agent("n2", ripAgentConfig("10.255.12.2/32", nil, "eth0=10.9.2.2/30"))

	labtest.Eventually(t, 60*time.Second, labtest.Named("n2 has every prefix of n1 in its kernel", func() error {
		out := l.net.IP("n2", "route", "show", "proto", "rip")
		n := 0
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, "via 10.9.2.1") {
				n++
			}
		}
		if n < extra+1 {
			return fmt.Errorf("%d of %d routes via n1", n, extra+1)
		}
		return nil
	}))
	// The last prefix of the table (the tail a full queue dropped).
	if err := wantLine(l.kernelRoute("n2", "10.201.143.0/24"), "via 10.9.2.1", "proto rip"); err != nil {
		t.Error(err)
	}
	st, err := c1.RIP(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range st.Interfaces {
		if i.Name == "eth1" && i.SendErrors == 0 {
			t.Errorf("n1 eth1: no send errors counted: the queue did not refuse, the test tests nothing (%+v)", i)
		}
	}
}

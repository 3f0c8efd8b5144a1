package rip

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/fib"
)

type nullTr struct{}

func (nullTr) Send(string, netip.AddrPort, []byte) error { return nil }

// BenchmarkLearn10k feeds a full table of 10,000 routes (400 packets) into
// a fresh engine, as the ripbench feeder does, without the kernel.
func BenchmarkLearn10k(b *testing.B) {
	const n = 10000
	var pkts [][]byte
	for i := 0; i < n; i += MaxEntries {
		p := &Packet{Command: Response, Version: 2}
		for j := i; j < i+MaxEntries && j < n; j++ {
			p.Entries = append(p.Entries, entry(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(j / 256), byte(j), 0}), 24).String(), "", 1, 0))
		}
		pkts = append(pkts, Encode(p))
	}
	i := Interface{Name: "eth0", Addr: netip.MustParsePrefix("192.168.0.2/30")}
	cfg := Config{Interfaces: []Interface{i}, Connected: []Interface{i}, Update: 5 * time.Second, Timeout: 30 * time.Second, Garbage: 20 * time.Second}
	src := netip.MustParseAddrPort("192.168.0.1:520")
	b.ReportAllocs()
	for k := 0; k < b.N; k++ {
		e := newEngine(cfg, hclog.NewNullLogger(), nullTr{}, &fakeFIB{routes: map[netip.Prefix]fib.Route{}}, routing.Discard{}, 1)
		now := time.Unix(1000, 0)
		e.start(now)
		for _, p := range pkts {
			now = now.Add(100 * time.Microsecond)
			e.handle(now, Datagram{Iface: "eth0", Src: src, Data: p})
			e.afterInput(now)
			_ = e.next()
		}
		if len(e.routes) != n+1 {
			b.Fatalf("%d routes", len(e.routes))
		}
	}
}

package bgp

import (
	"net/netip"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/bgp/wire"
	"github.com/netemu/netemu/routing/fib"
)

type nopFIB struct{}

func (nopFIB) Replace([]fib.Route) error { return nil }
func (nopFIB) Delete([]fib.Route) error  { return nil }

// BenchmarkLoad100k measures the daemon's own cost of taking in 100,000
// prefixes from one eBGP peer (decode excluded) and flushing them towards
// the kernel (a FIB that does nothing) and a second peer.
func BenchmarkLoad100k(b *testing.B) {
	const n = 100000
	var prefixes []netip.Prefix
	for i := range n {
		prefixes = append(prefixes, netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(16 + i/65536), byte(i / 256), byte(i), 0}), 24))
	}
	attrs := &wire.PathAttrs{HasOrigin: true, HasASPath: true, ASPath: seq(65002), NextHop: addr("10.0.0.2")}
	for b.Loop() {
		pc := PeerConfig{Name: "p", LocalAS: 65001, PeerAS: 65002, LocalAddr: addr("10.0.0.1"), PeerAddr: addr("10.0.0.2")}
		d, err := newDaemon(Config{Node: "x", ASN: 65001, RouterID: addr("10.0.0.1"), Peers: []PeerConfig{pc}},
			hclog.NewNullLogger(), nopFIB{}, routing.Discard{}, nil, onLink{})
		if err != nil {
			b.Fatal(err)
		}
		p := d.peers[0]
		d.established(p.sess, &wire.Open{BGPID: addr("10.0.0.2")})
		for i := 0; i < n; i += 800 {
			d.mu.Lock()
			d.applyUpdate(p, &wire.Update{Attrs: attrs, NLRI: prefixes[i:min(i+800, n)]})
			d.mu.Unlock()
		}
		d.flush()
	}
}

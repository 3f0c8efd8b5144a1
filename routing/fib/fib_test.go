package fib

import (
	"net/netip"
	"testing"
)

// The Writer's compact bookkeeping must give back exactly the route it
// was made from.
func TestEntryRoundTrip(t *testing.T) {
	for _, r := range []Route{
		{Prefix: netip.MustParsePrefix("10.1.2.0/24"), Gateway: netip.MustParseAddr("10.0.0.1"), LinkIndex: 3, Metric: 20, Protocol: ProtoBGP},
		{Prefix: netip.MustParsePrefix("10.1.2.0/24"), LinkIndex: 7, Protocol: ProtoRIP},
		{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("192.0.2.1"), Metric: 200, Protocol: ProtoBGP},
		{Prefix: netip.MustParsePrefix("2001:db8::/32"), Gateway: netip.MustParseAddr("2001:db8::1"), LinkIndex: 3, Metric: 1, Protocol: ProtoRIP},
		{Prefix: netip.MustParsePrefix("::/0"), Protocol: ProtoRIP},
	} {
		k := keyOf(r.Protocol, r.Prefix)
		if got := entryOf(r).route(k); got != r {
			t.Errorf("round trip of %v gave %v", r, got)
		}
		if keyOf(r.Protocol, r.Prefix) == keyOf(r.Protocol+1, r.Prefix) {
			t.Errorf("%v: protocols share a key", r)
		}
	}
	// An IPv4 prefix and its IPv4-mapped IPv6 form are different routes.
	if keyOf(ProtoRIP, netip.MustParsePrefix("10.0.0.0/8")) == keyOf(ProtoRIP, netip.MustParsePrefix("::ffff:10.0.0.0/8")) {
		t.Error("v4 and v4-mapped v6 share a key")
	}
}

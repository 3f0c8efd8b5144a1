package bgp

import (
	"net/netip"

	"github.com/netemu/netemu/routing/bgp/wire/wiretest"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

// Hand-laid wire bytes, shared with the codec's tests.
var (
	updateBody = wiretest.UpdateBody
	cat        = wiretest.Cat
	aOrigin    = wiretest.Origin
	aPath      = wiretest.ASPath
	aNextHop   = wiretest.NextHop
)

package nodes

import (
	"net"
	"net/netip"
)

type netipAddr = netip.Addr

// prefixNet converts a prefix (address with its length) to the net.IPNet
// netlink wants, keeping the host bits: 10.0.1.1/24 stays .1.
func prefixNet(p netip.Prefix) *net.IPNet {
	a := p.Addr()
	return &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(p.Bits(), a.BitLen())}
}

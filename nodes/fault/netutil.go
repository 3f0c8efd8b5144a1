package fault

import (
	"net"
	"net/netip"
)

// prefixNet converts a prefix to the *net.IPNet netlink wants.
func prefixNet(p netip.Prefix) *net.IPNet {
	p = p.Masked()
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// netipHost is the host prefix (/32 or /128) of a.
func netipHost(a netip.Addr) netip.Prefix {
	return netip.PrefixFrom(a, a.BitLen())
}

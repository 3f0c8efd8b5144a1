package nodes

import (
	"net/netip"
	"strconv"
)

// KernelRoute is one IPv4 route of a node's kernel table, as `ip route`
// shows it.
type KernelRoute struct {
	Dst      netip.Prefix `json:"dst"`
	Gateway  netip.Addr   `json:"gateway,omitzero"`
	Dev      string       `json:"dev,omitempty"`
	Protocol string       `json:"protocol"`
	Metric   int          `json:"metric,omitempty"`
	Scope    string       `json:"scope,omitempty"`
	Src      netip.Addr   `json:"src,omitzero"`
	Type     string       `json:"type,omitempty"` // "" for unicast; blackhole, unreachable, …
	Table    int          `json:"table"`
}

// ProtocolName names a route protocol number as iproute2's rt_protos does,
// so `netemu routes` reads like `ip route`.
func ProtocolName(p int) string {
	switch p {
	case 0:
		return "unspec"
	case 1:
		return "redirect"
	case 2:
		return "kernel"
	case 3:
		return "boot"
	case 4:
		return "static"
	case 11:
		return "zebra"
	case 12:
		return "bird"
	case 186:
		return "bgp"
	case 187:
		return "isis"
	case 188:
		return "ospf"
	case 189:
		return "rip"
	case 192:
		return "eigrp"
	}
	return strconv.Itoa(p)
}

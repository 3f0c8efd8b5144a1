package nodes

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Routes reads a node's IPv4 routes from every table but the local one,
// through a netlink handle bound to its namespace.
func Routes(st *State, node string) ([]KernelRoute, error) {
	if _, err := st.Node(node); err != nil {
		return nil, err
	}
	h, err := nsHandle(st.Lab, node)
	if err != nil {
		return nil, err
	}
	defer h.Close()

	filter := &netlink.Route{Table: unix.RT_TABLE_UNSPEC}
	var nrs []netlink.Route
	for try := 0; ; try++ {
		nrs, err = h.RouteListFiltered(unix.AF_INET, filter, netlink.RT_FILTER_TABLE)
		if !errors.Is(err, netlink.ErrDumpInterrupted) || try == 4 {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("node %q: list routes: %w", node, err)
	}
	names := map[int]string{}
	out := make([]KernelRoute, 0, len(nrs))
	for _, r := range nrs {
		if r.Table == unix.RT_TABLE_LOCAL {
			continue
		}
		kr := KernelRoute{
			Protocol: ProtocolName(int(r.Protocol)),
			Metric:   r.Priority,
			Table:    r.Table,
			Type:     routeType(r.Type),
		}
		if r.Dst != nil {
			if p, ok := netip.AddrFromSlice(r.Dst.IP); ok {
				ones, _ := r.Dst.Mask.Size()
				kr.Dst = netip.PrefixFrom(p.Unmap(), ones)
			}
		} else {
			kr.Dst = netip.MustParsePrefix("0.0.0.0/0")
		}
		if a, ok := netip.AddrFromSlice(r.Gw); ok {
			kr.Gateway = a.Unmap()
		}
		if a, ok := netip.AddrFromSlice(r.Src); ok {
			kr.Src = a.Unmap()
		}
		if r.Scope == netlink.SCOPE_LINK {
			kr.Scope = "link"
		}
		if r.LinkIndex > 0 {
			name, ok := names[r.LinkIndex]
			if !ok {
				if l, err := h.LinkByIndex(r.LinkIndex); err == nil {
					name = l.Attrs().Name
				}
				names[r.LinkIndex] = name
			}
			kr.Dev = name
		}
		out = append(out, kr)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Table != out[j].Table {
			// The main table first, then policy tables in order.
			return tableRank(out[i].Table) < tableRank(out[j].Table)
		}
		a, b := out[i].Dst, out[j].Dst
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c < 0
		}
		return a.Bits() < b.Bits()
	})
	return out, nil
}

func tableRank(t int) int {
	if t == unix.RT_TABLE_MAIN {
		return -1
	}
	return t
}

func routeType(t int) string {
	switch t {
	case unix.RTN_UNICAST:
		return ""
	case unix.RTN_BLACKHOLE:
		return "blackhole"
	case unix.RTN_UNREACHABLE:
		return "unreachable"
	case unix.RTN_PROHIBIT:
		return "prohibit"
	case unix.RTN_LOCAL:
		return "local"
	case unix.RTN_BROADCAST:
		return "broadcast"
	}
	return fmt.Sprintf("type-%d", t)
}

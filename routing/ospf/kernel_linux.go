package ospf

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Kernel route attributes: iproute2 names protocol 188 "ospf"; the
// priority is FRR's for OSPF routes, so `ip route` reads the same.
const (
	ProtoOSPF     = 188
	RoutePriority = 20
)

// NetlinkKernel writes OSPF routes, multipath ones included, into the
// main table of the network namespace it was made in.
type NetlinkKernel struct {
	h *netlink.Handle
}

// NewKernel opens a netlink handle in the current network namespace.
func NewKernel() (*NetlinkKernel, error) {
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("ospf: netlink handle: %w", err)
	}
	return &NetlinkKernel{h: h}, nil
}

// Close releases the handle.
func (k *NetlinkKernel) Close() { k.h.Close() }

func (k *NetlinkKernel) index(name string) (int, error) {
	l, err := k.h.LinkByName(name)
	if err != nil {
		return 0, fmt.Errorf("interface %s: %w", name, err)
	}
	return l.Attrs().Index, nil
}

func ipnet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), 32)}
}

// Replace installs or replaces routes, one multipath route per prefix.
func (k *NetlinkKernel) Replace(routes []Route) error {
	var errs []error
	for _, r := range routes {
		nr := &netlink.Route{Dst: ipnet(r.Prefix), Protocol: ProtoOSPF, Priority: RoutePriority, Table: unix.RT_TABLE_MAIN}
		var hops []*netlink.NexthopInfo
		for _, h := range r.NextHops {
			idx, err := k.index(h.Iface)
			if err != nil {
				errs = append(errs, fmt.Errorf("route %s: %w", r.Prefix, err))
				continue
			}
			nh := &netlink.NexthopInfo{LinkIndex: idx}
			if h.Addr.IsValid() {
				nh.Gw = h.Addr.AsSlice()
			}
			hops = append(hops, nh)
		}
		switch len(hops) {
		case 0:
			continue
		case 1:
			nr.LinkIndex, nr.Gw = hops[0].LinkIndex, hops[0].Gw
		default:
			nr.MultiPath = hops
		}
		if err := k.h.RouteReplace(nr); err != nil {
			errs = append(errs, fmt.Errorf("replace %s: %w", r.Prefix, err))
		}
	}
	return errors.Join(errs...)
}

// Delete removes the OSPF routes of prefixes; absent ones are no error.
func (k *NetlinkKernel) Delete(prefixes []netip.Prefix) error {
	var errs []error
	for _, p := range prefixes {
		nr := &netlink.Route{Dst: ipnet(p), Protocol: ProtoOSPF, Priority: RoutePriority, Table: unix.RT_TABLE_MAIN}
		if err := k.h.RouteDel(nr); err != nil && !errors.Is(err, unix.ESRCH) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("delete %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

package converge

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/nodes/labpath"
)

// KernelTables looks routes up in the lab's namespaces through netlink
// handles bound to each, never entering a namespace with a thread.
type KernelTables struct {
	lab     string
	handles map[string]*inns.Handle
}

// NewKernelTables reads the tables of lab's namespaces on this machine.
// Close releases the handles.
func NewKernelTables(lab string) *KernelTables {
	return &KernelTables{lab: lab, handles: map[string]*inns.Handle{}}
}

// Close releases every handle.
func (k *KernelTables) Close() {
	for _, h := range k.handles {
		h.Close()
	}
	k.handles = map[string]*inns.Handle{}
}

func (k *KernelTables) handle(node string) (*netlink.Handle, error) {
	if h, ok := k.handles[node]; ok {
		return h.Handle, nil
	}
	h, err := inns.Open(labpath.NetnsPath(k.lab, node))
	if err != nil {
		return nil, fmt.Errorf("node %q: %w", node, err)
	}
	k.handles[node] = h
	return h.Handle, nil
}

// RouteGet implements Tables.
func (k *KernelTables) RouteGet(node string, dst netip.Addr, iif string, src netip.Addr) (Lookup, error) {
	h, err := k.handle(node)
	if err != nil {
		return Lookup{}, err
	}
	var opts *netlink.RouteGetOptions
	if iif != "" {
		opts = &netlink.RouteGetOptions{Iif: iif}
		if src.IsValid() {
			opts.SrcAddr = net.IP(src.AsSlice())
		}
	}
	routes, err := h.RouteGetWithOptions(net.IP(dst.AsSlice()), opts)
	if err != nil {
		// The kernel answers a lookup that ends in a drop with an error.
		if d := dropReason(err); d != "" {
			return Lookup{Drop: d}, nil
		}
		return Lookup{}, err
	}
	if len(routes) == 0 {
		return Lookup{Drop: "no route"}, nil
	}
	r := routes[0]
	var lk Lookup
	if a, ok := netip.AddrFromSlice(r.Src); ok {
		lk.Src = a.Unmap()
	}
	switch r.Type {
	case unix.RTN_LOCAL:
		lk.Local = true
		return lk, nil
	case unix.RTN_BLACKHOLE:
		lk.Drop = "blackhole"
		return lk, nil
	case unix.RTN_UNREACHABLE:
		lk.Drop = "unreachable"
		return lk, nil
	case unix.RTN_PROHIBIT:
		lk.Drop = "prohibited"
		return lk, nil
	}
	if a, ok := netip.AddrFromSlice(r.Gw); ok {
		lk.Gateway = a.Unmap()
	}
	link, err := h.LinkByIndex(r.LinkIndex)
	if err != nil {
		return Lookup{}, fmt.Errorf("node %q: interface %d: %w", node, r.LinkIndex, err)
	}
	lk.OutIface = link.Attrs().Name
	if lk.OutIface == "lo" {
		lk.Local = true
	}
	return lk, nil
}

func dropReason(err error) string {
	switch {
	case errors.Is(err, unix.ENETUNREACH):
		return "no route"
	case errors.Is(err, unix.EHOSTUNREACH):
		return "unreachable"
	case errors.Is(err, unix.EINVAL):
		return "blackhole"
	case errors.Is(err, unix.EACCES):
		return "prohibited"
	case errors.Is(err, unix.EXDEV):
		return "reverse-path filter"
	}
	return ""
}

package fib

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// dumpRetries bounds how often a dump interrupted by concurrent changes
// (netlink.ErrDumpInterrupted) is retried before its partial result is used.
const dumpRetries = 5

// Writer installs routes into the main table of the current network
// namespace. It remembers what it installed per protocol and prefix, so a
// route whose metric changes is moved, not duplicated. Safe for concurrent
// use by several daemons.
type Writer struct {
	log    hclog.Logger
	events routing.Emitter
	h      *netlink.Handle

	mu        sync.Mutex // guards installed
	installed map[key]Route
}

// New opens a netlink handle in the current namespace and adopts the routes
// of our protocols already in the main table (left by a previous agent), so
// later changes replace them instead of adding beside them.
func New(log hclog.Logger, events routing.Emitter) (*Writer, error) {
	if events == nil {
		events = routing.Discard{}
	}
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("fib: netlink handle: %w", err)
	}
	w := &Writer{log: log.Named("fib"), events: events, h: h, installed: map[key]Route{}}
	for _, p := range []int{ProtoRIP, ProtoBGP} {
		rs, err := w.List(p)
		if err != nil {
			h.Close()
			return nil, err
		}
		for _, r := range rs {
			w.installed[key{p, r.Prefix}] = r
		}
	}
	return w, nil
}

// Close releases the netlink handle. Routes stay in the kernel.
func (w *Writer) Close() { w.h.Close() }

func toNetlink(r Route) *netlink.Route {
	nr := &netlink.Route{
		Dst:       &net.IPNet{IP: r.Prefix.Addr().AsSlice(), Mask: net.CIDRMask(r.Prefix.Bits(), r.Prefix.Addr().BitLen())},
		LinkIndex: r.LinkIndex,
		Priority:  r.Metric,
		Protocol:  netlink.RouteProtocol(r.Protocol),
		Table:     unix.RT_TABLE_MAIN,
	}
	if r.Gateway.IsValid() {
		nr.Gw = r.Gateway.AsSlice()
	}
	if r.Prefix.Addr().Is4() {
		nr.Family = unix.AF_INET
	} else {
		nr.Family = unix.AF_INET6
	}
	return nr
}

// Replace installs or updates routes; see FIB.
func (w *Writer) Replace(routes []Route) error {
	var errs []error
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range routes {
		r.Prefix = r.Prefix.Masked()
		k := key{r.Protocol, r.Prefix}
		old, had := w.installed[k]
		if had && old == r {
			continue
		}
		if err := w.h.RouteReplace(toNetlink(r)); err != nil {
			errs = append(errs, fmt.Errorf("fib: replace %s: %w", r, err))
			continue
		}
		// The kernel keys routes by priority too: a new metric made a
		// second route, so the old one goes after the new is in place.
		if had && old.Metric != r.Metric {
			if err := w.h.RouteDel(toNetlink(old)); err != nil && !errors.Is(err, unix.ESRCH) {
				errs = append(errs, fmt.Errorf("fib: remove old %s: %w", old, err))
			}
		}
		w.installed[k] = r
		w.events.Emit(routing.Event{Daemon: "fib", Kind: routing.EventFIBInstall, Prefix: r.Prefix, Peer: r.Gateway,
			Detail: fmt.Sprintf("proto %d metric %d", r.Protocol, r.Metric)})
	}
	return errors.Join(errs...)
}

// Delete removes routes; see FIB.
func (w *Writer) Delete(routes []Route) error {
	var errs []error
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range routes {
		r.Prefix = r.Prefix.Masked()
		k := key{r.Protocol, r.Prefix}
		if old, had := w.installed[k]; had {
			r = old
		}
		// Only Dst, protocol and (when known) priority: the kernel then
		// deletes our route and never another protocol's.
		nr := toNetlink(Route{Prefix: r.Prefix, Metric: r.Metric, Protocol: r.Protocol})
		err := w.h.RouteDel(nr)
		delete(w.installed, k)
		if err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("fib: delete %s: %w", r, err))
			continue
		}
		w.events.Emit(routing.Event{Daemon: "fib", Kind: routing.EventFIBRemove, Prefix: r.Prefix,
			Detail: fmt.Sprintf("proto %d", r.Protocol)})
	}
	return errors.Join(errs...)
}

// List dumps the main table's routes of one protocol.
func (w *Writer) List(proto int) ([]Route, error) {
	filter := &netlink.Route{Table: unix.RT_TABLE_MAIN, Protocol: netlink.RouteProtocol(proto)}
	var nrs []netlink.Route
	var err error
	for i := 0; i < dumpRetries; i++ {
		nrs, err = w.h.RouteListFiltered(unix.AF_INET, filter, netlink.RT_FILTER_TABLE|netlink.RT_FILTER_PROTOCOL)
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil, fmt.Errorf("fib: list proto %d: %w", proto, err)
	}
	out := make([]Route, 0, len(nrs))
	for _, nr := range nrs {
		r := Route{LinkIndex: nr.LinkIndex, Metric: nr.Priority, Protocol: int(nr.Protocol)}
		if nr.Dst != nil {
			a, ok := netip.AddrFromSlice(nr.Dst.IP)
			if !ok {
				continue
			}
			ones, _ := nr.Dst.Mask.Size()
			r.Prefix = netip.PrefixFrom(a.Unmap(), ones)
		} else {
			r.Prefix = netip.MustParsePrefix("0.0.0.0/0")
		}
		if nr.Gw != nil {
			if g, ok := netip.AddrFromSlice(nr.Gw); ok {
				r.Gateway = g.Unmap()
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// Flush deletes every route of proto from the main table.
func (w *Writer) Flush(proto int) error {
	rs, err := w.List(proto)
	if err != nil {
		return err
	}
	return w.Delete(rs)
}

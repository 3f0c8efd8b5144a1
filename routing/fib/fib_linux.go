package fib

import (
	"errors"
	"fmt"
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
	// b sends route changes many to a datagram and collects the
	// acknowledgements after, instead of one round trip per route.
	b *batcher

	mu        sync.Mutex // guards installed and b
	installed map[key]entry
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
	b, err := newBatcher()
	if err != nil {
		h.Close()
		return nil, err
	}
	w := &Writer{log: log.Named("fib"), events: events, h: h, b: b, installed: map[key]entry{}}
	for _, p := range []int{ProtoRIP, ProtoBGP} {
		rs, err := w.List(p)
		if err != nil {
			h.Close()
			return nil, err
		}
		for _, r := range rs {
			w.installed[keyOf(p, r.Prefix)] = entryOf(r)
		}
	}
	return w, nil
}

// Close releases the netlink sockets. Routes stay in the kernel.
func (w *Writer) Close() {
	w.h.Close()
	w.b.close()
}

// Replace installs or updates routes; see FIB.
func (w *Writer) Replace(routes []Route) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	todo := make([]Route, 0, len(routes))
	var olds []Route
	for _, r := range routes {
		r.Prefix = r.Prefix.Masked()
		if old, had := w.installed[keyOf(r.Protocol, r.Prefix)]; had && old == entryOf(r) {
			continue
		}
		todo = append(todo, r)
	}
	errs := w.b.run(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_REPLACE, todo)
	var out []error
	for i, r := range todo {
		if errs[i] != nil {
			out = append(out, &RouteError{Op: "replace", Route: r, Err: errs[i]})
			continue
		}
		k := keyOf(r.Protocol, r.Prefix)
		// The kernel keys routes by priority too: a new metric made a
		// second route, so the old one goes once the new is in place.
		if old, had := w.installed[k]; had && int(old.metric) != r.Metric {
			olds = append(olds, old.route(k))
		}
		w.installed[k] = entryOf(r)
		w.events.Emit(routing.Event{Daemon: "fib", Kind: routing.EventFIBInstall, Prefix: r.Prefix, Peer: r.Gateway,
			Detail: fmt.Sprintf("proto %d metric %d", r.Protocol, r.Metric)})
	}
	for i, err := range w.b.run(unix.RTM_DELROUTE, 0, olds) {
		if err != nil && !errors.Is(err, unix.ESRCH) {
			out = append(out, &RouteError{Op: "remove old", Route: olds[i], Err: err})
		}
	}
	return errors.Join(out...)
}

// Delete removes routes; see FIB.
func (w *Writer) Delete(routes []Route) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	todo := make([]Route, 0, len(routes))
	for _, r := range routes {
		r.Prefix = r.Prefix.Masked()
		k := keyOf(r.Protocol, r.Prefix)
		m := 0
		if old, had := w.installed[k]; had {
			m = int(old.metric)
		}
		// Only Dst, protocol and (when known) priority: the kernel then
		// deletes our route and never another protocol's.
		todo = append(todo, Route{Prefix: r.Prefix, Metric: m, Protocol: r.Protocol})
		delete(w.installed, k)
	}
	var out []error
	for i, err := range w.b.run(unix.RTM_DELROUTE, 0, todo) {
		if err != nil && !errors.Is(err, unix.ESRCH) {
			out = append(out, &RouteError{Op: "delete", Route: todo[i], Err: err})
			continue
		}
		w.events.Emit(routing.Event{Daemon: "fib", Kind: routing.EventFIBRemove, Prefix: todo[i].Prefix,
			Detail: fmt.Sprintf("proto %d", todo[i].Protocol)})
	}
	return errors.Join(out...)
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

package routewatch

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/hashicorp/go-hclog"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/routing"
)

// Run writes every kernel route change of the current network namespace
// to events until ctx ends, starting with a "start" event once subscribed
// (what `up` waits for before starting the routing daemons). It returns
// an error when the subscription breaks (its supervisor restarts it): a
// gap in the timeline is better than a watcher that silently stopped.
func Run(ctx context.Context, events routing.Emitter, log hclog.Logger) error {
	done := make(chan struct{})
	defer close(done)
	updates := make(chan netlink.RouteUpdate, 4096)
	broken := make(chan error, 1)
	err := netlink.RouteSubscribeWithOptions(updates, done, netlink.RouteSubscribeOptions{
		// A table load is thousands of routes at once.
		ReceiveBufferSize:      4 << 20,
		ReceiveBufferForceSize: true,
		ErrorCallback: func(err error) {
			select {
			case <-done: // closing the socket at shutdown is no error
			case broken <- err:
			default:
			}
		},
	})
	if err != nil {
		return fmt.Errorf("routewatch: subscribe to route updates: %w", err)
	}
	names := map[int]string{}
	events.Emit(routing.Event{Daemon: Daemon, Kind: routing.EventStart, Detail: "watching kernel routes"})
	log.Info("watching kernel routes")
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-broken:
			return fmt.Errorf("routewatch: route updates: %w", err)
		case u, ok := <-updates:
			if !ok {
				return errors.New("routewatch: route updates ended")
			}
			if e, ok := EventFor(u.Type == unix.RTM_NEWROUTE, routeOf(u.Route, names)); ok {
				events.Emit(e)
			}
		}
	}
}

// routeOf converts a netlink route; names caches interface names by index
// (a lab's interfaces are not renamed while it runs).
func routeOf(nr netlink.Route, names map[int]string) Route {
	r := Route{Table: nr.Table, Protocol: int(nr.Protocol), ProtoName: nr.Protocol.String(), Metric: nr.Priority}
	if r.ProtoName == fmt.Sprint(r.Protocol) {
		r.ProtoName = ""
	}
	if nr.Dst != nil {
		if a, ok := netip.AddrFromSlice(nr.Dst.IP); ok {
			ones, _ := nr.Dst.Mask.Size()
			r.Dst = netip.PrefixFrom(a.Unmap(), ones)
		}
	} else if nr.Family == unix.AF_INET {
		r.Dst = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
	}
	gw, idx := nr.Gw, nr.LinkIndex
	if gw == nil && len(nr.MultiPath) > 0 {
		gw, idx = nr.MultiPath[0].Gw, nr.MultiPath[0].LinkIndex
	}
	if a, ok := netip.AddrFromSlice(gw); ok {
		r.Gateway = a.Unmap()
	}
	if idx > 0 {
		if _, ok := names[idx]; !ok {
			if l, err := netlink.LinkByIndex(idx); err == nil {
				names[idx] = l.Attrs().Name
			}
		}
		r.Iface = names[idx]
	}
	return r
}

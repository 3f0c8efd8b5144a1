package bgp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/netemu/netemu/routing/fib"
	"github.com/vishvananda/netlink"
)

// platformStart opens the listener and the kernel route watcher in the
// current network namespace (the agent runs inside the router's).
func (d *Daemon) platformStart(ctx context.Context, wg *sync.WaitGroup) error {
	if d.res == nil {
		d.res = kernelResolver{}
	}
	lc := net.ListenConfig{}
	ln, err := lc.Listen(ctx, "tcp4", ":"+strconv.Itoa(d.cfg.Port))
	if err != nil {
		return fmt.Errorf("bgp: listen on port %d: %w", d.cfg.Port, err)
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		ln.Close()
	}()
	go func() {
		defer wg.Done()
		d.accept(ln)
	}()
	wg.Add(1)
	go func() { defer wg.Done(); d.watchRoutes(ctx) }()
	return nil
}

func (d *Daemon) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			d.log.Warn("accept", "error", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
		if err != nil {
			c.Close()
			continue
		}
		p := d.byAddr[ap.Addr().Unmap()]
		if p == nil {
			d.log.Debug("connection from unknown peer refused", "addr", ap.Addr())
			c.Close()
			continue
		}
		p.sess.Incoming(c)
	}
}

func (d *Daemon) tcpDial(ctx context.Context, local, remote netip.Addr) (net.Conn, error) {
	dl := net.Dialer{}
	if local.IsValid() {
		dl.LocalAddr = &net.TCPAddr{IP: local.AsSlice()}
	}
	return dl.DialContext(ctx, "tcp4", netip.AddrPortFrom(remote, uint16(d.cfg.Port)).String())
}

// kernelResolver asks the kernel how it reaches a next hop. Routes BGP
// itself installed do not count: Linux has no recursive next hops, and a
// BGP route resolving through BGP would loop.
type kernelResolver struct{}

func (kernelResolver) Resolve(nh netip.Addr) (Resolved, bool) {
	routes, err := netlink.RouteGet(nh.AsSlice())
	if err != nil || len(routes) == 0 {
		return Resolved{}, false
	}
	r := routes[0]
	if r.Type != 1 && r.Type != 0 { // RTN_UNICAST only: no local, unreachable, blackhole
		return Resolved{}, false
	}
	// RouteGet does not say which route matched; find its protocol by a
	// lookup in the main table.
	if proto, metric, ok := matchProtocol(nh); ok {
		if proto == fib.ProtoBGP {
			return Resolved{}, false
		}
		res := Resolved{LinkIndex: r.LinkIndex, Cost: uint32(metric)}
		if gw, ok := netip.AddrFromSlice(r.Gw); ok && r.Gw != nil {
			res.Gateway = gw.Unmap()
		} else {
			res.Gateway = nh
		}
		return res, true
	}
	return Resolved{}, false
}

// matchProtocol returns the protocol and metric of the longest main-table
// route covering a.
func matchProtocol(a netip.Addr) (int, int, bool) {
	routes, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: 254}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return 0, 0, false
	}
	bestBits, proto, metric := -1, 0, 0
	for _, r := range routes {
		var p netip.Prefix
		if r.Dst == nil {
			p = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		} else {
			ip, ok := netip.AddrFromSlice(r.Dst.IP)
			if !ok {
				continue
			}
			ones, _ := r.Dst.Mask.Size()
			p = netip.PrefixFrom(ip.Unmap(), ones)
		}
		if !p.Contains(a) {
			continue
		}
		if p.Bits() > bestBits || (p.Bits() == bestBits && r.Priority < metric) {
			bestBits, proto, metric = p.Bits(), int(r.Protocol), r.Priority
		}
	}
	return proto, metric, bestBits >= 0
}

// watchRoutes re-resolves next hops when the kernel's non-BGP routes
// change (the IGP moved), debounced.
func (d *Daemon) watchRoutes(ctx context.Context) {
	ch := make(chan netlink.RouteUpdate, 1024)
	done := make(chan struct{})
	defer close(done)
	if err := netlink.RouteSubscribeWithOptions(ch, done, netlink.RouteSubscribeOptions{ListExisting: false}); err != nil {
		d.log.Warn("route subscribe; next hops follow link events only", "error", err)
		return
	}
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case u, ok := <-ch:
			if !ok {
				return
			}
			if int(u.Route.Protocol) == fib.ProtoBGP {
				continue
			}
			if timer == nil {
				timer = time.After(50 * time.Millisecond)
			}
		case <-timer:
			timer = nil
			d.RoutesChanged()
		}
	}
}

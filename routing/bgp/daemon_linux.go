package bgp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/netemu/netemu/routing/fib"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
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

// kernelResolver asks the kernel how it reaches a next hop. Routes BGP
// itself installed do not count: Linux has no recursive next hops, and a
// BGP route resolving through BGP would loop.
type kernelResolver struct{}

func (kernelResolver) Resolve(nh netip.Addr) (Resolved, bool) {
	// fibmatch returns the matching table entry itself: its protocol,
	// metric and gateway.
	routes, err := netlink.RouteGetWithOptions(nh.AsSlice(), &netlink.RouteGetOptions{FIBMatch: true})
	if err != nil || len(routes) == 0 {
		return Resolved{}, false
	}
	r := routes[0]
	if r.Type != unix.RTN_UNICAST || int(r.Protocol) == fib.ProtoBGP {
		return Resolved{}, false
	}
	res := Resolved{LinkIndex: r.LinkIndex, Cost: uint32(r.Priority), Gateway: nh}
	if r.Gw != nil {
		if gw, ok := netip.AddrFromSlice(r.Gw); ok {
			res.Gateway = gw.Unmap()
		}
	} else if len(r.MultiPath) > 0 && r.MultiPath[0].Gw != nil {
		if gw, ok := netip.AddrFromSlice(r.MultiPath[0].Gw); ok {
			res.Gateway, res.LinkIndex = gw.Unmap(), r.MultiPath[0].LinkIndex
		}
	}
	return res, true
}

// watchRoutes re-resolves next hops when the kernel's non-BGP routes
// change (the IGP moved), debounced. It reads route notifications from a
// raw NETLINK_ROUTE socket and looks only at each message's protocol byte:
// the daemon's own installs (tens of thousands at start-up) cost nothing
// to skip, and an overrun buffer just means "something changed".
func (d *Daemon) watchRoutes(ctx context.Context) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		d.log.Warn("route watch socket; next hops follow link events only", "error", err)
		return
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20)
	if err := dropOwnRoutes(fd); err != nil {
		d.log.Debug("route watch filter; reading every notification", "error", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: unix.RTMGRP_IPV4_ROUTE}); err != nil {
		unix.Close(fd)
		d.log.Warn("route watch bind; next hops follow link events only", "error", err)
		return
	}
	changed := make(chan struct{}, 1)
	go func() {
		<-ctx.Done()
		unix.Close(fd) // wakes the reader below
	}()
	go func() {
		buf := make([]byte, 1<<16)
		for {
			n, _, err := unix.Recvfrom(fd, buf, 0)
			if err != nil {
				if errors.Is(err, unix.ENOBUFS) {
					select {
					case changed <- struct{}{}:
					default:
					}
					continue
				}
				if errors.Is(err, unix.EINTR) {
					continue
				}
				return
			}
			if routeChangeNotOurs(buf[:n]) {
				select {
				case changed <- struct{}{}:
				default:
				}
			}
		}
	}()
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
			if timer == nil {
				timer = time.After(50 * time.Millisecond)
			}
		case <-timer:
			timer = nil
			d.RoutesChanged()
		}
	}
}

// dropOwnRoutes attaches a socket filter that drops, in the kernel, the
// notifications of BGP's own routes: installing 100,000 routes otherwise
// wakes the watcher and copies each notification out only to skip it,
// CPU taken from the daemon's own work. The kernel sends one route
// notification per datagram, so the filter sees each one's rtmsg.
func dropOwnRoutes(fd int) error {
	filter := []unix.SockFilter{
		// A = rtmsg.rtm_protocol
		{Code: unix.BPF_LD | unix.BPF_B | unix.BPF_ABS, K: unix.NLMSG_HDRLEN + 5},
		// if A == BGP: drop, else keep
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 1, K: fib.ProtoBGP},
		{Code: unix.BPF_RET | unix.BPF_K, K: 0},
		{Code: unix.BPF_RET | unix.BPF_K, K: 0xffffffff},
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &prog)
}

// routeChangeNotOurs reports whether a batch of netlink messages holds a
// route change of another protocol than BGP.
func routeChangeNotOurs(b []byte) bool {
	for len(b) >= unix.NLMSG_HDRLEN {
		l := int(binary.NativeEndian.Uint32(b[0:4]))
		typ := binary.NativeEndian.Uint16(b[4:6])
		if l < unix.NLMSG_HDRLEN || l > len(b) {
			return true
		}
		// struct rtmsg: family, dst_len, src_len, tos, table, protocol, …
		if (typ == unix.RTM_NEWROUTE || typ == unix.RTM_DELROUTE) && l >= unix.NLMSG_HDRLEN+6 &&
			b[unix.NLMSG_HDRLEN+5] != fib.ProtoBGP {
			return true
		}
		al := (l + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1)
		if al > len(b) {
			break
		}
		b = b[al:]
	}
	return false
}

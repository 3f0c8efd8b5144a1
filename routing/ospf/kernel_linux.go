package ospf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Kernel route attributes: iproute2 names protocol 188 "ospf"; the
// priority is FRR's for OSPF routes, so `ip route` reads the same.
const (
	ProtoOSPF     = 188
	RoutePriority = 20
)

// maxBatch is how many octets of route requests go to the kernel in one
// datagram (their error answers must fit the receive buffer).
const maxBatch = 32 << 10

// NetlinkKernel writes OSPF routes, multipath ones included, into the
// main table of the network namespace it was made in. An SPF run rewrites
// many routes at once: they go in batches, many requests per datagram and
// one acknowledgement per batch, not a round trip per route.
type NetlinkKernel struct {
	fd  int
	seq uint32
	buf []byte
	h   *netlink.Handle // interface lookups only
	// idx caches interface indexes: a lookup is a netlink round trip.
	idx map[string]int
}

// NewKernel opens netlink sockets in the current network namespace.
func NewKernel() (*NetlinkKernel, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("ospf: netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("ospf: bind netlink socket: %w", err)
	}
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4<<20) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	}
	// Errors carry only the request's header, not the whole request.
	_ = unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_CAP_ACK, 1)
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("ospf: netlink handle: %w", err)
	}
	return &NetlinkKernel{fd: fd, seq: 1, buf: make([]byte, 1<<16), h: h, idx: map[string]int{}}, nil
}

// Close releases the sockets.
func (k *NetlinkKernel) Close() {
	unix.Close(k.fd)
	k.h.Close()
}

func (k *NetlinkKernel) index(name string) (int, error) {
	if i, ok := k.idx[name]; ok {
		return i, nil
	}
	l, err := k.h.LinkByName(name)
	if err != nil {
		return 0, fmt.Errorf("interface %s: %w", name, err)
	}
	k.idx[name] = l.Attrs().Index
	return l.Attrs().Index, nil
}

func align4(n int) int { return (n + 3) &^ 3 }

func attr(m []byte, typ uint16, val []byte) []byte {
	l := 4 + len(val)
	m = binary.NativeEndian.AppendUint16(m, uint16(l))
	m = binary.NativeEndian.AppendUint16(m, typ)
	m = append(m, val...)
	return append(m, make([]byte, align4(l)-l)...)
}

func u32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

// hop is one resolved next hop.
type hop struct {
	index int
	gw    netip.Addr
}

// message appends one RTM_NEWROUTE or RTM_DELROUTE request to out.
func message(out []byte, typ, flags uint16, seq uint32, p netip.Prefix, hops []hop) []byte {
	start := len(out)
	out = append(out, make([]byte, unix.NLMSG_HDRLEN+unix.SizeofRtMsg)...)
	m := out[start:]
	binary.NativeEndian.PutUint16(m[4:], typ)
	binary.NativeEndian.PutUint16(m[6:], unix.NLM_F_REQUEST|flags)
	binary.NativeEndian.PutUint32(m[8:], seq)
	rt := m[unix.NLMSG_HDRLEN:]
	rt[0], rt[1], rt[4], rt[5] = unix.AF_INET, byte(p.Bits()), unix.RT_TABLE_MAIN, ProtoOSPF
	rt[6] = unix.RT_SCOPE_NOWHERE
	if typ == unix.RTM_NEWROUTE {
		rt[6], rt[7] = unix.RT_SCOPE_UNIVERSE, unix.RTN_UNICAST
	}
	a4 := p.Addr().As4()
	out = attr(out, unix.RTA_DST, a4[:])
	out = attr(out, unix.RTA_PRIORITY, u32(RoutePriority))
	switch {
	case len(hops) == 1:
		if hops[0].gw.IsValid() {
			g := hops[0].gw.As4()
			out = attr(out, unix.RTA_GATEWAY, g[:])
		} else {
			rt[6] = unix.RT_SCOPE_LINK
		}
		out = attr(out, unix.RTA_OIF, u32(uint32(hops[0].index)))
	case len(hops) > 1:
		// RTA_MULTIPATH: one struct rtnexthop (len, flags, hops,
		// ifindex) per path, each followed by its RTA_GATEWAY.
		var mp []byte
		for _, h := range hops {
			n := len(mp)
			mp = append(mp, make([]byte, unix.SizeofRtNexthop)...)
			if h.gw.IsValid() {
				g := h.gw.As4()
				mp = attr(mp, unix.RTA_GATEWAY, g[:])
			}
			binary.NativeEndian.PutUint16(mp[n:], uint16(len(mp)-n))
			binary.NativeEndian.PutUint32(mp[n+4:], uint32(h.index))
		}
		out = attr(out, unix.RTA_MULTIPATH, mp)
	}
	binary.NativeEndian.PutUint32(out[start:], uint32(len(out)-start))
	return out
}

type request struct {
	p    netip.Prefix
	hops []hop
}

// run sends the requests in batches and returns their errors joined.
func (k *NetlinkKernel) run(typ, flags uint16, reqs []request, ignore ...syscall.Errno) error {
	var errs []error
	out := make([]byte, 0, maxBatch+512)
	for start := 0; start < len(reqs); {
		out = out[:0]
		first := k.seq
		end := start
		for ; end < len(reqs) && len(out) < maxBatch; end++ {
			at := len(out)
			out = message(out, typ, flags, k.seq, reqs[end].p, reqs[end].hops)
			if end+1 == len(reqs) || len(out) >= maxBatch {
				// Only the batch's last request asks for an ACK: the
				// kernel answers in order, failures with an error anyway.
				f := binary.NativeEndian.Uint16(out[at+6:])
				binary.NativeEndian.PutUint16(out[at+6:], f|unix.NLM_F_ACK)
			}
			k.seq++
		}
		if err := unix.Sendto(k.fd, out, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
			return fmt.Errorf("netlink send: %w", err)
		}
		if err := k.collect(first, k.seq-1, reqs[start:end], &errs, ignore); err != nil {
			return err
		}
		start = end
	}
	return errors.Join(errs...)
}

// collect reads the answers to sequence numbers first…last.
func (k *NetlinkKernel) collect(first, last uint32, reqs []request, errs *[]error, ignore []syscall.Errno) error {
	for {
		n, _, err := unix.Recvfrom(k.fd, k.buf, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("netlink receive: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(k.buf[:n])
		if err != nil {
			return fmt.Errorf("netlink parse: %w", err)
		}
		done := false
		for _, m := range msgs {
			if m.Header.Type != unix.NLMSG_ERROR || len(m.Data) < 4 || m.Header.Seq < first || m.Header.Seq > last {
				continue
			}
			if code := int32(binary.NativeEndian.Uint32(m.Data)); code != 0 {
				e := syscall.Errno(-code)
				if !containsErrno(ignore, e) {
					*errs = append(*errs, fmt.Errorf("route %s: %w", reqs[m.Header.Seq-first].p, e))
				}
			}
			done = done || m.Header.Seq == last
		}
		if done {
			return nil
		}
	}
}

func containsErrno(l []syscall.Errno, e syscall.Errno) bool {
	for _, x := range l {
		if x == e {
			return true
		}
	}
	return false
}

// Replace installs or replaces routes, one multipath route per prefix.
func (k *NetlinkKernel) Replace(routes []Route) error {
	var errs []error
	reqs := make([]request, 0, len(routes))
	for _, r := range routes {
		var hops []hop
		for _, h := range r.NextHops {
			idx, err := k.index(h.Iface)
			if err != nil {
				errs = append(errs, fmt.Errorf("route %s: %w", r.Prefix, err))
				continue
			}
			hops = append(hops, hop{index: idx, gw: h.Addr})
		}
		if len(hops) > 0 && r.Prefix.Addr().Is4() {
			reqs = append(reqs, request{p: r.Prefix, hops: hops})
		}
	}
	if err := k.run(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_REPLACE, reqs); err != nil {
		errs = append(errs, err)
		clear(k.idx) // an interface may have been recreated
	}
	return errors.Join(errs...)
}

// Delete removes the OSPF routes of prefixes; absent ones are no error.
func (k *NetlinkKernel) Delete(prefixes []netip.Prefix) error {
	reqs := make([]request, 0, len(prefixes))
	for _, p := range prefixes {
		if p.Addr().Is4() {
			reqs = append(reqs, request{p: p})
		}
	}
	return k.run(unix.RTM_DELROUTE, 0, reqs, unix.ESRCH, unix.ENOENT)
}

// List is every OSPF route in the main table (a previous agent's, at
// start).
func (k *NetlinkKernel) List() ([]netip.Prefix, error) {
	rs, err := k.h.RouteListFiltered(unix.AF_INET, &netlink.Route{Table: unix.RT_TABLE_MAIN, Protocol: ProtoOSPF},
		netlink.RT_FILTER_TABLE|netlink.RT_FILTER_PROTOCOL)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil, fmt.Errorf("ospf: list kernel routes: %w", err)
	}
	var out []netip.Prefix
	for _, r := range rs {
		if r.Dst == nil {
			continue
		}
		a, ok := netip.AddrFromSlice(r.Dst.IP.To4())
		if !ok {
			continue
		}
		bits, _ := r.Dst.Mask.Size()
		out = append(out, netip.PrefixFrom(a, bits))
	}
	return out, nil
}

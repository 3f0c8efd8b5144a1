package fib

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxBatch is how many octets of requests go to the kernel in one
// datagram; their error answers (36 octets each at most, errors carry
// the request header too) must fit the receive buffer.
const maxBatch = 32 << 10

// batcher is a raw NETLINK_ROUTE socket that sends many route requests
// per datagram. Only the last request of a datagram asks for an
// acknowledgement: the kernel handles a datagram's requests in order and
// answers every failed one with an error anyway, so one ACK marks the end
// of the batch. (An ACK per request is one more datagram, i.e. one
// recvfrom system call, per route.)
type batcher struct {
	fd  int
	seq uint32
	buf []byte
}

func newBatcher() (*batcher, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("fib: netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("fib: bind netlink socket: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4<<20); err != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	}
	// Only the errors we asked about, with their request header (not the
	// whole request echoed back).
	_ = unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_CAP_ACK, 1)
	return &batcher{fd: fd, seq: 1, buf: make([]byte, 1<<16)}, nil
}

func (b *batcher) close() { unix.Close(b.fd) }

func align4(n int) int { return (n + 3) &^ 3 }

// putAttr appends one route attribute to m.
func putAttr(m []byte, typ uint16, val ...byte) []byte {
	l := 4 + len(val)
	m = binary.NativeEndian.AppendUint16(m, uint16(l))
	m = binary.NativeEndian.AppendUint16(m, typ)
	m = append(m, val...)
	for range align4(l) - l {
		m = append(m, 0)
	}
	return m
}

func putAddr(m []byte, typ uint16, a netip.Addr) []byte {
	if a.Is4() {
		b := a.As4()
		return putAttr(m, typ, b[:]...)
	}
	b := a.As16()
	return putAttr(m, typ, b[:]...)
}

func putU32(m []byte, typ uint16, v uint32) []byte {
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], v)
	return putAttr(m, typ, b[:]...)
}

// message appends one RTM_NEWROUTE / RTM_DELROUTE for r to out, with no
// allocation of its own: a batch of 100,000 routes is one growing buffer.
func message(out []byte, typ uint16, flags uint16, seq uint32, r Route) []byte {
	start := len(out)
	var hdr [unix.NLMSG_HDRLEN + unix.SizeofRtMsg]byte
	out = append(out, hdr[:]...)
	m := out[start:]
	binary.NativeEndian.PutUint16(m[4:6], typ)
	binary.NativeEndian.PutUint16(m[6:8], unix.NLM_F_REQUEST|flags)
	binary.NativeEndian.PutUint32(m[8:12], seq)
	rt := m[unix.NLMSG_HDRLEN:]
	family := byte(unix.AF_INET)
	if r.Prefix.Addr().Is6() {
		family = unix.AF_INET6
	}
	rt[0] = family
	rt[1] = byte(r.Prefix.Bits())
	rt[4] = unix.RT_TABLE_MAIN
	rt[5] = byte(r.Protocol)
	if typ == unix.RTM_NEWROUTE {
		rt[6] = unix.RT_SCOPE_UNIVERSE
		if !r.Gateway.IsValid() {
			rt[6] = unix.RT_SCOPE_LINK
		}
		rt[7] = unix.RTN_UNICAST
	} else {
		rt[6] = unix.RT_SCOPE_NOWHERE
	}
	out = putAddr(out, unix.RTA_DST, r.Prefix.Addr())
	if r.Gateway.IsValid() {
		out = putAddr(out, unix.RTA_GATEWAY, r.Gateway)
	}
	if r.LinkIndex > 0 {
		out = putU32(out, unix.RTA_OIF, uint32(r.LinkIndex))
	}
	if r.Metric > 0 {
		out = putU32(out, unix.RTA_PRIORITY, uint32(r.Metric))
	}
	binary.NativeEndian.PutUint32(out[start:start+4], uint32(len(out)-start))
	return out
}

// run sends one request per route and returns each one's error (nil on
// success), in order.
func (b *batcher) run(typ uint16, flags uint16, routes []Route) []error {
	errs := make([]error, len(routes))
	out := make([]byte, 0, maxBatch+128)
	for start := 0; start < len(routes); {
		out = out[:0]
		first := b.seq
		end := start
		for ; end < len(routes) && len(out) < maxBatch; end++ {
			last := len(out)
			out = message(out, typ, flags, b.seq, routes[end])
			if end+1 == len(routes) || len(out) >= maxBatch {
				fl := binary.NativeEndian.Uint16(out[last+6 : last+8])
				binary.NativeEndian.PutUint16(out[last+6:last+8], fl|unix.NLM_F_ACK)
			}
			b.seq++
		}
		if err := unix.Sendto(b.fd, out, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
			for i := start; i < end; i++ {
				errs[i] = fmt.Errorf("netlink send: %w", err)
			}
			start = end
			continue
		}
		if err := b.collect(first, errs[start:end]); err != nil {
			for i := start; i < end; i++ {
				if errs[i] == nil {
					errs[i] = err
				}
			}
		}
		start = end
	}
	return errs
}

// collect reads the answers for sequence numbers first … first+len-1:
// errors for any of them, then the last one's acknowledgement (or error),
// which the kernel sends after all the others.
func (b *batcher) collect(first uint32, errs []error) error {
	last := first + uint32(len(errs)) - 1
	for done := false; !done; {
		n, _, err := unix.Recvfrom(b.fd, b.buf, 0)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			return fmt.Errorf("netlink receive: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(b.buf[:n])
		if err != nil {
			return fmt.Errorf("netlink parse: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Type != unix.NLMSG_ERROR || len(m.Data) < 4 {
				continue
			}
			i := int(m.Header.Seq - first)
			if m.Header.Seq < first || i >= len(errs) {
				continue // a late answer to an earlier batch
			}
			if code := int32(binary.NativeEndian.Uint32(m.Data[0:4])); code != 0 {
				errs[i] = syscall.Errno(-code)
			}
			if m.Header.Seq == last {
				done = true
			}
		}
	}
	return nil
}

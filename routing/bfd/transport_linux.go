package bfd

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"golang.org/x/sys/unix"
)

// New builds a daemon on UDP sockets in the calling thread's network
// namespace (the agent runs inside the router's): it listens on 3784
// (single hop) and 4784 (multihop) on every address, and sends each
// session's packets from a socket of its own.
func New(log hclog.Logger, ev routing.Emitter) (*Daemon, error) {
	tr, err := ListenUDP(log.Named("bfd"), PortSingleHop, PortMultihop)
	if err != nil {
		return nil, err
	}
	d := NewWithTransport(log, tr, tr.Recv(), ev)
	d.close = tr.Close
	return d, nil
}

// UDPTransport is the RFC 5881/5883 transport over IPv4 UDP sockets.
// Sockets are created inside the namespace the transport was built in,
// whatever thread asks later.
type UDPTransport struct {
	log   hclog.Logger
	netns ns.NetNS
	// singlePort and multiPort are where peers are sent to (3784 and
	// 4784; tests may pick others).
	singlePort, multiPort uint16
	rx                    []*net.UDPConn
	recv                  chan Datagram
	done                  chan struct{}
	wg                    sync.WaitGroup

	mu     sync.Mutex // guards socks and ifname
	socks  map[Key]*net.UDPConn
	ifname map[int]string
}

// ListenUDP opens the receive sockets (single hop on singlePort, multihop
// on multiPort) in the current namespace and starts reading them.
func ListenUDP(log hclog.Logger, singlePort, multiPort uint16) (*UDPTransport, error) {
	cur, err := ns.GetCurrentNS()
	if err != nil {
		return nil, fmt.Errorf("bfd: open own network namespace: %w", err)
	}
	t := &UDPTransport{log: log, netns: cur, singlePort: singlePort, multiPort: multiPort,
		recv: make(chan Datagram, 1024), done: make(chan struct{}),
		socks: map[Key]*net.UDPConn{}, ifname: map[int]string{}}
	for _, port := range []uint16{singlePort, multiPort} {
		c, err := t.listen(port)
		if err != nil {
			_ = t.Close()
			return nil, err
		}
		t.rx = append(t.rx, c)
		t.wg.Add(1)
		go t.read(c, port == multiPort)
	}
	return t, nil
}

// listen opens a receive socket that reports each packet's TTL and
// interface (IP_RECVTTL, IP_PKTINFO).
func (t *UDPTransport) listen(port uint16) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			for _, o := range []int{unix.IP_RECVTTL, unix.IP_PKTINFO} {
				if serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, o, 1); serr != nil {
					return
				}
			}
		})
		return errors.Join(err, serr)
	}}
	var c net.PacketConn
	err := t.netns.Do(func(ns.NetNS) error {
		var err error
		c, err = lc.ListenPacket(context.Background(), "udp4", fmt.Sprintf("0.0.0.0:%d", port))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bfd: listen on UDP %d: %w", port, err)
	}
	return c.(*net.UDPConn), nil
}

// Recv delivers the received packets; closed by Close.
func (t *UDPTransport) Recv() <-chan Datagram { return t.recv }

func (t *UDPTransport) read(c *net.UDPConn, multihop bool) {
	defer t.wg.Done()
	buf := make([]byte, 1500)
	oob := make([]byte, 256)
	for {
		n, oobn, _, src, err := c.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			t.log.Debug("read", "error", err)
			continue
		}
		d := Datagram{Src: src, TTL: -1, Multihop: multihop, Data: append([]byte(nil), buf[:n]...)}
		t.parseOOB(oob[:oobn], &d)
		select {
		case t.recv <- d:
		case <-t.done:
			return
		}
	}
}

// parseOOB fills the TTL, the interface and the destination address from
// the control messages.
func (t *UDPTransport) parseOOB(oob []byte, d *Datagram) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	for _, m := range msgs {
		if m.Header.Level != unix.IPPROTO_IP {
			continue
		}
		switch m.Header.Type {
		case unix.IP_TTL:
			if len(m.Data) >= 4 {
				d.TTL = int(binary.NativeEndian.Uint32(m.Data))
			}
		case unix.IP_PKTINFO:
			if len(m.Data) >= unix.SizeofInet4Pktinfo {
				idx := int(binary.NativeEndian.Uint32(m.Data[0:4]))
				var dst [4]byte
				copy(dst[:], m.Data[8:12]) // ipi_addr: the header's destination
				d.Dst = netip.AddrFrom4(dst)
				d.Iface = t.ifaceName(idx)
			}
		}
	}
}

func (t *UDPTransport) ifaceName(idx int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n, ok := t.ifname[idx]; ok {
		return n
	}
	var name string
	_ = t.netns.Do(func(ns.NetNS) error {
		if ifi, err := net.InterfaceByIndex(idx); err == nil {
			name = ifi.Name
		}
		return nil
	})
	if name != "" {
		// Indexes are not reused while the interface lives; a renamed
		// or replaced one is looked up again after Forget of its key.
		t.ifname[idx] = name
	}
	return name
}

// Send sends b to the session's peer from the session's own socket.
func (t *UDPTransport) Send(k Key, b []byte) error {
	if !k.Peer.Is4() {
		return fmt.Errorf("bfd: %s: only IPv4 sessions are supported", k)
	}
	c, err := t.sock(k)
	if err != nil {
		return err
	}
	port := t.singlePort
	if k.Multihop {
		port = t.multiPort
	}
	_, err = c.WriteToUDPAddrPort(b, netip.AddrPortFrom(k.Peer, port))
	if err != nil {
		return fmt.Errorf("bfd: send to %s: %w", k, err)
	}
	return nil
}

// sock returns the session's socket, opening it on first use: TTL 255,
// bound to the interface for single hop, to the local address if given,
// and to a free source port in 49152–65535 (RFC 5881 §4), kept for the
// session's life.
func (t *UDPTransport) sock(k Key) (*net.UDPConn, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.socks[k]; c != nil {
		return c, nil
	}
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			if serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_TTL, TTL); serr != nil {
				return
			}
			if !k.Multihop && k.Iface != "" {
				serr = unix.SetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE, k.Iface)
			}
		})
		return errors.Join(err, serr)
	}}
	local := netip.IPv4Unspecified()
	if k.Local.IsValid() {
		local = k.Local
	}
	var c net.PacketConn
	var lastErr error
	err := t.netns.Do(func(ns.NetNS) error {
		for range 64 {
			port := SrcPortMin + rand.IntN(SrcPortMax-SrcPortMin+1)
			pc, err := lc.ListenPacket(context.Background(), "udp4", netip.AddrPortFrom(local, uint16(port)).String())
			if err == nil {
				c = pc
				return nil
			}
			lastErr = err
			if !errors.Is(err, unix.EADDRINUSE) {
				return err
			}
		}
		return lastErr
	})
	if err != nil {
		return nil, fmt.Errorf("bfd: %s: open socket: %w", k, err)
	}
	uc := c.(*net.UDPConn)
	t.socks[k] = uc
	// Nothing is sent to this port, but drain it so a stray packet never
	// fills the buffer.
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		buf := make([]byte, 64)
		for {
			if _, _, err := uc.ReadFromUDPAddrPort(buf); errors.Is(err, net.ErrClosed) {
				return
			}
		}
	}()
	return uc, nil
}

// Forget closes a removed session's socket.
func (t *UDPTransport) Forget(k Key) {
	t.mu.Lock()
	c := t.socks[k]
	delete(t.socks, k)
	t.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// Close closes every socket and ends Recv.
func (t *UDPTransport) Close() error {
	select {
	case <-t.done:
		return nil
	default:
	}
	close(t.done)
	var errs []error
	for _, c := range t.rx {
		errs = append(errs, c.Close())
	}
	t.mu.Lock()
	for k, c := range t.socks {
		errs = append(errs, c.Close())
		delete(t.socks, k)
	}
	t.mu.Unlock()
	t.wg.Wait()
	close(t.recv)
	errs = append(errs, t.netns.Close())
	return errors.Join(errs...)
}

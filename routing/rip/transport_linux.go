package rip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/fib"
	"golang.org/x/sys/unix"
)

// udpTransport is one UDP socket on port 520 per RIP interface, bound to
// the interface, joined to 224.0.0.9 there, sending with TTL 1.
type udpTransport struct {
	log   hclog.Logger
	mu    sync.Mutex // guards conns
	conns map[string]*net.UDPConn
	raw   map[string]syscall.RawConn // the conns' sockets, for non-blocking sends
	recv  chan Datagram
	done  chan struct{}
	wg    sync.WaitGroup
}

func ifaceSockopts(fd int, name string, index int) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fmt.Errorf("SO_REUSEADDR: %w", err)
	}
	if err := unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, name); err != nil {
		return fmt.Errorf("SO_BINDTODEVICE: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, 1); err != nil {
		return fmt.Errorf("IP_MULTICAST_TTL: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_TTL, 1); err != nil {
		return fmt.Errorf("IP_TTL: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 0); err != nil {
		return fmt.Errorf("IP_MULTICAST_LOOP: %w", err)
	}
	// Only the groups joined on this socket, not every socket's.
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0); err != nil {
		return fmt.Errorf("IP_MULTICAST_ALL: %w", err)
	}
	// Without IP_RECVERR the kernel reports a packet dropped on its way
	// out (ENOBUFS: the device or the receiving CPU's backlog full, as in
	// a big lab's start-up burst) as sent, counting it only in
	// SndbufErrors; with it the send fails and the engine retries it.
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_RECVERR, 1); err != nil {
		return fmt.Errorf("IP_RECVERR: %w", err)
	}
	mreq := &unix.IPMreqn{Multiaddr: MulticastGroup.As4(), Ifindex: int32(index)}
	if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, mreq); err != nil {
		return fmt.Errorf("IP_MULTICAST_IF: %w", err)
	}
	if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq); err != nil {
		return fmt.Errorf("join %s: %w", MulticastGroup, err)
	}
	return nil
}

func (t *udpTransport) open(name string, index int) error {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = ifaceSockopts(int(fd), name, index) }); err != nil {
			return err
		}
		return serr
	}}
	pc, err := lc.ListenPacket(context.Background(), "udp4", fmt.Sprintf("0.0.0.0:%d", Port))
	if err != nil {
		return fmt.Errorf("rip: listen on %s: %w", name, err)
	}
	conn := pc.(*net.UDPConn)
	// A neighbour's full table arrives as one burst of packets: a big
	// buffer (forced past rmem_max, we are root in our namespace) keeps
	// the tail of it from being dropped until the next periodic update.
	// Our own burst (a whole table to each neighbour at start, answers
	// to every request) likewise gets room to leave before the kernel
	// refuses a send (the engine retries what it refuses, send.go).
	rc, err := conn.SyscallConn()
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("rip: socket on %s: %w", name, err)
	}
	_ = rc.Control(func(fd uintptr) {
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4<<20) != nil {
			_ = conn.SetReadBuffer(4 << 20)
		}
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, 1<<20) != nil {
			_ = conn.SetWriteBuffer(1 << 20)
		}
	})
	t.mu.Lock()
	t.conns[name] = conn
	t.raw[name] = rc
	t.mu.Unlock()
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		buf := make([]byte, 65536)
		errs := 0 // consecutive network errors: a socket that only fails is given up
		for {
			n, src, err := conn.ReadFromUDPAddrPort(buf)
			if err == nil {
				errs = 0
			}
			if err != nil {
				var errno syscall.Errno
				if errs++; errors.As(err, &errno) && !errors.Is(err, net.ErrClosed) && errs < 100 {
					// An ICMP error for something we sent (IP_RECVERR):
					// not fatal to the socket; drain its error queue.
					t.log.Debug("receive: error from the network", "iface", name, "error", err)
					drainErrQueue(rc)
					continue
				}
				if !errors.Is(err, net.ErrClosed) {
					t.log.Warn("receive", "iface", name, "error", err)
				}
				return
			}
			select {
			case t.recv <- Datagram{Iface: name, Src: src, Data: append([]byte(nil), buf[:n]...)}:
			case <-t.done:
				return
			}
		}
	}()
	return nil
}

// drainErrQueue empties a socket's error queue (IP_RECVERR queues ICMP
// errors there; left alone they would count against the receive buffer).
func drainErrQueue(rc syscall.RawConn) {
	buf, oob := make([]byte, 512), make([]byte, 512)
	_ = rc.Read(func(fd uintptr) bool {
		for i := 0; i < 64; i++ {
			if _, _, _, _, err := unix.Recvmsg(int(fd), buf, oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT); err != nil {
				break
			}
		}
		return true
	})
}

// Send sends b out of iface without waiting: a full send buffer is an
// error (EAGAIN) the engine retries later. A blocking write (what
// net.UDPConn does: it parks until the socket is writable) held the
// daemon's lock, so a socket that stayed full silenced every interface
// and left requests, timers and the status unanswered.
func (t *udpTransport) Send(iface string, dst netip.AddrPort, b []byte) error {
	t.mu.Lock()
	rc := t.raw[iface]
	t.mu.Unlock()
	if rc == nil {
		return fmt.Errorf("rip: no socket on %s", iface)
	}
	a := dst.Addr().Unmap()
	if !a.Is4() {
		return fmt.Errorf("rip: send to %s: not IPv4", dst)
	}
	to := &unix.SockaddrInet4{Port: int(dst.Port()), Addr: a.As4()}
	var serr error
	if err := rc.Write(func(fd uintptr) bool {
		serr = unix.Sendto(int(fd), b, unix.MSG_DONTWAIT, to)
		return true // never park on the poller: the engine paces retries
	}); err != nil {
		return fmt.Errorf("rip: send on %s: %w", iface, err)
	}
	if serr != nil {
		return fmt.Errorf("rip: send on %s to %s: %w", iface, dst, serr)
	}
	return nil
}

func (t *udpTransport) close() error {
	close(t.done)
	t.mu.Lock()
	var errs []error
	for _, c := range t.conns {
		errs = append(errs, c.Close())
	}
	t.mu.Unlock()
	t.wg.Wait()
	return errors.Join(errs...)
}

// New builds the daemon on UDP sockets in the current network namespace
// (the agent runs inside its router's).
func New(cfg Config, log hclog.Logger, f fib.FIB, ev routing.Emitter) (*Daemon, error) {
	t := &udpTransport{log: log.Named("rip"), conns: map[string]*net.UDPConn{}, raw: map[string]syscall.RawConn{}, recv: make(chan Datagram, 1024), done: make(chan struct{})}
	index := map[string]int{}
	for _, i := range append(append([]Interface(nil), cfg.Connected...), cfg.Interfaces...) {
		if _, ok := index[i.Name]; ok {
			continue
		}
		ifi, err := net.InterfaceByName(i.Name)
		if err != nil {
			return nil, fmt.Errorf("rip: interface %s: %w", i.Name, err)
		}
		index[i.Name] = ifi.Index
	}
	for _, i := range cfg.Interfaces {
		if err := t.open(i.Name, index[i.Name]); err != nil {
			_ = t.close()
			return nil, err
		}
	}
	d := NewWithTransport(cfg, log, t, t.recv, f, ev)
	for name, idx := range index {
		d.e.setIndex(name, idx)
	}
	d.close = t.close
	return d, nil
}

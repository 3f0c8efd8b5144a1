package ospf

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
	"golang.org/x/sys/unix"
)

// rawTransport is one raw IP socket (protocol 89) per OSPF interface,
// bound to the interface, joined to AllSPFRouters and AllDRouters there,
// sending with TTL 1 and IP precedence "internetwork control" (as FRR
// and BIRD do).
type rawTransport struct {
	log   hclog.Logger
	mu    sync.Mutex // guards conns
	conns map[string]*net.IPConn
	recv  chan Datagram
	done  chan struct{}
	wg    sync.WaitGroup
}

func rawSockopts(fd int, name string, index int) error {
	set := []struct {
		level, opt, v int
		what          string
	}{
		{unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, 1, "IP_MULTICAST_TTL"},
		{unix.IPPROTO_IP, unix.IP_TTL, 1, "IP_TTL"},
		{unix.IPPROTO_IP, unix.IP_TOS, 0xc0, "IP_TOS"},
		{unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP"},
		// Only the groups joined on this socket, not every socket's.
		{unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL"},
	}
	if err := unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, name); err != nil {
		return fmt.Errorf("SO_BINDTODEVICE: %w", err)
	}
	for _, s := range set {
		if err := unix.SetsockoptInt(fd, s.level, s.opt, s.v); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	ifMreq := &unix.IPMreqn{Ifindex: int32(index)}
	if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, ifMreq); err != nil {
		return fmt.Errorf("IP_MULTICAST_IF: %w", err)
	}
	// Both groups always: the engine drops what reaches AllDRouters while
	// it is neither DR nor BDR, so no join/leave follows elections.
	for _, g := range []netip.Addr{AllSPFRouters, AllDRouters} {
		mreq := &unix.IPMreqn{Multiaddr: g.As4(), Ifindex: int32(index)}
		if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq); err != nil {
			return fmt.Errorf("join %s: %w", g, err)
		}
	}
	return nil
}

func (t *rawTransport) open(name string, index int) error {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = rawSockopts(int(fd), name, index) }); err != nil {
			return err
		}
		return serr
	}}
	pc, err := lc.ListenPacket(context.Background(), fmt.Sprintf("ip4:%d", IPProto), "0.0.0.0")
	if err != nil {
		return fmt.Errorf("ospf: raw socket on %s: %w", name, err)
	}
	conn := pc.(*net.IPConn)
	rc, err := conn.SyscallConn()
	if err != nil {
		conn.Close()
		return fmt.Errorf("ospf: raw socket on %s: %w", name, err)
	}
	_ = rc.Control(func(fd uintptr) { _ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4<<20) })
	t.mu.Lock()
	t.conns[name] = conn
	t.mu.Unlock()
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		buf := make([]byte, 65536)
		for {
			// recvfrom on the raw socket itself (through the poller):
			// the datagram with its IP header, whose destination tells
			// AllDRouters from AllSPFRouters.
			var n int
			var rerr error
			err := rc.Read(func(fd uintptr) bool {
				n, _, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT)
				return !errors.Is(rerr, unix.EAGAIN)
			})
			if err == nil {
				err = rerr
			}
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.log.Warn("receive", "iface", name, "error", err)
				}
				return
			}
			d, ok := parseIPv4(buf[:n])
			if !ok {
				continue
			}
			d.Iface = name
			select {
			case t.recv <- d:
			case <-t.done:
				return
			}
		}
	}()
	return nil
}

// parseIPv4 takes the OSPF payload and addresses out of a raw datagram.
func parseIPv4(b []byte) (Datagram, bool) {
	if len(b) < 20 || b[0]>>4 != 4 {
		return Datagram{}, false
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < 20 || len(b) < ihl {
		return Datagram{}, false
	}
	src := netip.AddrFrom4([4]byte(b[12:16]))
	dst := netip.AddrFrom4([4]byte(b[16:20]))
	return Datagram{Src: src, Dst: dst, Data: append([]byte(nil), b[ihl:]...)}, true
}

// Send sends b out of iface to dst.
func (t *rawTransport) Send(iface string, dst netip.Addr, b []byte) error {
	t.mu.Lock()
	conn := t.conns[iface]
	t.mu.Unlock()
	if conn == nil {
		return fmt.Errorf("ospf: no socket on %s", iface)
	}
	_, err := conn.WriteToIP(b, &net.IPAddr{IP: dst.AsSlice()})
	return err
}

func (t *rawTransport) close() error {
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

// New builds the daemon on raw sockets in the current network namespace
// (the agent runs inside its router's); passive interfaces get none. A nil
// k writes routes through a NetlinkKernel opened here and closed when Run
// ends.
func New(cfg Config, log hclog.Logger, k Kernel, ev routing.Emitter) (*Daemon, error) {
	t := &rawTransport{log: log.Named("ospf"), conns: map[string]*net.IPConn{}, recv: make(chan Datagram, 1024), done: make(chan struct{})}
	cfg.Interfaces = append([]Interface(nil), cfg.Interfaces...)
	for k, i := range cfg.Interfaces {
		if i.Passive {
			continue
		}
		ifi, err := net.InterfaceByName(i.Name)
		if err != nil {
			_ = t.close()
			return nil, fmt.Errorf("ospf: interface %s: %w", i.Name, err)
		}
		if i.MTU == 0 {
			// Database Description packets carry the interface MTU and
			// neighbours refuse a larger one (a VXLAN link's 1450).
			cfg.Interfaces[k].MTU = uint16(min(ifi.MTU, 65535))
		}
		if err := t.open(i.Name, ifi.Index); err != nil {
			_ = t.close()
			return nil, err
		}
	}
	closeAll := t.close
	if k == nil {
		nk, err := NewKernel()
		if err != nil {
			_ = t.close()
			return nil, err
		}
		k = nk
		closeAll = func() error { defer nk.Close(); return t.close() }
	}
	d := NewWithTransport(cfg, log, t, t.recv, k, ev)
	d.close = closeAll
	return d, nil
}

package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/nodes/labpath"
)

// linkWatch sees the routing messages crossing one link, in both
// directions, from an AF_PACKET socket on one end's interface (a socket
// there sees what the interface sends as well as what it receives). It
// lets a silent failure be injected right after both ends have refreshed
// each other's timer, so that detection waits for a whole hold time or
// route timeout (or BFD detection time) with either implementation instead
// of a random part of it, and it dates the last message each way before
// the cut.
type linkWatch struct {
	fd    int
	proto int
	ends  [2]netip.Addr // the link's addresses: message from ends[i] is direction i
	done  chan struct{}
	mu    sync.Mutex
	seen  [2][]time.Time // arrival times per direction since the watch opened
}

// watchLink opens the capture on node's interface iface in lab; a and b
// are the addresses of the link's two ends.
func watchLink(lab, node, iface string, a, b netip.Addr, proto int) (*linkWatch, error) {
	fd, err := socketIn(lab, node, iface)
	if err != nil {
		return nil, fmt.Errorf("node %q: capture on %s: %w", node, iface, err)
	}
	w := &linkWatch{fd: fd, proto: proto, ends: [2]netip.Addr{a, b}, done: make(chan struct{})}
	go w.read()
	return w, nil
}

// socketIn opens a raw packet socket bound to iface inside node's
// namespace; the socket stays in that namespace once the thread leaves.
func socketIn(lab, node, iface string) (int, error) {
	fd := -1
	err := inns.Do(labpath.NetnsPath(lab, node), func() error {
		var err error
		fd, err = packetSocket(iface)
		return err
	})
	return fd, err
}

// packetSocket runs inside the node's namespace (socketIn).
func packetSocket(iface string) (int, error) {
	ifc, err := net.InterfaceByName(iface)
	if err != nil {
		return -1, err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return -1, fmt.Errorf("packet socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifc.Index}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("bind: %w", err)
	}
	// Wake up now and then so that Close is noticed.
	tv := unix.NsecToTimeval((100 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("receive timeout: %w", err)
	}
	return fd, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func (w *linkWatch) read() {
	defer unix.Close(w.fd)
	buf := make([]byte, 65536)
	for {
		select {
		case <-w.done:
			return
		default:
		}
		n, _, err := unix.Recvfrom(w.fd, buf, 0)
		now := time.Now()
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		src, dst, ok := classify(buf[:n], w.proto)
		if !ok {
			continue
		}
		for i, e := range w.ends {
			// BGP and BFD: the session between the link's own addresses;
			// RIP: responses from either end (sent to the multicast group).
			if src == e && (w.proto == protoRIP || dst == w.ends[1-i]) {
				w.mu.Lock()
				w.seen[i] = append(w.seen[i], now)
				w.mu.Unlock()
			}
		}
	}
}

// waitBoth returns once a message has crossed the link in each direction
// since the watch opened, or an error after timeout.
func (w *linkWatch) waitBoth(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		both := len(w.seen[0]) > 0 && len(w.seen[1]) > 0
		w.mu.Unlock()
		if both {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("no routing message both ways across %s–%s in %s", w.ends[0], w.ends[1], timeout)
}

// oldestLast is the older of the two directions' last messages: the
// timer it refreshed is the first to run out after the cut. Call it once
// the cut is in force; every message seen was delivered, even one seen
// after the failure's own time while the cut was being installed, because
// a silent cut drops at each end's egress qdisc, before this socket's tap.
// It is zero when a direction had no message since the watch opened.
func (w *linkWatch) oldestLast() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	var oldest time.Time
	for _, ts := range w.seen {
		if len(ts) == 0 {
			return time.Time{}
		}
		if last := ts[len(ts)-1]; oldest.IsZero() || last.Before(oldest) {
			oldest = last
		}
	}
	return oldest
}

func (w *linkWatch) Close() { close(w.done) }

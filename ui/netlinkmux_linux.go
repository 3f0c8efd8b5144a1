package ui

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/inns"
)

// nlMux reads the link and route notifications of many namespaces with one
// goroutine and one buffer: one netlink socket per namespace, subscribed to
// both groups, all in one epoll set. netlink's own LinkSubscribe and
// RouteSubscribe park a goroutine per socket on a 64 KiB receive array,
// which at a thousand nodes (two sockets each) is a quarter of a gigabyte.
type nlMux struct {
	ep   int
	wake int // eventfd: Close writes it to end the loop
	mu   sync.Mutex
	node map[int32]string // socket fd → node
	done chan struct{}
}

// nlEvent is what one message said: a link's carrier, or that the node's
// routes changed.
type nlEvent struct {
	node  string
	link  string // interface name; "" for a route change
	up    bool
	route bool
}

func newNLMux() (*nlMux, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(ep)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}); err != nil {
		unix.Close(ep)
		unix.Close(wake)
		return nil, fmt.Errorf("epoll add: %w", err)
	}
	return &nlMux{ep: ep, wake: wake, node: map[int32]string{}, done: make(chan struct{})}, nil
}

// add opens a socket inside the namespace at path, subscribed to link and
// IPv4 route notifications, and adds it to the set.
func (m *nlMux) add(node, path string) error {
	var fd int
	err := inns.Do(path, func() error {
		var err error
		fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
		if err != nil {
			return err
		}
		sa := &unix.SockaddrNetlink{Family: unix.AF_NETLINK,
			Groups: 1<<(unix.RTNLGRP_LINK-1) | 1<<(unix.RTNLGRP_IPV4_ROUTE-1)}
		if err := unix.Bind(fd, sa); err != nil {
			unix.Close(fd)
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("node %q: netlink socket: %w", node, err)
	}
	// A burst of route changes must not overflow the socket (ENOBUFS
	// loses notifications): a larger buffer than the default.
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 1<<20)
	m.mu.Lock()
	m.node[int32(fd)] = node
	m.mu.Unlock()
	if err := unix.EpollCtl(m.ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
		unix.Close(fd)
		return fmt.Errorf("node %q: epoll add: %w", node, err)
	}
	return nil
}

// run reads until Close, calling fn for every message (from this one
// goroutine). A socket that overflowed (ENOBUFS) reports a route change
// and onLost, so the caller can read the node's state again.
func (m *nlMux) run(fn func(nlEvent), onLost func(node string)) error {
	defer close(m.done)
	evs := make([]unix.EpollEvent, 64)
	buf := make([]byte, 1<<16)
	for {
		n, err := unix.EpollWait(m.ep, evs, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("epoll wait: %w", err)
		}
		for _, ev := range evs[:n] {
			if int(ev.Fd) == m.wake {
				return nil
			}
			m.mu.Lock()
			node := m.node[ev.Fd]
			m.mu.Unlock()
			m.drain(int(ev.Fd), node, buf, fn, onLost)
		}
	}
}

// drain reads every message waiting on fd.
func (m *nlMux) drain(fd int, node string, buf []byte, fn func(nlEvent), onLost func(string)) {
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		switch {
		case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
			return
		case errors.Is(err, unix.ENOBUFS):
			onLost(node)
			continue
		case err != nil || n < unix.NLMSG_HDRLEN:
			return
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			continue
		}
		for _, msg := range msgs {
			switch msg.Header.Type {
			case unix.RTM_NEWROUTE, unix.RTM_DELROUTE:
				fn(nlEvent{node: node, route: true})
			case unix.RTM_NEWLINK, unix.RTM_DELLINK:
				name, up, ok := parseLink(msg.Header.Type, msg.Data)
				if ok {
					fn(nlEvent{node: node, link: name, up: up})
				}
			}
		}
	}
}

// parseLink reads an RTM_NEWLINK/DELLINK message: the interface's name,
// and whether it carries traffic (admin up and carrier).
func parseLink(typ uint16, data []byte) (name string, up, ok bool) {
	if len(data) < unix.SizeofIfInfomsg {
		return "", false, false
	}
	flags := binary.NativeEndian.Uint32(data[8:12]) // struct ifinfomsg's ifi_flags
	// The attributes, read with a bounds check on every length (the
	// standard library's ParseNetlinkRouteAttr panics on a bad one).
	for off := unix.SizeofIfInfomsg; off+unix.SizeofRtAttr <= len(data); {
		l := int(binary.NativeEndian.Uint16(data[off : off+2]))
		t := binary.NativeEndian.Uint16(data[off+2:off+4]) & nlaTypeMask
		if l < unix.SizeofRtAttr || off+l > len(data) {
			break
		}
		if t == unix.IFLA_IFNAME {
			name = string(trimNUL(data[off+unix.SizeofRtAttr : off+l]))
		}
		off += (l + unix.RTA_ALIGNTO - 1) &^ (unix.RTA_ALIGNTO - 1)
	}
	up = typ == unix.RTM_NEWLINK && flags&unix.IFF_UP != 0 && flags&unix.IFF_LOWER_UP != 0
	return name, up, name != ""
}

func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// Close ends run and closes every socket.
func (m *nlMux) Close() {
	one := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	_, _ = unix.Write(m.wake, one)
	<-m.done
	m.mu.Lock()
	for fd := range m.node {
		unix.Close(int(fd))
	}
	m.node = map[int32]string{}
	m.mu.Unlock()
	unix.Close(m.ep)
	unix.Close(m.wake)
}

// nlaTypeMask strips the nested and byte-order flags from an attribute
// type (NLA_TYPE_MASK in linux/netlink.h).
const nlaTypeMask = 0x3fff

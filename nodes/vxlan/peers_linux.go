package vxlan

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// NotHeardError names the machines whose tunnel ends never answered.
type NotHeardError struct {
	After time.Duration
	// Machines maps each silent machine to the tunnels that wait for it.
	Machines map[string][]Cross
}

func (e *NotHeardError) Error() string {
	names := make([]string, 0, len(e.Machines))
	for m := range e.Machines {
		names = append(names, m)
	}
	sort.Strings(names)
	var parts []string
	for _, m := range names {
		cs := e.Machines[m]
		var ends []string
		for _, c := range cs {
			ends = append(ends, fmt.Sprintf("%s:%s→%s:%s", c.Local.Node, c.Local.Iface, c.Remote.Node, c.Remote.Iface))
		}
		parts = append(parts, fmt.Sprintf("%s (%s; tunnels %s)", m, cs[0].RemoteAddr, strings.Join(ends, ", ")))
	}
	return fmt.Sprintf("not heard from machine(s) %s after %s: is `netemu up --machine %s` running there, and UDP port %d open between the machines?",
		strings.Join(parts, ", "), e.After.Round(time.Second), names[0], e.Machines[names[0]][0].Port)
}

// WaitPeers waits until every other machine this share has tunnels to has
// answered on at least one of them: an ARP reply from the far end's
// address proves that machine's share is up and the tunnel carries
// frames (ARP is never filtered by the lab's firewalls). On ctx's
// deadline it returns a *NotHeardError naming the silent machines.
func WaitPeers(ctx context.Context, lab *topo.Lab, machine string, poll time.Duration) error {
	pending := map[string][]Cross{}
	for _, c := range CrossLinks(lab, machine) {
		pending[c.RemoteMachine] = append(pending[c.RemoteMachine], c)
	}
	start := time.Now()
	for {
		for m, cs := range pending {
			for _, c := range cs {
				if heard(lab.Name, c) {
					delete(pending, m)
					break
				}
			}
		}
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return &NotHeardError{After: time.Since(start), Machines: pending}
		case <-time.After(poll):
		}
	}
}

// heard sends a datagram to the far end (which makes the kernel resolve
// its address) and reports whether the neighbour entry shows an answer.
func heard(lab string, c Cross) bool {
	h, err := inns.Open(labpath.NetnsPath(lab, c.Local.Node), unix.NETLINK_ROUTE)
	if err != nil {
		return false
	}
	defer h.Close()
	remote := net.IP(c.Remote.Addr.Addr().AsSlice())
	_ = inns.Do(h.Path(), func() error {
		// The discard port: nothing answers it, the ARP exchange is all
		// that is wanted.
		if conn, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: remote, Port: 9}); err == nil {
			_, _ = conn.Write([]byte{0})
			conn.Close()
		}
		return nil
	})
	l, err := h.LinkByName(c.Local.Iface)
	if err != nil {
		return false
	}
	neighs, err := h.NeighList(l.Attrs().Index, unix.AF_INET)
	if err != nil {
		return false
	}
	for _, n := range neighs {
		if n.IP.Equal(remote) && n.State&(netlink.NUD_REACHABLE|netlink.NUD_STALE|netlink.NUD_DELAY|netlink.NUD_PROBE|netlink.NUD_PERMANENT) != 0 && len(n.HardwareAddr) > 0 {
			return true
		}
	}
	return false
}

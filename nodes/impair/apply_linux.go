package impair

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cilium/ebpf"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/inns"
)

// End is one end of a link: an interface in a node's network namespace.
type End struct {
	Node  string // for errors
	Netns string // the namespace's path
	Iface string
}

// filterName names netemu's egress program, so Apply replaces exactly it.
const filterName = "netemu-impair"

// filterPrio is the egress filter's priority (and handle): one of ours.
const filterPrio = 0x4e45

// Apply makes the end do p, replacing whatever impairment it had: its
// root qdisc (netem, tbf, or the default), its egress program and its
// TAP. The delay line process itself is the caller's to start (after
// Apply) or stop (before Apply without a Line).
func Apply(e End, p Plan) error {
	h, err := inns.Open(e.Netns)
	if err != nil {
		return fmt.Errorf("node %q: %w", e.Node, err)
	}
	defer h.Close()
	link, err := h.LinkByName(e.Iface)
	if err != nil {
		return fmt.Errorf("node %q: interface %s: %w", e.Node, e.Iface, err)
	}
	if err := rootQdisc(h, link, p); err != nil {
		return fmt.Errorf("node %q: %s: %w", e.Node, e.Iface, err)
	}
	tapIndex := 0
	if p.Line != nil {
		if tapIndex, err = ensureTap(h, e, link); err != nil {
			return err
		}
	}
	if p.BPF() {
		if err := attachProgram(h.Handle, link, p, tapIndex); err != nil {
			return fmt.Errorf("node %q: %s: %w", e.Node, e.Iface, err)
		}
	} else if err := detachProgram(h.Handle, link); err != nil {
		return fmt.Errorf("node %q: %s: %w", e.Node, e.Iface, err)
	}
	if p.Line == nil {
		if err := deleteTap(h, e); err != nil {
			return err
		}
	}
	return nil
}

// Clear removes every impairment from the end.
func Clear(e End) error { return Apply(e, Plan{}) }

// rootQdisc puts netem or tbf at the root, or removes ours. A root of
// another kind (a silent fault's blackhole) is left alone when nothing
// is to be shaped.
func rootQdisc(h *inns.Handle, link netlink.Link, p Plan) error {
	attrs := netlink.QdiscAttrs{LinkIndex: link.Attrs().Index, Handle: netlink.MakeHandle(1, 0), Parent: netlink.HANDLE_ROOT}
	var q netlink.Qdisc
	switch {
	case p.Netem:
		q = NetemQdisc(attrs, p)
	case p.Rate > 0:
		q = TBF(attrs, p.Rate)
	default:
		qs, err := h.QdiscList(link)
		if err != nil {
			return fmt.Errorf("list qdiscs: %w", err)
		}
		for _, x := range qs {
			if x.Attrs().Parent == netlink.HANDLE_ROOT && (x.Type() == "netem" || x.Type() == "tbf") {
				if err := h.QdiscDel(x); err != nil && !errors.Is(err, unix.ENOENT) {
					return fmt.Errorf("remove %s qdisc: %w", x.Type(), err)
				}
			}
		}
		return nil
	}
	if err := h.QdiscReplace(q); err != nil {
		return fmt.Errorf("%s qdisc: %w", q.Type(), err)
	}
	return nil
}

// NetemQdisc is the netem qdisc doing all of p.Impairment.
func NetemQdisc(attrs netlink.QdiscAttrs, p Plan) *netlink.Netem {
	i := p.Impairment
	na := netlink.NetemQdiscAttrs{
		Latency:     uint32(i.Delay / time.Microsecond),
		Jitter:      uint32(i.Jitter / time.Microsecond),
		Loss:        float32(i.Loss),
		Duplicate:   float32(i.Duplicate),
		ReorderProb: float32(i.Reorder),
		CorruptProb: float32(i.Corrupt),
		Rate64:      i.Rate / 8,
	}
	if i.Reorder > 0 {
		na.Gap = 1 // as tc does: any packet may be sent out of order
	}
	return netlink.NewNetem(attrs, na)
}

// TBF is a token bucket at rate bits/s: a burst of 10 ms (at least two
// full frames) and a queue of 50 ms but at least 64 full frames, so that
// at low rates a TCP window's burst (the delay line releases frames that
// arrived together at once) is queued rather than dropped.
func TBF(attrs netlink.QdiscAttrs, rate uint64) *netlink.Tbf {
	bytes := rate / 8
	burst := uint32(max(bytes/100, 3200))
	return &netlink.Tbf{
		QdiscAttrs: attrs,
		Rate:       bytes,
		Buffer:     netlink.Xmittime(bytes, burst),
		Limit:      burst + uint32(max(bytes/20, 64*1514)),
	}
}

// attachProgram loads the plan's program and puts it on the end's clsact
// egress hook in place of the previous one (replacing a filter is
// atomic: no frame goes unfiltered in between).
func attachProgram(h *netlink.Handle, link netlink.Link, p Plan, tapIndex int) error {
	clsact := &netlink.Clsact{QdiscAttrs: netlink.QdiscAttrs{LinkIndex: link.Attrs().Index, Handle: netlink.MakeHandle(0xffff, 0), Parent: netlink.HANDLE_CLSACT}}
	if err := h.QdiscReplace(clsact); err != nil {
		return fmt.Errorf("clsact qdisc: %w", err)
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:         "netemu_impair",
		Type:         ebpf.SchedCLS,
		Instructions: Program(p, tapIndex),
		License:      "GPL",
	})
	if err != nil {
		return fmt.Errorf("load egress program: %w", err)
	}
	defer prog.Close() // the filter keeps its own reference
	f := &netlink.BpfFilter{
		FilterAttrs: netlink.FilterAttrs{
			LinkIndex: link.Attrs().Index,
			Parent:    netlink.HANDLE_MIN_EGRESS,
			Handle:    1,
			Priority:  filterPrio,
			Protocol:  unix.ETH_P_ALL,
		},
		Fd:           prog.FD(),
		Name:         filterName,
		DirectAction: true,
	}
	if err := h.FilterReplace(f); err != nil {
		return fmt.Errorf("egress filter: %w", err)
	}
	return nil
}

// detachProgram removes the clsact qdisc, and with it our filter; an end
// without one is fine.
func detachProgram(h *netlink.Handle, link netlink.Link) error {
	clsact := &netlink.Clsact{QdiscAttrs: netlink.QdiscAttrs{LinkIndex: link.Attrs().Index, Handle: netlink.MakeHandle(0xffff, 0), Parent: netlink.HANDLE_CLSACT}}
	if err := h.QdiscDel(clsact); err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("remove clsact qdisc: %w", err)
	}
	return nil
}

// ensureTap creates the end's TAP (persistent, so the program's ifindex
// stays valid while the line restarts) unless it exists, sets it up and
// returns its index. It carries no address; its MTU is the end's.
func ensureTap(h *inns.Handle, e End, link netlink.Link) (int, error) {
	name := TapName(e.Iface)
	if l, err := h.LinkByName(name); err == nil {
		return l.Attrs().Index, nil
	}
	// A TAP is created by an ioctl on /dev/net/tun, in the namespace of
	// the calling thread.
	err := inns.Do(e.Netns, func() error {
		fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open /dev/net/tun: %w", err)
		}
		defer unix.Close(fd)
		ifr, err := unix.NewIfreq(name)
		if err != nil {
			return err
		}
		ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI)
		if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
			return fmt.Errorf("TUNSETIFF: %w", err)
		}
		if err := unix.IoctlSetInt(fd, unix.TUNSETPERSIST, 1); err != nil {
			return fmt.Errorf("TUNSETPERSIST: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("node %q: create %s: %w", e.Node, name, err)
	}
	tap, err := h.LinkByName(name)
	if err != nil {
		return 0, fmt.Errorf("node %q: %s: %w", e.Node, name, err)
	}
	if err := h.LinkSetMTU(tap, link.Attrs().MTU); err != nil {
		return 0, fmt.Errorf("node %q: %s mtu: %w", e.Node, name, err)
	}
	// Room for a burst while the line is busy: the TAP's queue is where
	// frames wait for the line to read them.
	if err := h.LinkSetTxQLen(tap, 10000); err != nil {
		return 0, fmt.Errorf("node %q: %s txqueuelen: %w", e.Node, name, err)
	}
	if err := h.LinkSetARPOff(tap); err != nil {
		return 0, fmt.Errorf("node %q: %s noarp: %w", e.Node, name, err)
	}
	// IPv6 would give the TAP a link-local address and send router
	// solicitations into the line; it carries only frames handed to it.
	_ = inns.Do(e.Netns, func() error {
		return os.WriteFile("/proc/sys/net/ipv6/conf/"+name+"/disable_ipv6", []byte("1"), 0o644)
	})
	if err := h.LinkSetUp(tap); err != nil {
		return 0, fmt.Errorf("node %q: %s up: %w", e.Node, name, err)
	}
	return tap.Attrs().Index, nil
}

// deleteTap removes the end's TAP; none is fine.
func deleteTap(h *inns.Handle, e End) error {
	l, err := h.LinkByName(TapName(e.Iface))
	if err != nil {
		return nil
	}
	if err := h.LinkDel(l); err != nil && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("node %q: remove %s: %w", e.Node, l.Attrs().Name, err)
	}
	return nil
}

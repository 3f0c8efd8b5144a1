package impair

import (
	"errors"
	"fmt"
	"os"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Kernel is what this kernel can do for impairments, found once by Probe.
type Kernel struct {
	// Netem: the netem qdisc could be added.
	Netem bool `json:"netem"`
	// Fallback is "" when netemu's own path works (clsact with a cls_bpf
	// program, TAP devices, tbf), else why not.
	Fallback string `json:"fallback,omitempty"`
}

// Can says whether the kernel can do imp at all; the error says why not.
func (k Kernel) Can(imp Plan) error {
	switch {
	case imp.Impairment.IsZero(), imp.Netem:
		return nil
	case imp.Impairment.OnlyRate() || k.Fallback == "":
		return nil
	}
	return fmt.Errorf("this kernel has no netem qdisc and netemu's own path does not work here: %s", k.Fallback)
}

// Probe tries, in a scratch network namespace it creates and the kernel
// frees when it is closed, a netem qdisc and the pieces of the fallback:
// a clsact qdisc with our egress program and a TAP device.
func Probe() (Kernel, error) {
	scratch, err := ns.TempNetNS()
	if err != nil {
		return Kernel{}, fmt.Errorf("probe impairments: scratch netns: %w", err)
	}
	defer scratch.Close()
	var k Kernel
	err = scratch.Do(func(ns.NetNS) error {
		h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
		if err != nil {
			return err
		}
		defer h.Close()
		// A veth pair, as the links netemu builds: lo has no qdiscs to speak of.
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "probe0"}, PeerName: "probe1"}
		if err := h.LinkAdd(veth); err != nil {
			return fmt.Errorf("scratch veth: %w", err)
		}
		link, err := h.LinkByName("probe0")
		if err != nil {
			return err
		}
		attrs := netlink.QdiscAttrs{LinkIndex: link.Attrs().Index, Handle: netlink.MakeHandle(1, 0), Parent: netlink.HANDLE_ROOT}
		k.Netem = h.QdiscAdd(netlink.NewNetem(attrs, netlink.NetemQdiscAttrs{Latency: 1000})) == nil
		k.Fallback = probeFallback(h, link)
		return nil
	})
	if err != nil {
		return Kernel{}, fmt.Errorf("probe impairments: %w", err)
	}
	return k, nil
}

// probeFallback is "" when the fallback's pieces work on link.
func probeFallback(h *netlink.Handle, link netlink.Link) string {
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		return "no /dev/net/tun (TUN/TAP devices) for the delay line"
	}
	if err := h.QdiscReplace(TBF(netlink.QdiscAttrs{LinkIndex: link.Attrs().Index, Handle: netlink.MakeHandle(1, 0), Parent: netlink.HANDLE_ROOT}, 1e6)); err != nil {
		return "no tbf qdisc for rates: " + err.Error()
	}
	if err := attachProgram(h, link, Plan{Loss: LossThreshold(1)}, 0); err != nil {
		if errors.Is(err, unix.EPERM) {
			return "loading a BPF program was refused (EPERM): " + err.Error()
		}
		return "no clsact qdisc with a cls_bpf program: " + err.Error()
	}
	return ""
}

// Package inns is how netemu works inside a node's network namespace: run a
// function there (Do, on github.com/containernetworking/plugins pkg/ns,
// which locks the thread, switches back afterwards and retires a thread
// that could not switch back), or keep a netlink handle bound to it
// (Open), so the calling thread never leaves its own namespace at all.
//
// The one thing pkg/ns cannot do, a thread that must end inside what it
// entered or created, is OnRetiredThread.
package inns

import (
	"fmt"
	"runtime"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// Do runs fn on a locked OS thread inside the network namespace at path.
// Only fn's own thread is inside: goroutines fn starts are not. Sockets fn
// opens stay in the namespace after Do returns.
func Do(path string, fn func() error) error {
	return ns.WithNetNSPath(path, func(ns.NetNS) error { return fn() })
}

// Handle is a netlink handle whose sockets live in one network namespace,
// together with the open namespace (to move links into it).
type Handle struct {
	*netlink.Handle
	ns ns.NetNS
}

// Open opens the namespace at path and a netlink handle bound to it for
// the given netlink families (none: every family netlink supports). Close
// it when done.
func Open(path string, families ...int) (*Handle, error) {
	n, err := ns.GetNS(path)
	if err != nil {
		return nil, fmt.Errorf("open netns: %w", err)
	}
	h, err := netlink.NewHandleAt(netns.NsHandle(n.Fd()), families...)
	if err != nil {
		n.Close()
		return nil, fmt.Errorf("netlink in netns %s: %w", path, err)
	}
	return &Handle{Handle: h, ns: n}, nil
}

// NsFd names the namespace for netlink calls that move a link into it
// (Veth.PeerNamespace, LinkSetNsFd); valid until Close.
func (h *Handle) NsFd() netlink.NsFd { return netlink.NsFd(int(h.ns.Fd())) }

// NsHandle is the open namespace as vishvananda/netns has it (for
// subscriptions that take one); valid until Close.
func (h *Handle) NsHandle() netns.NsHandle { return netns.NsHandle(int(h.ns.Fd())) }

// Path is the namespace's path as given to Open.
func (h *Handle) Path() string { return h.ns.Path() }

// Close closes the netlink sockets and the namespace.
func (h *Handle) Close() error {
	h.Handle.Close()
	return h.ns.Close()
}

// OnRetiredThread runs fn on a fresh OS thread that stays locked, so the
// Go runtime ends the thread when fn returns and no other goroutine ever
// runs on it. It is for what pkg/ns's Do cannot undo:
//
//   - creating namespaces with unshare(2) (CLONE_NEWNET|CLONE_NEWUTS): Do
//     only enters an existing network namespace, and a UTS namespace is
//     outside its reach;
//   - entering a mount namespace: setns(CLONE_NEWNS) first needs
//     unshare(CLONE_FS), which cannot be undone, so the thread can never
//     be handed back to the runtime.
//
// Everything fn needs to keep (a namespace, a socket) must be bind-mounted
// or returned before it ends.
func OnRetiredThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: see above
		errc <- fn()
	}()
	return <-errc
}

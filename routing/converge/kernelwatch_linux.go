package converge

import (
	"fmt"
	"sync"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/netemu/netemu/nodes/labpath"
)

// KernelWatch records the last change of any routing table in a set of
// nodes, from netlink route notifications in each namespace. It measures
// any routing implementation the same way (netemu's agents or FRR): the
// kernel table is what forwards packets.
type KernelWatch struct {
	done chan struct{}
	mu   sync.Mutex
	last time.Time
	n    int
}

// WatchKernel starts watching the route tables of lab's nodes.
func WatchKernel(lab string, names []string) (*KernelWatch, error) {
	w := &KernelWatch{done: make(chan struct{})}
	for _, name := range names {
		n, err := ns.GetNS(labpath.NetnsPath(lab, name))
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("node %q: open namespace: %w", name, err)
		}
		nh := netns.NsHandle(int(n.Fd()))
		ch := make(chan netlink.RouteUpdate, 256)
		err = netlink.RouteSubscribeWithOptions(ch, w.done, netlink.RouteSubscribeOptions{Namespace: &nh})
		n.Close() // the subscription keeps its own socket in the namespace
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("node %q: watch routes: %w", name, err)
		}
		go func() {
			for range ch {
				w.mu.Lock()
				w.last = time.Now()
				w.n++
				w.mu.Unlock()
			}
		}()
	}
	return w, nil
}

// LastChange is the time of the last route change seen and how many were
// seen in all.
func (w *KernelWatch) LastChange() (time.Time, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last, w.n
}

// Close stops watching.
func (w *KernelWatch) Close() {
	select {
	case <-w.done:
	default:
		close(w.done)
	}
}

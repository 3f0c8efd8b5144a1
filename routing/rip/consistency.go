package rip

import (
	"net/netip"

	"github.com/netemu/netemu/routing/fib"
)

// Held is what the daemon holds as best for the kernel (fib.Holder): its
// learned routes, and those the kernel refused with the reason. What RIP
// advertises is its table by construction (entriesFor), so there is no
// separate advertised set to compare.
func (d *Daemon) Held() fib.Held {
	d.mu.Lock()
	defer d.mu.Unlock()
	h := fib.Held{Protocol: fib.ProtoRIP, Refused: map[netip.Prefix]string{}}
	for _, r := range d.e.routes {
		if r.local || r.metric >= Infinity {
			continue
		}
		if r.refused != "" {
			h.Refused[r.prefix] = r.refused
			continue
		}
		h.Routes = append(h.Routes, d.e.fibRoute(r))
	}
	return h
}

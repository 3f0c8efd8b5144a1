package bgp

import (
	"fmt"
	"net/netip"

	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/bgp/wire"
	"github.com/netemu/netemu/routing/fib"
)

// kernelRefused forgets the routes the kernel refused (they are not
// installed) and keeps its reason for Held; the next change of the
// prefix tries again.
func (d *Daemon) kernelRefused(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, re := range fib.RouteErrors(err) {
		if re.Op != "replace" || re.Route.Protocol != fib.ProtoBGP {
			continue
		}
		k := pkey(re.Route.Prefix)
		if kr, ok := d.installed[k]; !ok || kr != packRoute(re.Route) {
			continue
		}
		delete(d.installed, k)
		d.refused[k] = re.Err.Error()
		d.events.Emit(routing.Event{Daemon: "bgp", Kind: routing.EventFIBRefused, Prefix: re.Route.Prefix, Peer: re.Route.Gateway,
			Detail: "kernel refused the best path: " + d.refused[k]})
	}
}

// Held is what the daemon holds (fib.Holder): the best routes it
// installed, those the kernel refused, and every prefix whose
// Adj-RIB-Out towards an Established peer differs from what the current
// best path exports. A batch in flight shows up here for a moment; the
// agent's check only reports what persists.
func (d *Daemon) Held() fib.Held {
	d.mu.Lock()
	defer d.mu.Unlock()
	h := fib.Held{Protocol: fib.ProtoBGP, Refused: map[netip.Prefix]string{}}
	for k, kr := range d.installed {
		h.Routes = append(h.Routes, kr.route(unpkey(k)))
	}
	for k, why := range d.refused {
		h.Refused[unpkey(k)] = why
	}
	prefixes := d.rib.Prefixes()
	for _, p := range d.peers {
		if !p.up || !p.ipv4 || p.fullSync || p.resend {
			continue
		}
		opts := p.sess.Options()
		seen := 0
		for _, prefix := range prefixes {
			var best *Path
			if dst := d.rib.Dest(prefix); dst != nil {
				best = dst.Best
			}
			sent, had := p.adjOut[pkey(prefix)]
			if had {
				seen++
			}
			a := Export(d.local, p.cfg, best, d.pols)
			switch {
			case a == nil && had:
				h.Advertised = append(h.Advertised, fmt.Sprintf("%s: sent to %s, but nothing to export", prefix, p.cfg.PeerAddr))
			case a != nil && !had && fitsUpdate(a, opts):
				h.Advertised = append(h.Advertised, fmt.Sprintf("%s: best path not sent to %s", prefix, p.cfg.PeerAddr))
			case a != nil && had && string(a.Encode(opts)) != sent:
				h.Advertised = append(h.Advertised, fmt.Sprintf("%s: %s has an older path", prefix, p.cfg.PeerAddr))
			}
		}
		if seen != len(p.adjOut) {
			h.Advertised = append(h.Advertised, fmt.Sprintf("%s was sent %d prefixes the RIB does not hold", p.cfg.PeerAddr, len(p.adjOut)-seen))
		}
	}
	return h
}

// fitsUpdate: a path too big for an UPDATE is withdrawn, not sent
// (exportPrefixes).
func fitsUpdate(a *wire.PathAttrs, opts wire.Options) bool { return wire.AttrsFit(len(a.Encode(opts))) }

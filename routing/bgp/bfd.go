package bgp

import "net/netip"

// BFDDown drops the session to peer at once: BFD saw the path fail, so
// the hold time need not pass (RFC 5882 §4.3). It implements bfd.Client.
// An Idle session is left alone: a reset request would wait there and
// drop the next session that comes up.
func (d *Daemon) BFDDown(peer netip.Addr, why string) {
	p := d.byAddr[peer] // written only by newDaemon
	if p == nil || p.sess.State() == StateIdle {
		return
	}
	d.log.Info("BFD down: resetting the session", "peer", peer, "reason", why)
	p.sess.Reset(why)
}

// BFDUp does nothing: the session reconnects on its own timers.
func (d *Daemon) BFDUp(netip.Addr) {}

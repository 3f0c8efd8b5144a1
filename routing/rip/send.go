package rip

import (
	"net/netip"
	"time"
)

// Sending under a full send buffer. During a big lab's start-up burst
// the kernel refuses packets (EAGAIN with a full socket buffer; ENOBUFS).
// A refused packet used to be logged and forgotten: a neighbour then
// missed part of our table until the next periodic update, and a socket
// that stayed full kept the router silent. Now a refused packet stays
// queued on its interface with everything sent after it, and the queue
// is retried after a pause that doubles while the kernel keeps refusing
// (RFC 2453 §3.10 lets a large update be spread over several packets
// with small gaps; FRR and BIRD pace their output too), a few packets at
// a time once it drains.
const (
	// retryMin and retryMax bound the pause after a refused send.
	retryMin = 10 * time.Millisecond
	retryMax = time.Second
	// paceBurst packets go out per interface per round while a backlog
	// drains, paceGap apart: the burst that filled the buffer is not
	// repeated at once.
	paceBurst = 16
	paceGap   = 5 * time.Millisecond
	// maxQueued bounds an interface's backlog (a 10,000-route table is
	// 400 packets); the oldest packets go first when it overflows.
	maxQueued = 1024
)

// outPacket is an encoded packet on its way to the transport.
type outPacket struct {
	dst netip.AddrPort
	b   []byte
	// update: a response to the group (periodic or triggered); table: a
	// whole-table one, which carries every route's current metric and so
	// supersedes every queued update.
	update, table bool
}

// transmit sends pkts out of s, or queues them behind packets still
// waiting, so the neighbour sees our packets in the order we made them
// (MD5 sequence numbers must not go backwards).
func (e *engine) transmit(s *ifaceState, pkts []outPacket) {
	if len(s.out) == 0 {
		if pkts = e.sendSome(s, pkts, len(pkts)); len(pkts) == 0 {
			return
		}
		s.out = append(s.out, pkts...)
		return
	}
	if pkts[0].table {
		kept := s.out[:0]
		for _, p := range s.out {
			if p.update {
				s.sendDrops++
				continue
			}
			kept = append(kept, p)
		}
		s.out = kept
	}
	s.out = append(s.out, pkts...)
	if over := len(s.out) - maxQueued; over > 0 {
		s.sendDrops += uint64(over)
		s.out = append(s.out[:0], s.out[over:]...)
	}
}

// sendSome sends up to limit of pkts and returns those not sent. A
// refused packet stops the round: the pause grows, and scheduleRetries
// sets the next attempt.
func (e *engine) sendSome(s *ifaceState, pkts []outPacket, limit int) []outPacket {
	for i, p := range pkts {
		if i == limit {
			return pkts[i:]
		}
		if err := e.tr.Send(s.cfg.Name, p.dst, p.b); err != nil {
			s.sendErrors++
			s.backoff = min(max(2*s.backoff, retryMin), retryMax)
			s.retryAt = time.Time{}
			e.log.Debug("send refused: queued for a retry", "iface", s.cfg.Name, "to", p.dst, "queued", len(pkts)-i,
				"retry_in", s.backoff, "error", err)
			return pkts[i:]
		}
	}
	return nil
}

// retryQueued sends what is due of every interface's backlog.
func (e *engine) retryQueued(now time.Time) {
	for _, name := range e.order {
		s := e.ifaces[name]
		if len(s.out) == 0 || s.retryAt.IsZero() || now.Before(s.retryAt) {
			continue
		}
		if !s.up {
			e.dropQueue(s)
			continue
		}
		before := s.sendErrors
		rest := e.sendSome(s, s.out, paceBurst)
		s.out = append(s.out[:0], rest...)
		switch {
		case len(s.out) == 0:
			s.out, s.backoff, s.retryAt = nil, 0, time.Time{}
		case s.sendErrors == before:
			// Accepted, more to go: the next few after a small gap.
			s.backoff = 0
			s.retryAt = now.Add(paceGap)
			e.wake(s.retryAt)
		}
	}
}

// scheduleRetries sets the next attempt of every backlog refused since.
func (e *engine) scheduleRetries(now time.Time) {
	for _, s := range e.ifaces {
		if len(s.out) > 0 && s.retryAt.IsZero() {
			s.retryAt = now.Add(max(s.backoff, retryMin))
			e.wake(s.retryAt)
		}
	}
}

// dropQueue forgets an interface's backlog (it went down: the neighbour
// gets a whole table when it comes back).
func (e *engine) dropQueue(s *ifaceState) {
	s.sendDrops += uint64(len(s.out))
	s.out, s.backoff, s.retryAt = nil, 0, time.Time{}
}

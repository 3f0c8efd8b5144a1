package bfd

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
)

// Transport sends control packets. The Linux one keeps a UDP socket per
// session (its own source port, TTL 255, bound to the interface for single
// hop); tests use a fake that hands packets to other engines.
type Transport interface {
	// Send sends b to the session's peer (port 3784, or 4784 multihop),
	// always from the same source port for one key.
	Send(k Key, b []byte) error
	// Forget releases what Send kept for a removed session.
	Forget(k Key)
}

// Datagram is a control packet as received.
type Datagram struct {
	Iface string
	Src   netip.AddrPort
	// Dst is the address the packet was sent to (multihop demultiplexing).
	Dst netip.Addr
	// TTL is the received TTL or hop limit; -1 when unknown.
	TTL      int
	Multihop bool // arrived on port 4784
	Data     []byte
}

// engine runs the sessions of one router: no I/O inside, time passed in.
// It is not safe for concurrent use; Daemon serialises calls.
type engine struct {
	log    hclog.Logger
	tr     Transport
	events routing.Emitter
	rnd    *rand.Rand

	sessions map[Key]*session
	byDiscr  map[uint32]*session
	badAll   map[Reason]uint64
	// changes are the state changes since the caller last took them
	// (takeChanges): clients are told outside the engine.
	changes []Change
}

func newEngine(log hclog.Logger, tr Transport, ev routing.Emitter, seed uint64) *engine {
	if ev == nil {
		ev = routing.Discard{}
	}
	return &engine{
		log: log, tr: tr, events: ev,
		rnd:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		sessions: map[Key]*session{}, byDiscr: map[uint32]*session{}, badAll: map[Reason]uint64{},
	}
}

// add creates the session, or takes one more reference to it. A second
// client's timers replace the first's only if they are faster, so no
// client gets a slower detection than it asked for.
func (e *engine) add(now time.Time, cfg SessionConfig) (Key, error) {
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return Key{}, err
	}
	k := cfg.Key
	if s := e.sessions[k]; s != nil {
		s.refs++
		tx, rx, mult := min(s.cfg.MinTx, cfg.MinTx), min(s.cfg.MinRx, cfg.MinRx), min(s.cfg.Multiplier, cfg.Multiplier)
		if tx != s.cfg.MinTx || rx != s.cfg.MinRx || mult != s.cfg.Multiplier {
			e.setTimers(now, s, tx, rx, mult)
		}
		return k, nil
	}
	s := &session{
		cfg: cfg, refs: 1, state: StateDown, remoteState: StateDown,
		localDiscr: e.newDiscr(), remoteMinRx: time.Microsecond,
		effRx: cfg.MinRx, since: now, bad: map[Reason]uint64{},
	}
	s.effTx = s.advTx()
	// The first packet goes out at once, then at the slow rate.
	s.nextTx = now
	e.sessions[k] = s
	e.byDiscr[s.localDiscr] = s
	e.log.Info("session added", "peer", k.Peer, "iface", k.Iface, "local", k.Local, "multihop", k.Multihop,
		"min_tx", cfg.MinTx, "min_rx", cfg.MinRx, "multiplier", cfg.Multiplier)
	return k, nil
}

// newDiscr picks an unused non-zero local discriminator (§6.8.1: unique,
// and random helps against spoofing).
func (e *engine) newDiscr() uint32 {
	for {
		d := e.rnd.Uint32()
		if d != 0 && e.byDiscr[d] == nil {
			return d
		}
	}
}

// remove drops one reference; the last one tells the peer AdminDown once
// (so it does not take the silence for a failure) and deletes the session.
func (e *engine) remove(now time.Time, k Key) {
	s := e.sessions[k]
	if s == nil {
		return
	}
	if s.refs--; s.refs > 0 {
		return
	}
	if s.state != StateAdminDown {
		s.state, s.localDiag = StateAdminDown, DiagAdminDown
		e.send(now, s, false)
	}
	delete(e.sessions, k)
	delete(e.byDiscr, s.localDiscr)
	e.tr.Forget(k)
	e.log.Info("session removed", "session", k)
}

// setAdmin puts a session in AdminDown (§6.8.16) or takes it out.
func (e *engine) setAdmin(now time.Time, k Key, down bool) error {
	s := e.sessions[k]
	if s == nil {
		return fmt.Errorf("bfd: no session %s", k)
	}
	switch {
	case down && s.state != StateAdminDown:
		e.transition(now, s, StateAdminDown, DiagAdminDown, false)
		s.detectAt = time.Time{}
	case !down && s.state == StateAdminDown:
		e.transition(now, s, StateDown, DiagNone, false)
	}
	return nil
}

// setTimers changes a session's intervals: a poll sequence tells the peer
// (§6.8.3).
func (e *engine) setTimers(now time.Time, s *session, tx, rx time.Duration, mult uint8) {
	if tx == s.cfg.MinTx && rx == s.cfg.MinRx && mult == s.cfg.Multiplier {
		return
	}
	s.cfg.MinTx, s.cfg.MinRx, s.cfg.Multiplier = tx, rx, mult
	if s.state != StateUp {
		s.effTx, s.effRx = s.advTx(), rx
		return
	}
	// A faster TX and a slower RX are safe at once; the others wait for
	// the peer's Final.
	if s.advTx() < s.effTx {
		s.effTx = s.advTx()
	}
	if rx > s.effRx {
		s.effRx = rx
	}
	e.startPoll(now, s)
}

// setTimersKey is setTimers for a client naming the session.
func (e *engine) setTimersKey(now time.Time, k Key, tx, rx time.Duration, mult uint8) error {
	s := e.sessions[k]
	if s == nil {
		return fmt.Errorf("bfd: no session %s", k)
	}
	c := SessionConfig{MinTx: tx, MinRx: rx, Multiplier: mult}
	c.defaults()
	e.setTimers(now, s, c.MinTx, c.MinRx, c.Multiplier)
	return nil
}

func (e *engine) startPoll(now time.Time, s *session) {
	s.poll = true
	if s.remoteDiscr != 0 {
		e.send(now, s, false)
	}
}

func (e *engine) drop(s *session, d Datagram, err error) {
	re, ok := err.(*Error)
	if !ok {
		re = errorf(ReasonLength, "%v", err)
	}
	e.badAll[re.Reason]++
	if s != nil {
		s.bad[re.Reason]++
	}
	e.log.Debug("dropped", "iface", d.Iface, "from", d.Src, "reason", re.Reason, "error", re.Msg)
}

// lookup finds the session a packet belongs to (§6.8.6): by Your
// Discriminator when set, else by where it came from.
func (e *engine) lookup(d Datagram, p *Packet) (*session, error) {
	src := d.Src.Addr().Unmap()
	if p.YourDiscr != 0 {
		s := e.byDiscr[p.YourDiscr]
		if s == nil {
			return nil, errorf(ReasonNoSession, "your discriminator %d unknown", p.YourDiscr)
		}
		if s.cfg.Peer != src || s.cfg.Multihop != d.Multihop || (!d.Multihop && d.Iface != "" && s.cfg.Iface != d.Iface) {
			return s, errorf(ReasonWrongSource, "discriminator %d belongs to %s, packet from %s on %q", p.YourDiscr, s.cfg.Key, src, d.Iface)
		}
		return s, nil
	}
	k := Key{Peer: src, Multihop: d.Multihop}
	if d.Multihop {
		k.Local = d.Dst.Unmap()
		if s := e.sessions[k]; s != nil {
			return s, nil
		}
	} else {
		k.Iface = d.Iface
		if s := e.sessions[k]; s != nil {
			return s, nil
		}
		// A single-hop session configured with its local address.
		for sk, s := range e.sessions {
			if !sk.Multihop && sk.Peer == src && sk.Iface == d.Iface {
				return s, nil
			}
		}
	}
	return nil, errorf(ReasonNoSession, "no session for %s on %q", src, d.Iface)
}

// handle processes one received packet (§6.8.6).
func (e *engine) handle(now time.Time, d Datagram) {
	p, err := Decode(d.Data)
	if err == nil {
		err = p.Check()
	}
	if err != nil {
		e.drop(nil, d, err)
		return
	}
	// RFC 5881 §4 has senders use 49152–65535 but asks nothing of
	// receivers, and BIRD sends from the kernel's ephemeral range
	// (32768–60999): drop only well-known ports and BFD's own, which are
	// reflections or loops, never a session's socket.
	if sp := d.Src.Port(); sp < 1024 || sp == PortSingleHop || sp == PortMultihop || sp == portEcho {
		e.drop(nil, d, errorf(ReasonSourcePort, "source port %d", sp))
		return
	}
	s, err := e.lookup(d, p)
	if err != nil {
		e.drop(s, d, err)
		return
	}
	if d.TTL >= 0 {
		switch {
		case !s.cfg.Multihop && s.cfg.Auth == nil && d.TTL != TTL:
			e.drop(s, d, errorf(ReasonTTL, "TTL %d on a single-hop session", d.TTL))
			return
		case s.cfg.Multihop && d.TTL < int(s.cfg.MinTTL):
			e.drop(s, d, errorf(ReasonTTL, "TTL %d below %d", d.TTL, s.cfg.MinTTL))
			return
		}
	}
	if err := Verify(d.Data, p, s.cfg.Auth); err != nil {
		e.drop(s, d, err)
		return
	}
	if err := s.checkSeq(p.Auth); err != nil {
		e.drop(s, d, err)
		return
	}
	s.rx++
	s.lastRx = now
	s.remoteDiscr = p.MyDiscr
	s.remoteState = p.State
	s.remoteDemand = p.Demand
	s.remoteMinRx = Interval(p.RequiredMinRx)
	s.remoteTx = Interval(p.DesiredMinTx)
	s.remoteMult = p.DetectMult
	s.remoteDiag = p.Diag
	if p.Final && s.poll {
		s.poll = false
		s.effTx, s.effRx = s.advTx(), s.cfg.MinRx
	}
	if s.state == StateAdminDown {
		return
	}
	// The packet counts for the detection time.
	s.detectAt = now.Add(s.detectTime())
	// A shorter interval (the peer went fast) applies now, not after
	// the slow one already scheduled.
	if t := now.Add(s.txInterval()); t.Before(s.nextTx) {
		s.nextTx = now.Add(e.jitter(s.txInterval(), s.cfg.Multiplier))
	}

	next, diag := s.state, s.localDiag
	remoteAdmin := false
	if p.State == StateAdminDown {
		if s.state != StateDown {
			next, diag, remoteAdmin = StateDown, DiagNeighborDown, true
		}
	} else {
		switch s.state {
		case StateDown:
			next, diag = s.rxDown(p)
		case StateInit:
			next, diag = s.rxInit(p)
		case StateUp:
			next, diag = s.rxUp(p)
		}
	}
	if next != s.state {
		e.transition(now, s, next, diag, remoteAdmin)
	}
	if p.Poll {
		// §6.8.6: answer a poll at once, outside the periodic schedule.
		e.send(now, s, true)
	}
}

// transition moves s to state next, tells the clients and the peer.
func (e *engine) transition(now time.Time, s *session, next State, diag Diag, remoteAdmin bool) {
	old := s.state
	s.state, s.localDiag, s.since = next, diag, now
	switch {
	case next == StateUp:
		s.effTx = s.advTx()
		s.localDiag = DiagNone
		// Leave the slow rate: the peer learns our real TX in a poll.
		if s.cfg.MinTx < slowTx {
			s.poll = true
		}
	case old == StateUp:
		s.poll = false
		s.effTx, s.effRx = s.advTx(), s.cfg.MinRx
		s.downs++
		s.lastDown = diag
	}
	if next == StateAdminDown || old == StateAdminDown {
		s.poll = false
		s.effTx = s.advTx()
	}
	e.log.Info("session state", "session", s.cfg.Key, "from", old, "to", next, "diag", diag)
	e.changes = append(e.changes, Change{Key: s.cfg.Key, Old: old, New: next, Diag: diag, RemoteAdminDown: remoteAdmin, At: now})
	if next == StateUp {
		e.events.Emit(routing.Event{Daemon: "bfd", Kind: routing.EventSessionUp, Peer: s.cfg.Peer, Iface: s.cfg.Iface,
			Detail: fmt.Sprintf("tx %v rx %v ×%d", s.cfg.MinTx, s.cfg.MinRx, s.cfg.Multiplier)})
	} else if old == StateUp {
		e.events.Emit(routing.Event{Daemon: "bfd", Kind: routing.EventSessionDown, Peer: s.cfg.Peer, Iface: s.cfg.Iface,
			Detail: diag.String()})
	}
	// Tell the peer now rather than at the next (maybe slow) tick.
	e.send(now, s, false)
}

// jitter applies §6.8.7: each interval is 75–100% of the nominal one,
// 75–90% with a multiplier of 1.
func (e *engine) jitter(d time.Duration, mult uint8) time.Duration {
	spread := 251
	if mult == 1 {
		spread = 151
	}
	return d * time.Duration(750+e.rnd.IntN(spread)) / 1000
}

// send sends one control packet; final answers a poll.
func (e *engine) send(now time.Time, s *session, final bool) {
	p := &Packet{
		Version: Version, Diag: s.localDiag, State: s.state,
		Poll: s.poll && !final, Final: final,
		DetectMult: s.cfg.Multiplier, MyDiscr: s.localDiscr, YourDiscr: s.remoteDiscr,
		DesiredMinTx: Micros(s.advTx()), RequiredMinRx: Micros(s.cfg.MinRx),
	}
	if s.cfg.Auth != nil {
		// Meticulous types count every packet; the others may repeat,
		// but counting does no harm and keeps one code path.
		s.xmitSeq++
		p.Auth = newAuth(s.cfg.Auth, s.xmitSeq)
	}
	b := p.Marshal()
	Sign(b, s.cfg.Auth)
	s.tx++
	if err := e.tr.Send(s.cfg.Key, b); err != nil {
		e.log.Debug("send", "session", s.cfg.Key, "error", err)
	}
}

// advance runs every timer due at now: detection expiry (§6.8.4) and
// periodic transmission (§6.8.7).
func (e *engine) advance(now time.Time) {
	for _, s := range e.sessions {
		if !s.detectAt.IsZero() && !now.Before(s.detectAt) {
			s.detectAt = time.Time{}
			// §6.8.1: the peer is forgotten when the detection time
			// passes, so packets go out with Your Discriminator 0.
			s.remoteDiscr, s.remoteState, s.remoteMinRx, s.remoteDemand = 0, StateDown, time.Microsecond, false
			s.seqKnown = false
			if s.state == StateInit || s.state == StateUp {
				e.transition(now, s, StateDown, DiagControlDetectExpired, false)
			}
		}
		if !now.Before(s.nextTx) {
			s.nextTx = now.Add(e.jitter(s.txInterval(), s.cfg.Multiplier))
			if s.mayTransmit() {
				e.send(now, s, false)
			}
		}
	}
}

// next is when advance must run again.
func (e *engine) next() time.Time {
	var t time.Time
	upd := func(c time.Time) {
		if !c.IsZero() && (t.IsZero() || c.Before(t)) {
			t = c
		}
	}
	for _, s := range e.sessions {
		upd(s.detectAt)
		upd(s.nextTx)
	}
	return t
}

// takeChanges returns the state changes since the last call.
func (e *engine) takeChanges() []Change {
	c := e.changes
	e.changes = nil
	return c
}

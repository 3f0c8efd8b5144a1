package bgp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing/bgp/wire"
)

// State is a session state of RFC 4271 §8.
type State int32

// Session states.
const (
	StateIdle State = iota
	StateConnect
	StateActive
	StateOpenSent
	StateOpenConfirm
	StateEstablished
)

func (s State) String() string {
	return [...]string{"Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established"}[s]
}

// PeerConfig is one session's configuration.
type PeerConfig struct {
	Name      string     `json:"name"` // a node name, or the address for external peers
	LocalAS   uint32     `json:"local_as"`
	PeerAS    uint32     `json:"peer_as"`
	LocalAddr netip.Addr `json:"local_addr"`
	PeerAddr  netip.Addr `json:"peer_addr"`
	RouterID  netip.Addr `json:"router_id"`
	// Iface is the interface a directly connected session runs over (""
	// for iBGP between loopbacks): losing its carrier drops the session.
	Iface   string `json:"iface,omitempty"`
	Passive bool   `json:"passive,omitempty"`
	// Hold, Keepalive and ConnectRetry are our proposals; the session
	// negotiates hold = min(ours, theirs).
	Hold         time.Duration `json:"hold"`
	Keepalive    time.Duration `json:"keepalive"`
	ConnectRetry time.Duration `json:"connect_retry"`
	// Relationship is the peer's role seen from us: customer, peer,
	// provider or "".
	Relationship string `json:"relationship,omitempty"`
	Import       string `json:"import,omitempty"` // policy names
	Export       string `json:"export,omitempty"`
	Description  string `json:"description,omitempty"`
	// RRClient makes the (iBGP) peer a route-reflector client of ours
	// (RFC 4456): we reflect routes to and from it.
	RRClient bool `json:"rr_client,omitempty"`
}

// IBGP reports whether the session is internal.
func (c *PeerConfig) IBGP() bool { return c.LocalAS == c.PeerAS }

// sessionHooks is what a session tells its owner. All calls come from the
// session's own goroutine, one at a time.
type sessionHooks interface {
	established(s *Session, open *wire.Open)
	update(s *Session, u *wire.Update)
	refresh(s *Session)
	down(s *Session, reason string)
}

// Dialer opens the TCP connection to a peer.
type Dialer func(ctx context.Context, local, remote netip.Addr) (net.Conn, error)

// Session runs one peer's FSM.
type Session struct {
	cfg   PeerConfig
	hooks sessionHooks
	dial  Dialer
	log   hclog.Logger

	// Written by the FSM goroutine only; read by anyone.
	state     atomic.Int32
	upSince   atomic.Int64 // unix nanos of Established, 0 when not
	lastError atomic.Value // string
	as4       atomic.Bool

	// Inputs from other goroutines.
	incoming chan net.Conn
	resetReq chan string
	done     chan struct{} // closed when Run returns
	colls    chan collision

	// FSM goroutine only.
	conn        net.Conn
	connLocal   bool // we initiated conn
	rx          chan rxEvent
	peerOpen    *wire.Open
	hold        time.Duration
	keepalive   time.Duration
	holdTimer   *time.Timer
	kaTimer     *time.Timer
	idleBackoff bool

	// Guards writes on conn (the daemon sends UPDATEs from its goroutine).
	wmu   sync.Mutex
	wconn net.Conn
}

// Reasons for state changes: logged, and kept as the session's last
// error when it falls back to Idle (`netemu bgp` shows it). Dynamic
// reasons (a NOTIFICATION received, an I/O error) are built from these
// words plus the detail.
const (
	reasonStopped          = "stopped"
	reasonPassive          = "passive"
	reasonStart            = "start"
	reasonConnectRetry     = "connect retry timer"
	reasonConnectRetryDial = "connect retry timer expired"
	reasonConnected        = "connected"
	reasonHoldExpired      = "hold timer expired"
	reasonOpenAccepted     = "OPEN accepted"
	reasonKeepaliveRecv    = "KEEPALIVE received"
	reasonOpenEstablished  = "OPEN in Established"
	reasonNotification     = "NOTIFICATION received"
)

// rxEvent is what a connection's reader hands the FSM: one message, or
// the error that ended reading.
type rxEvent struct {
	conn net.Conn
	msg  wire.Message
	err  error
}

// collision is the OPEN read from a second connection while one is
// already opening.
type collision struct {
	conn net.Conn
	open *wire.Open
	err  error
}

// event is what recv hands a state method: one of the types below.
type event interface{ fsmEvent() }

type (
	// evReset: the operator reset the session, or ctx ended (reason
	// "stopped").
	evReset struct{ reason string }
	// evHoldExpired: the hold timer (or OpenSent's large one) fired.
	evHoldExpired struct{}
	// evKeepaliveDue: time to send a KEEPALIVE.
	evKeepaliveDue struct{}
	// evMessage: a message or read error on the current connection.
	evMessage rxEvent
	// evCollision: the peer's OPEN on a second connection.
	evCollision collision
)

func (evReset) fsmEvent()        {}
func (evHoldExpired) fsmEvent()  {}
func (evKeepaliveDue) fsmEvent() {}
func (evMessage) fsmEvent()      {}
func (evCollision) fsmEvent()    {}

// NewSession makes a session; Run drives it.
func newSession(cfg PeerConfig, hooks sessionHooks, dial Dialer, log hclog.Logger) *Session {
	s := &Session{
		cfg: cfg, hooks: hooks, dial: dial,
		log:      log.With("peer", cfg.PeerAddr.String()),
		incoming: make(chan net.Conn, 4),
		resetReq: make(chan string, 1),
		rx:       make(chan rxEvent, 64),
		done:     make(chan struct{}),
		colls:    make(chan collision, 4),
	}
	s.lastError.Store("")
	return s
}

// State is the current FSM state.
func (s *Session) State() State { return State(s.state.Load()) }

// Config returns the session's configuration.
func (s *Session) Config() PeerConfig { return s.cfg }

// Incoming hands the session a connection accepted from its peer.
func (s *Session) Incoming(c net.Conn) {
	select {
	case s.incoming <- c:
	default:
		c.Close()
	}
}

// Reset drops the session now (link loss, operator); it reconnects after
// the connect-retry time.
func (s *Session) Reset(reason string) {
	select {
	case s.resetReq <- reason:
	default:
	}
}

// Run drives the FSM until ctx ends, one method per state.
func (s *Session) Run(ctx context.Context) {
	defer close(s.done)
	st := StateIdle
	for {
		s.state.Store(int32(st))
		var next State
		var reason string
		switch st {
		case StateIdle:
			next, reason = s.idle(ctx)
		case StateConnect:
			next, reason = s.connect(ctx)
		case StateActive:
			next, reason = s.active(ctx)
		case StateOpenSent:
			next, reason = s.openSent(ctx)
		case StateOpenConfirm:
			next, reason = s.openConfirm(ctx)
		case StateEstablished:
			next, reason = s.established(ctx)
		}
		if ctx.Err() != nil {
			s.closeConn(&wire.Notification{Code: wire.ErrCease, Subcode: wire.CeaseAdminShutdown})
			s.state.Store(int32(StateIdle))
			return
		}
		if next != st {
			s.log.Debug("state change", "from", st, "to", next, "reason", reason)
		}
		if next == StateIdle {
			s.lastError.Store(reason)
			s.closeConn(nil)
			s.idleBackoff = true
		}
		st = next
	}
}

// jittered applies RFC 4271 §10's jitter (a factor between 0.75 and 1) to
// the ConnectRetry timer. Without it two speakers whose sessions dropped at
// the same moment (both hold timers expiring in a silent failure) retry in
// lockstep: each adopts the other's connection and drops its own, forever.
func jittered(d time.Duration) time.Duration {
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

func (s *Session) idle(ctx context.Context) (State, string) {
	if s.idleBackoff {
		t := time.NewTimer(jittered(s.cfg.ConnectRetry))
		defer t.Stop()
		select {
		case <-ctx.Done():
			return StateIdle, reasonStopped
		case <-t.C:
		case c := <-s.incoming:
			// The peer is back: take its connection instead of waiting.
			return s.adopt(c, false)
		}
	}
	if s.cfg.Passive {
		return StateActive, reasonPassive
	}
	return StateConnect, reasonStart
}

func (s *Session) connect(ctx context.Context) (State, string) {
	// The ConnectRetryTimer bounds the dial (RFC 4271 §8.2.2, Connect).
	dctx, cancel := context.WithTimeout(ctx, jittered(s.cfg.ConnectRetry))
	defer cancel()
	res := make(chan rxEvent) // unbuffered: a dial nobody waits for closes its conn
	go func() {
		c, err := s.dial(dctx, s.cfg.LocalAddr, s.cfg.PeerAddr)
		select {
		case res <- rxEvent{conn: c, err: err}:
		case <-dctx.Done():
			if c != nil {
				c.Close()
			}
		}
	}()
	select {
	case <-ctx.Done():
		return StateIdle, reasonStopped
	case r := <-res:
		if r.err != nil {
			s.log.Debug("connect failed", "error", r.err)
			return StateActive, fmt.Sprintf("connect: %v", r.err)
		}
		return s.adopt(r.conn, true)
	case <-dctx.Done():
		// ConnectRetryTimer_Expires: dial again, staying in Connect
		// (§8.2.2). The dialer may see the deadline too and hand nothing
		// back on res: waiting for res alone left both speakers in Connect
		// for good after a silent failure (their SYNs lost), each waiting
		// for a dial that had given up, even once the link was repaired.
		return StateConnect, reasonConnectRetryDial
	case c := <-s.incoming:
		return s.adopt(c, false)
	case r := <-s.resetReq:
		return StateIdle, r
	}
}

func (s *Session) active(ctx context.Context) (State, string) {
	var retry <-chan time.Time
	if !s.cfg.Passive {
		t := time.NewTimer(jittered(s.cfg.ConnectRetry))
		defer t.Stop()
		retry = t.C
	}
	select {
	case <-ctx.Done():
		return StateIdle, reasonStopped
	case <-retry:
		return StateConnect, reasonConnectRetry
	case c := <-s.incoming:
		return s.adopt(c, false)
	case r := <-s.resetReq:
		return StateIdle, r
	}
}

// adopt makes c the session's connection and sends our OPEN on it.
func (s *Session) adopt(c net.Conn, local bool) (State, string) {
	s.conn, s.connLocal = c, local
	s.as4.Store(false)
	s.wmu.Lock()
	s.wconn = c
	s.wmu.Unlock()
	go s.reader(c, s.rx)
	if err := s.send(s.ourOpen()); err != nil {
		return StateIdle, fmt.Sprintf("send OPEN: %v", err)
	}
	return StateOpenSent, reasonConnected
}

func (s *Session) ourOpen() *wire.Open {
	return wire.NewOpen(s.cfg.LocalAS, uint16(s.cfg.Hold/time.Second), s.cfg.RouterID)
}

func (s *Session) reader(c net.Conn, out chan<- rxEvent) {
	for {
		m, err := wire.ReadMessageWith(c, s.Options)
		select {
		case out <- rxEvent{conn: c, msg: m, err: err}:
		case <-s.done:
			c.Close()
			return
		}
		if m == nil || err != nil {
			var me *wire.MessageError
			if m != nil && errors.As(err, &me) && me.Action != wire.ActionSessionReset {
				continue // a treat-as-withdraw UPDATE: the session goes on
			}
			return
		}
	}
}

// recv waits for the next event on the current connection. hold and ka
// are the timers of the state (nil: not running).
func (s *Session) recv(ctx context.Context, hold, ka <-chan time.Time) event {
	for {
		select {
		case <-ctx.Done():
			return evReset{reasonStopped}
		case r := <-s.resetReq:
			return evReset{r}
		case <-hold:
			return evHoldExpired{}
		case <-ka:
			return evKeepaliveDue{}
		case e := <-s.rx:
			if e.conn != s.conn {
				continue // from a connection we already dropped
			}
			return evMessage(e)
		case nc := <-s.incoming:
			if s.State() == StateEstablished {
				// RFC 4271 §6.8: an Established session wins.
				sendRaw(nc, &wire.Notification{Code: wire.ErrCease, Subcode: wire.CeaseCollision})
				nc.Close()
				continue
			}
			go s.readCollisionOpen(nc, s.colls, s.done)
		case cl := <-s.colls:
			if s.conn == nil {
				cl.conn.Close()
				continue
			}
			return evCollision(cl)
		}
	}
}

// readCollisionOpen sends our OPEN on a second connection and reads the
// peer's, to compare BGP identifiers.
func (s *Session) readCollisionOpen(c net.Conn, colls chan<- collision, done <-chan struct{}) {
	out := make(chan collision, 1)
	defer func() {
		select {
		case colls <- <-out:
		case <-done:
			c.Close()
		}
	}()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := sendRaw(c, s.ourOpen()); err != nil {
		out <- collision{conn: c, err: err}
		return
	}
	m, err := wire.ReadMessage(c, wire.Options{})
	if err == nil {
		o, ok := m.(*wire.Open)
		if !ok {
			err = fmt.Errorf("%s before OPEN", m.Type())
		}
		c.SetDeadline(time.Time{})
		out <- collision{conn: c, open: o, err: err}
		return
	}
	out <- collision{conn: c, err: err}
}

// resolveCollision keeps the connection opened by the speaker with the
// higher BGP identifier (RFC 4271 §6.8). It returns true when the new
// connection replaced the current one.
func (s *Session) resolveCollision(cl *collision) bool {
	if cl.err != nil {
		cl.conn.Close()
		return false
	}
	remoteWins := collisionRemoteWins(s.cfg.RouterID, cl.open.BGPID, s.cfg.LocalAS, cl.open.ASN())
	if s.connLocal && remoteWins || !s.connLocal {
		s.log.Debug("collision: keeping the peer's connection")
		s.closeConn(&wire.Notification{Code: wire.ErrCease, Subcode: wire.CeaseCollision})
		s.conn, s.connLocal = cl.conn, false
		s.as4.Store(false)
		s.wmu.Lock()
		s.wconn = cl.conn
		s.wmu.Unlock()
		s.peerOpen = cl.open
		return true
	}
	s.log.Debug("collision: keeping our connection")
	sendRaw(cl.conn, &wire.Notification{Code: wire.ErrCease, Subcode: wire.CeaseCollision})
	cl.conn.Close()
	return false
}

func ipLess(a, b netip.Addr) bool { return a.Compare(b) < 0 }

// collisionRemoteWins reports whether the connection the peer opened is
// the one to keep: the speaker with the higher BGP identifier wins (RFC
// 4271 §6.8); with equal identifiers, possible between ASes since RFC 6286,
// the one with the larger AS does (RFC 6286 §2.3).
func collisionRemoteWins(localID, remoteID netip.Addr, localAS, remoteAS uint32) bool {
	if localID == remoteID {
		return localAS < remoteAS
	}
	return ipLess(localID, remoteID)
}

// leave handles the events that end OpenSent, OpenConfirm and Established
// alike, and sends a KEEPALIVE when one is due (ok false: the session
// stays). where is the state named in the hold timer's reason.
func (s *Session) leave(ev event, where string) (next State, reason string, ok bool) {
	switch ev := ev.(type) {
	case evReset:
		s.closeConn(&wire.Notification{Code: wire.ErrCease, Subcode: wire.CeaseAdminReset})
		return StateIdle, ev.reason, true
	case evHoldExpired:
		s.closeConn(&wire.Notification{Code: wire.ErrHoldTimer})
		return StateIdle, reasonHoldExpired + where, true
	case evKeepaliveDue:
		if err := s.send(&wire.Keepalive{}); err != nil {
			return StateIdle, err.Error(), true
		}
		s.restart(s.kaTimer, s.keepalive)
	}
	return 0, "", false
}

func (s *Session) openSent(ctx context.Context) (State, string) {
	// RFC 4271 §8.2.2: a large hold time while waiting for the OPEN.
	t := time.NewTimer(4 * time.Minute)
	defer t.Stop()
	for {
		ev := s.recv(ctx, t.C, nil)
		if next, reason, ok := s.leave(ev, " in OpenSent"); ok {
			return next, reason
		}
		switch ev := ev.(type) {
		case evCollision:
			if s.resolveCollision((*collision)(&ev)) {
				// The new connection's OPEN is already in hand; the new
				// reader starts now that OPEN has been consumed.
				go s.reader(s.conn, s.rx)
				return s.processOpen(s.peerOpen)
			}
		case evMessage:
			if ev.err != nil {
				return s.fail(ev.err)
			}
			switch m := ev.msg.(type) {
			case *wire.Open:
				return s.processOpen(m)
			case *wire.Notification:
				return StateIdle, fmt.Sprintf("%s: %v", reasonNotification, m)
			default:
				s.closeConn(&wire.Notification{Code: wire.ErrFSM, Subcode: wire.ErrFSMUnexpectedInOpenSent})
				return StateIdle, fmt.Sprintf("%s in OpenSent", m.Type())
			}
		}
	}
}

// fail ends the session after a receive error: a *MessageError becomes
// its NOTIFICATION.
func (s *Session) fail(err error) (State, string) {
	var me *wire.MessageError
	if errors.As(err, &me) {
		s.closeConn(me.Notification())
		return StateIdle, me.Error()
	}
	return StateIdle, fmt.Sprintf("connection: %v", err)
}

// CheckOpen validates a peer's OPEN against the session (RFC 4271 §6.2,
// RFC 6793, RFC 5492).
func CheckOpen(cfg *PeerConfig, o *wire.Open) *wire.MessageError {
	if o.Version != 4 {
		return wire.ResetError(wire.ErrOpen, wire.ErrOpenUnsupportedVersion, []byte{0, 4}, "version %d", o.Version)
	}
	if len(o.OtherParams) > 0 {
		return wire.ResetError(wire.ErrOpen, wire.ErrOpenUnsupportedOptParam, nil, "optional parameter %d", o.OtherParams[0].Type)
	}
	asn, has4, err := o.FourOctetAS()
	if err != nil {
		return wire.ResetError(wire.ErrOpen, wire.ErrOpenBadPeerAS, nil, "%v", err)
	}
	if !has4 {
		asn = uint32(o.MyAS)
	}
	if has4 && asn > 0xffff && o.MyAS != wire.ASTrans {
		return wire.ResetError(wire.ErrOpen, wire.ErrOpenBadPeerAS, nil, "My AS %d with 4-octet AS %d", o.MyAS, asn)
	}
	if asn != cfg.PeerAS {
		data := []byte{byte(o.MyAS >> 8), byte(o.MyAS)}
		return wire.ResetError(wire.ErrOpen, wire.ErrOpenBadPeerAS, data, "peer AS %d, expected %d", asn, cfg.PeerAS)
	}
	if o.HoldTime == 1 || o.HoldTime == 2 {
		return wire.ResetError(wire.ErrOpen, wire.ErrOpenUnacceptableHold, nil, "hold time %d", o.HoldTime)
	}
	// RFC 6286 §2.2: the identifier is any non-zero 4-octet number, no
	// longer a host address (so 224.0.0.1 or 255.255.255.255 are fine);
	// only an internal peer must not share ours.
	id := o.BGPID
	if !id.Is4() || id.IsUnspecified() || (cfg.IBGP() && id == cfg.RouterID) {
		return wire.ResetError(wire.ErrOpen, wire.ErrOpenBadBGPID, nil, "BGP identifier %v", id)
	}
	return nil
}

func (s *Session) processOpen(o *wire.Open) (State, string) {
	if me := CheckOpen(&s.cfg, o); me != nil {
		s.closeConn(me.Notification())
		return StateIdle, me.Error()
	}
	s.peerOpen = o
	_, has4, _ := o.FourOctetAS()
	s.as4.Store(has4)
	s.hold = min(s.cfg.Hold, time.Duration(o.HoldTime)*time.Second)
	s.keepalive = 0
	if s.hold > 0 {
		s.keepalive = min(s.cfg.Keepalive, s.hold/3)
		if s.keepalive <= 0 {
			s.keepalive = s.hold / 3
		}
	}
	if err := s.send(&wire.Keepalive{}); err != nil {
		return StateIdle, fmt.Sprintf("send KEEPALIVE: %v", err)
	}
	return StateOpenConfirm, reasonOpenAccepted
}

// timers returns channels for the hold and keepalive timers (nil when the
// negotiated hold time is 0).
func (s *Session) startTimers() (hold, ka <-chan time.Time, stop func()) {
	if s.hold == 0 {
		return nil, nil, func() {}
	}
	s.holdTimer = time.NewTimer(s.hold)
	s.kaTimer = time.NewTimer(s.keepalive)
	return s.holdTimer.C, s.kaTimer.C, func() { s.holdTimer.Stop(); s.kaTimer.Stop() }
}

func (s *Session) restart(t *time.Timer, d time.Duration) {
	if t != nil {
		t.Reset(d)
	}
}

func (s *Session) openConfirm(ctx context.Context) (State, string) {
	hold, ka, stop := s.startTimers()
	defer stop()
	for {
		ev := s.recv(ctx, hold, ka)
		if next, reason, ok := s.leave(ev, " in OpenConfirm"); ok {
			return next, reason
		}
		switch ev := ev.(type) {
		case evCollision:
			if s.resolveCollision((*collision)(&ev)) {
				go s.reader(s.conn, s.rx)
				return s.processOpen(s.peerOpen)
			}
		case evMessage:
			if ev.err != nil {
				return s.fail(ev.err)
			}
			switch m := ev.msg.(type) {
			case *wire.Keepalive:
				return StateEstablished, reasonKeepaliveRecv
			case *wire.Notification:
				return StateIdle, fmt.Sprintf("%s: %v", reasonNotification, m)
			default:
				s.closeConn(&wire.Notification{Code: wire.ErrFSM, Subcode: wire.ErrFSMUnexpectedInOpenConfirm})
				return StateIdle, fmt.Sprintf("%s in OpenConfirm", m.Type())
			}
		}
	}
}

func (s *Session) established(ctx context.Context) (State, string) {
	s.upSince.Store(time.Now().UnixNano())
	defer s.upSince.Store(0)
	s.lastError.Store("")
	s.hooks.established(s, s.peerOpen)
	hold, ka, stop := s.startTimers()
	defer stop()
	next, reason := s.establishedLoop(ctx, hold, ka)
	s.hooks.down(s, reason)
	return next, reason
}

func (s *Session) establishedLoop(ctx context.Context, hold, ka <-chan time.Time) (State, string) {
	for {
		ev := s.recv(ctx, hold, ka)
		if next, reason, ok := s.leave(ev, ""); ok {
			return next, reason
		}
		switch ev := ev.(type) {
		case evCollision:
			if ev.conn != nil {
				sendRaw(ev.conn, &wire.Notification{Code: wire.ErrCease, Subcode: wire.CeaseCollision})
				ev.conn.Close()
			}
		case evMessage:
			if next, reason, done := s.establishedMessage(rxEvent(ev)); done {
				return next, reason
			}
		}
	}
}

// establishedMessage handles one message in Established; done is set when
// the session leaves the state.
func (s *Session) establishedMessage(ev rxEvent) (next State, reason string, done bool) {
	var me *wire.MessageError
	if ev.err != nil && !(errors.As(ev.err, &me) && me.Action != wire.ActionSessionReset && ev.msg != nil) {
		next, reason = s.fail(ev.err)
		return next, reason, true
	}
	s.restart(s.holdTimer, s.hold)
	switch m := ev.msg.(type) {
	case *wire.Keepalive:
	case *wire.Update:
		if me != nil {
			s.log.Warn("malformed UPDATE handled as withdraw", "error", me)
		}
		s.hooks.update(s, m)
	case *wire.RouteRefresh:
		// Only a plain request (subtype 0) asks for our routes: we do
		// not announce enhanced route refresh, so BoRR/EoRR markers
		// (subtypes 1, 2) and unknown subtypes are ignored (RFC 7313
		// §5), as are families we did not negotiate (RFC 2918 §4).
		if m.AFI == wire.AFIIPv4 && m.SAFI == wire.SAFIUnicast && m.Reserved == wire.RefreshNormal {
			s.hooks.refresh(s)
		} else {
			s.log.Debug("ROUTE-REFRESH ignored", "afi", m.AFI, "safi", m.SAFI, "subtype", m.Reserved)
		}
	case *wire.Notification:
		return StateIdle, fmt.Sprintf("%s: %v", reasonNotification, m), true
	case *wire.Open:
		s.closeConn(&wire.Notification{Code: wire.ErrFSM, Subcode: wire.ErrFSMUnexpectedInEstablished})
		return StateIdle, reasonOpenEstablished, true
	}
	return 0, "", false
}

// Send writes messages on the session's connection (any goroutine).
func (s *Session) Send(msgs ...[]byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.wconn == nil {
		return errors.New("no connection")
	}
	s.wconn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	for _, m := range msgs {
		if _, err := s.wconn.Write(m); err != nil {
			// Closing makes the reader fail, which ends the session.
			s.wconn.Close()
			return fmt.Errorf("write to %v: %w", s.cfg.PeerAddr, err)
		}
	}
	return nil
}

func (s *Session) send(m wire.Message) error {
	b, err := wire.EncodeMessage(m, wire.Options{AS4: s.as4.Load()})
	if err != nil {
		return err
	}
	return s.Send(b)
}

// Options are the wire options the established session negotiated.
func (s *Session) Options() wire.Options {
	return wire.Options{AS4: s.as4.Load(), EBGP: !s.cfg.IBGP()}
}

func sendRaw(c net.Conn, m wire.Message) error {
	b, err := wire.EncodeMessage(m, wire.Options{})
	if err != nil {
		return err
	}
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Write(b)
	return err
}

// closeConn sends n (when set) and closes the current connection.
func (s *Session) closeConn(n *wire.Notification) {
	s.wmu.Lock()
	c := s.wconn
	s.wconn = nil
	s.wmu.Unlock()
	if c == nil {
		c = s.conn
	}
	if c == nil {
		return
	}
	if n != nil {
		sendRaw(c, n)
	}
	c.Close()
	s.conn = nil
}

package bfd

import (
	"fmt"
	"net/netip"
	"time"
)

// Key names a session. Single hop: the peer and the interface (Local, if
// set, is the source address). Multihop: the peer and the local address.
type Key struct {
	Peer     netip.Addr `json:"peer"`
	Local    netip.Addr `json:"local,omitzero"`
	Iface    string     `json:"iface,omitempty"`
	Multihop bool       `json:"multihop,omitempty"`
}

func (k Key) String() string {
	if k.Multihop {
		return fmt.Sprintf("%s from %s (multihop)", k.Peer, k.Local)
	}
	return fmt.Sprintf("%s on %s", k.Peer, k.Iface)
}

// Default timers (FRR's and BIRD's defaults: 300 ms × 3).
const (
	DefaultInterval   = 300 * time.Millisecond
	DefaultMultiplier = 3
	// slowTx is the least DesiredMinTxInterval while not Up (§6.8.3).
	slowTx = time.Second
)

// SessionConfig is what a client asks for.
type SessionConfig struct {
	Key
	// MinTx is bfd.DesiredMinTxInterval once Up, MinRx
	// bfd.RequiredMinRxInterval; Multiplier is bfd.DetectMult. Zero
	// means the default.
	MinTx      time.Duration `json:"min_tx,omitempty"`
	MinRx      time.Duration `json:"min_rx,omitempty"`
	Multiplier uint8         `json:"multiplier,omitempty"`
	// Passive sessions wait for the peer's first packet (§6.1).
	Passive bool `json:"passive,omitempty"`
	// MinTTL (multihop) is the lowest TTL accepted; 0 accepts any.
	// Single-hop packets must arrive with 255 when unauthenticated.
	MinTTL uint8       `json:"min_ttl,omitempty"`
	Auth   *AuthConfig `json:"auth,omitempty"`
}

func (c *SessionConfig) defaults() {
	if c.MinTx <= 0 {
		c.MinTx = DefaultInterval
	}
	if c.MinRx <= 0 {
		c.MinRx = DefaultInterval
	}
	if c.Multiplier == 0 {
		c.Multiplier = DefaultMultiplier
	}
}

// Validate checks a config a client passes in.
func (c *SessionConfig) Validate() error {
	switch {
	case !c.Peer.IsValid():
		return fmt.Errorf("bfd: session without a peer address")
	case c.Multihop && !c.Local.IsValid():
		return fmt.Errorf("bfd: multihop session to %s needs a local address", c.Peer)
	case !c.Multihop && c.Iface == "":
		return fmt.Errorf("bfd: single-hop session to %s needs an interface", c.Peer)
	case c.MinTx < 0 || c.MinRx < 0 || c.MinTx > time.Hour || c.MinRx > time.Hour:
		return fmt.Errorf("bfd: session to %s: intervals %v/%v out of range", c.Peer, c.MinTx, c.MinRx)
	}
	if c.Auth != nil {
		return c.Auth.Validate()
	}
	return nil
}

// Change is a session's state change, as clients see it.
type Change struct {
	Key  Key
	Old  State
	New  State
	Diag Diag
	// RemoteAdminDown marks a Down the peer asked for (it went
	// AdminDown): RFC 5882 §3.2 says clients should not treat it as a
	// failure of the path.
	RemoteAdminDown bool
	At              time.Time
}

// session is one BFD session: the state variables of RFC 5880 §6.8.1 and
// the timers. Only the engine touches it.
type session struct {
	cfg  SessionConfig
	refs int // clients holding it

	state       State
	remoteState State
	localDiscr  uint32
	remoteDiscr uint32
	localDiag   Diag
	remoteDiag  Diag

	// Timers as negotiated: remoteMinRx is bfd.RemoteMinRxInterval (1 µs
	// until heard, per §6.8.1), remoteTx the peer's DesiredMinTx.
	remoteMinRx  time.Duration
	remoteTx     time.Duration
	remoteMult   uint8
	remoteDemand bool
	// effTx and effRx are the intervals in force: a raised TX or a
	// lowered RX only takes effect when the poll sequence announcing it
	// ends (§6.8.3).
	effTx, effRx time.Duration
	poll         bool // a poll sequence is running

	nextTx   time.Time // next periodic packet
	detectAt time.Time // detection time expiry; zero: not armed
	lastRx   time.Time

	xmitSeq  uint32
	rcvSeq   uint32
	seqKnown bool

	since    time.Time // last state change
	downs    int
	rx, tx   uint64
	bad      map[Reason]uint64
	lastDown Diag
}

// advTx is the DesiredMinTxInterval sent: never below 1 s unless Up.
func (s *session) advTx() time.Duration {
	if s.state != StateUp {
		return max(s.cfg.MinTx, slowTx)
	}
	return s.cfg.MinTx
}

// txInterval is how often periodic packets go out (§6.8.7).
func (s *session) txInterval() time.Duration {
	return max(s.effTx, s.remoteMinRx)
}

// detectTime is the detection time in asynchronous mode (§6.8.4): the
// peer's multiplier times the agreed interval of its packets to us.
func (s *session) detectTime() time.Duration {
	return time.Duration(s.remoteMult) * max(s.effRx, s.remoteTx)
}

// mayTransmit applies §6.8.7's rules on when not to send periodically.
func (s *session) mayTransmit() bool {
	switch {
	case s.cfg.Passive && s.remoteDiscr == 0:
		return false
	case s.remoteMinRx == 0:
		return false
	case s.remoteDemand && s.state == StateUp && s.remoteState == StateUp && !s.poll:
		return false
	}
	return true
}

// The receive half of the state machine (§6.8.6), one method per local
// state: each returns the next state and the diagnostic to set.

func (s *session) rxDown(p *Packet) (State, Diag) {
	switch p.State {
	case StateDown:
		return StateInit, s.localDiag
	case StateInit:
		return StateUp, s.localDiag
	}
	return StateDown, s.localDiag
}

func (s *session) rxInit(p *Packet) (State, Diag) {
	if p.State == StateInit || p.State == StateUp {
		return StateUp, s.localDiag
	}
	return StateInit, s.localDiag
}

func (s *session) rxUp(p *Packet) (State, Diag) {
	if p.State == StateDown {
		return StateDown, DiagNeighborDown
	}
	return StateUp, s.localDiag
}

// checkSeq applies the sequence number rules of §6.7.3/§6.7.4 and
// records an accepted number.
func (s *session) checkSeq(a *Auth) error {
	if a == nil || a.Type.digestLen() == 0 {
		return nil
	}
	if s.seqKnown {
		window := 3 * uint32(max(s.cfg.Multiplier, s.remoteMult))
		lo := s.rcvSeq
		if a.Type.meticulous() {
			lo++
		}
		if a.Seq-lo > window-boolU32(a.Type.meticulous()) {
			return errorf(ReasonAuthSeq, "sequence %d outside [%d, %d]", a.Seq, lo, s.rcvSeq+window)
		}
	}
	s.rcvSeq, s.seqKnown = a.Seq, true
	return nil
}

func boolU32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// Package bfd is netemu's Bidirectional Forwarding Detection (RFC 5880)
// in asynchronous mode, single hop (RFC 5881) and multihop (RFC 5883):
// the control packet codec, the session state machine and an engine that
// runs many sessions with time passed in and the network behind an
// interface, so tests drive it without sleeping. The UDP sockets live in
// the _linux.go files. Clients (a BGP peer, a RIP next hop) watch a
// session and act at once when it goes Down.
package bfd

import (
	"encoding/binary"
	"fmt"
	"time"
)

// UDP ports (RFC 5881 §4, RFC 5883 §5) and the source port range every
// control packet must come from.
const (
	PortSingleHop = 3784
	PortMultihop  = 4784
	portEcho      = 3785
	SrcPortMin    = 49152
	SrcPortMax    = 65535
	// TTL is what single-hop packets are sent with and must arrive with
	// (RFC 5881 §5, the GTSM check).
	TTL = 255
)

// Version is the protocol version this package speaks.
const Version = 1

// headerLen is the mandatory section; the authentication section follows.
const headerLen = 24

// State is bfd.SessionState (RFC 5880 §4.1).
type State uint8

// States.
const (
	StateAdminDown State = 0
	StateDown      State = 1
	StateInit      State = 2
	StateUp        State = 3
)

func (s State) String() string {
	switch s {
	case StateAdminDown:
		return "AdminDown"
	case StateDown:
		return "Down"
	case StateInit:
		return "Init"
	case StateUp:
		return "Up"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// MarshalText writes the state's name (status JSON).
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a state's name.
func (s *State) UnmarshalText(b []byte) error {
	for c := StateAdminDown; c <= StateUp; c++ {
		if c.String() == string(b) {
			*s = c
			return nil
		}
	}
	return fmt.Errorf("bfd: unknown state %q", b)
}

// Diag is a diagnostic code (RFC 5880 §4.1): why the session last left Up.
type Diag uint8

// Diagnostic codes.
const (
	DiagNone                  Diag = 0
	DiagControlDetectExpired  Diag = 1
	DiagEchoFailed            Diag = 2
	DiagNeighborDown          Diag = 3
	DiagForwardingReset       Diag = 4
	DiagPathDown              Diag = 5
	DiagConcatPathDown        Diag = 6
	DiagAdminDown             Diag = 7
	DiagReverseConcatPathDown Diag = 8
)

var diagNames = [...]string{
	"no diagnostic", "control detection time expired", "echo function failed",
	"neighbor signaled session down", "forwarding plane reset", "path down",
	"concatenated path down", "administratively down", "reverse concatenated path down",
}

func (d Diag) String() string {
	if int(d) < len(diagNames) {
		return diagNames[d]
	}
	return fmt.Sprintf("diag %d", uint8(d))
}

// MarshalText writes the diagnostic's name (status JSON).
func (d Diag) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a diagnostic's name or "diag N".
func (d *Diag) UnmarshalText(b []byte) error {
	for i, n := range diagNames {
		if n == string(b) {
			*d = Diag(i)
			return nil
		}
	}
	var n uint8
	if _, err := fmt.Sscanf(string(b), "diag %d", &n); err != nil {
		return fmt.Errorf("bfd: unknown diagnostic %q", b)
	}
	*d = Diag(n)
	return nil
}

// AuthType is the authentication section's type (RFC 5880 §4.1).
type AuthType uint8

// Authentication types.
const (
	AuthNone                AuthType = 0
	AuthSimple              AuthType = 1
	AuthKeyedMD5            AuthType = 2
	AuthMeticulousKeyedMD5  AuthType = 3
	AuthKeyedSHA1           AuthType = 4
	AuthMeticulousKeyedSHA1 AuthType = 5
)

// digestLen is the length of a keyed type's digest (0 for others).
func (t AuthType) digestLen() int {
	switch t {
	case AuthKeyedMD5, AuthMeticulousKeyedMD5:
		return 16
	case AuthKeyedSHA1, AuthMeticulousKeyedSHA1:
		return 20
	}
	return 0
}

// meticulous reports whether the sequence number must grow with every
// packet (else it may repeat).
func (t AuthType) meticulous() bool {
	return t == AuthMeticulousKeyedMD5 || t == AuthMeticulousKeyedSHA1
}

func (t AuthType) String() string {
	switch t {
	case AuthNone:
		return "none"
	case AuthSimple:
		return "simple"
	case AuthKeyedMD5:
		return "keyed-md5"
	case AuthMeticulousKeyedMD5:
		return "meticulous-keyed-md5"
	case AuthKeyedSHA1:
		return "keyed-sha1"
	case AuthMeticulousKeyedSHA1:
		return "meticulous-keyed-sha1"
	}
	return fmt.Sprintf("auth type %d", uint8(t))
}

// Auth is a packet's authentication section. Simple password carries
// Password (1–16 bytes); the keyed types carry Seq and Digest (16 bytes for
// MD5, 20 for SHA1) and Reserved, which is zero on transmit and ignored on
// receipt but kept so a packet re-encodes to its own bytes.
type Auth struct {
	Type     AuthType
	KeyID    uint8
	Password []byte
	Reserved uint8
	Seq      uint32
	Digest   []byte
}

// len is the section's Auth Len.
func (a *Auth) len() int {
	if a.Type == AuthSimple {
		return 3 + len(a.Password)
	}
	return 8 + a.Type.digestLen()
}

// Packet is a BFD control packet (RFC 5880 §4.1). Intervals are in
// microseconds, as on the wire. The A bit is Auth != nil.
type Packet struct {
	Version    uint8
	Diag       Diag
	State      State
	Poll       bool
	Final      bool
	CPI        bool // control plane independent
	Demand     bool
	Multipoint bool
	DetectMult uint8
	MyDiscr    uint32
	YourDiscr  uint32
	// DesiredMinTx, RequiredMinRx and RequiredMinEchoRx are in µs.
	DesiredMinTx      uint32
	RequiredMinRx     uint32
	RequiredMinEchoRx uint32
	Auth              *Auth
}

// Reason says why a packet was dropped; each is a counter per session and
// for the engine.
type Reason string

// Reasons.
const (
	ReasonShort          Reason = "short"
	ReasonLength         Reason = "bad-length"
	ReasonVersion        Reason = "bad-version"
	ReasonDetectMult     Reason = "zero-detect-mult"
	ReasonMultipoint     Reason = "multipoint"
	ReasonMyDiscr        Reason = "zero-my-discriminator"
	ReasonYourDiscr      Reason = "zero-your-discriminator" // with state Init or Up
	ReasonNoSession      Reason = "no-session"
	ReasonWrongSource    Reason = "wrong-source"
	ReasonTTL            Reason = "bad-ttl"
	ReasonSourcePort     Reason = "bad-source-port"
	ReasonAuthMissing    Reason = "auth-missing"
	ReasonAuthUnexpected Reason = "auth-unexpected"
	ReasonAuthType       Reason = "auth-type"
	ReasonAuthMalformed  Reason = "auth-malformed"
	ReasonAuthFailed     Reason = "auth-failed"
	ReasonAuthSeq        Reason = "auth-sequence"
	ReasonPollFinal      Reason = "poll-and-final"
)

// Error is a decode or validation failure with its Reason.
type Error struct {
	Reason Reason
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("bfd: %s: %s", e.Reason, e.Msg) }

func errorf(r Reason, format string, a ...any) *Error {
	return &Error{Reason: r, Msg: fmt.Sprintf(format, a...)}
}

// Decode parses a control packet: the structure only (version, lengths,
// the authentication section). Bytes after the Length field's end are
// ignored. Check applies the field checks of RFC 5880 §6.8.6.
func Decode(b []byte) (*Packet, error) {
	if len(b) < headerLen {
		return nil, errorf(ReasonShort, "%d bytes, need %d", len(b), headerLen)
	}
	p := &Packet{
		Version:    b[0] >> 5,
		Diag:       Diag(b[0] & 0x1f),
		State:      State(b[1] >> 6),
		Poll:       b[1]&0x20 != 0,
		Final:      b[1]&0x10 != 0,
		CPI:        b[1]&0x08 != 0,
		Demand:     b[1]&0x02 != 0,
		Multipoint: b[1]&0x01 != 0,
		DetectMult: b[2],
	}
	if p.Version != Version {
		return nil, errorf(ReasonVersion, "version %d", p.Version)
	}
	authBit := b[1]&0x04 != 0
	n := int(b[3])
	min := headerLen
	if authBit {
		min = headerLen + 2
	}
	if n < min {
		return nil, errorf(ReasonLength, "length %d below %d", n, min)
	}
	if n > len(b) {
		return nil, errorf(ReasonLength, "length %d beyond the %d-byte payload", n, len(b))
	}
	b = b[:n]
	p.MyDiscr = binary.BigEndian.Uint32(b[4:])
	p.YourDiscr = binary.BigEndian.Uint32(b[8:])
	p.DesiredMinTx = binary.BigEndian.Uint32(b[12:])
	p.RequiredMinRx = binary.BigEndian.Uint32(b[16:])
	p.RequiredMinEchoRx = binary.BigEndian.Uint32(b[20:])
	if !authBit {
		if n != headerLen {
			return nil, errorf(ReasonLength, "length %d without authentication", n)
		}
		return p, nil
	}
	a, err := decodeAuth(b[headerLen:])
	if err != nil {
		return nil, err
	}
	p.Auth = a
	return p, nil
}

func decodeAuth(b []byte) (*Auth, error) {
	// The caller guarantees two bytes.
	a := &Auth{Type: AuthType(b[0])}
	alen := int(b[1])
	if alen != len(b) {
		return nil, errorf(ReasonAuthMalformed, "auth len %d, %d bytes follow the header", alen, len(b))
	}
	switch a.Type {
	case AuthSimple:
		if alen < 4 || alen > 19 {
			return nil, errorf(ReasonAuthMalformed, "simple password auth len %d", alen)
		}
		a.KeyID = b[2]
		a.Password = append([]byte(nil), b[3:]...)
	case AuthKeyedMD5, AuthMeticulousKeyedMD5, AuthKeyedSHA1, AuthMeticulousKeyedSHA1:
		if want := 8 + a.Type.digestLen(); alen != want {
			return nil, errorf(ReasonAuthMalformed, "%s auth len %d, want %d", a.Type, alen, want)
		}
		a.KeyID = b[2]
		a.Reserved = b[3]
		a.Seq = binary.BigEndian.Uint32(b[4:])
		a.Digest = append([]byte(nil), b[8:]...)
	default:
		return nil, errorf(ReasonAuthType, "%s", a.Type)
	}
	return a, nil
}

// Check applies the receive checks of RFC 5880 §6.8.6 that need no
// session: a packet failing one is discarded.
func (p *Packet) Check() error {
	switch {
	case p.DetectMult == 0:
		return errorf(ReasonDetectMult, "detect mult 0")
	case p.Multipoint:
		return errorf(ReasonMultipoint, "M bit set")
	case p.MyDiscr == 0:
		return errorf(ReasonMyDiscr, "my discriminator 0")
	case p.YourDiscr == 0 && p.State != StateDown && p.State != StateAdminDown:
		return errorf(ReasonYourDiscr, "your discriminator 0 in state %s", p.State)
	case p.Poll && p.Final:
		// §6.8.7: a packet MUST NOT have both; a sender that does is
		// broken, and answering it would confuse both poll sequences.
		return errorf(ReasonPollFinal, "P and F both set")
	}
	return nil
}

// Len is the encoded length.
func (p *Packet) Len() int {
	if p.Auth == nil {
		return headerLen
	}
	return headerLen + p.Auth.len()
}

// Append encodes p after dst. Version 0 is written as Version (1).
func (p *Packet) Append(dst []byte) []byte {
	v := p.Version
	if v == 0 {
		v = Version
	}
	var flags byte
	for _, f := range []struct {
		on  bool
		bit byte
	}{{p.Poll, 0x20}, {p.Final, 0x10}, {p.CPI, 0x08}, {p.Auth != nil, 0x04}, {p.Demand, 0x02}, {p.Multipoint, 0x01}} {
		if f.on {
			flags |= f.bit
		}
	}
	dst = append(dst, v<<5|byte(p.Diag)&0x1f, byte(p.State)<<6|flags, p.DetectMult, byte(p.Len()))
	dst = binary.BigEndian.AppendUint32(dst, p.MyDiscr)
	dst = binary.BigEndian.AppendUint32(dst, p.YourDiscr)
	dst = binary.BigEndian.AppendUint32(dst, p.DesiredMinTx)
	dst = binary.BigEndian.AppendUint32(dst, p.RequiredMinRx)
	dst = binary.BigEndian.AppendUint32(dst, p.RequiredMinEchoRx)
	if a := p.Auth; a != nil {
		dst = append(dst, byte(a.Type), byte(a.len()), a.KeyID)
		if a.Type == AuthSimple {
			dst = append(dst, a.Password...)
		} else {
			dst = append(dst, a.Reserved)
			dst = binary.BigEndian.AppendUint32(dst, a.Seq)
			d := make([]byte, a.Type.digestLen())
			copy(d, a.Digest)
			dst = append(dst, d...)
		}
	}
	return dst
}

// Marshal encodes p.
func (p *Packet) Marshal() []byte { return p.Append(make([]byte, 0, p.Len())) }

// Micros converts an interval to the wire's microseconds, saturating.
func Micros(d time.Duration) uint32 {
	us := d.Microseconds()
	switch {
	case us < 0:
		return 0
	case us > int64(^uint32(0)):
		return ^uint32(0)
	}
	return uint32(us)
}

// Interval converts the wire's microseconds to a duration.
func Interval(us uint32) time.Duration { return time.Duration(us) * time.Microsecond }

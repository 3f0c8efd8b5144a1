// Package wire is the BGP-4 message format: the header, OPEN with its
// capabilities (RFC 5492, 6793, 9072), UPDATE and its path attributes
// (RFC 4271, 4760, 1997, 8092), NOTIFICATION, KEEPALIVE and ROUTE-REFRESH
// (RFC 2918, 7313). Every message decodes and encodes symmetrically; a
// decode error is a *MessageError carrying the NOTIFICATION code and
// subcode it becomes and the RFC 7606 action it calls for.
//
// It is pure Go with no I/O beyond reading one message from a reader; the
// speaker (FSM, RIB, policy, daemon) is routing/bgp.
package wire

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// MsgType is the type octet of a BGP message header.
type MsgType uint8

// Message types (RFC 4271 §4.1, RFC 2918).
const (
	MsgOpen         MsgType = 1
	MsgUpdate       MsgType = 2
	MsgNotification MsgType = 3
	MsgKeepalive    MsgType = 4
	MsgRouteRefresh MsgType = 5
)

func (t MsgType) String() string {
	switch t {
	case MsgOpen:
		return "OPEN"
	case MsgUpdate:
		return "UPDATE"
	case MsgNotification:
		return "NOTIFICATION"
	case MsgKeepalive:
		return "KEEPALIVE"
	case MsgRouteRefresh:
		return "ROUTE-REFRESH"
	}
	return fmt.Sprintf("type-%d", uint8(t))
}

// Sizes fixed by RFC 4271 §4.
const (
	HeaderLen  = 19
	MaxMsgLen  = 4096
	markerLen  = 16
	minOpenLen = 29
)

// AS_TRANS stands in for a 4-octet ASN towards speakers that only know
// 2-octet ones (RFC 6793).
const ASTrans = 23456

// NOTIFICATION error codes (RFC 4271 §4.5, RFC 4486, RFC 7313).
const (
	ErrHeader      = 1
	ErrOpen        = 2
	ErrUpdate      = 3
	ErrHoldTimer   = 4
	ErrFSM         = 5
	ErrCease       = 6
	ErrRouteRefrsh = 7
	// ErrSendHoldTimer is RFC 9687's: the peer could not send to us.
	ErrSendHoldTimer = 8
)

// Message header error subcodes.
const (
	ErrHdrConnNotSync = 1
	ErrHdrBadLength   = 2
	ErrHdrBadType     = 3
)

// OPEN message error subcodes (RFC 4271 §6.2, RFC 5492).
const (
	ErrOpenUnsupportedVersion  = 1
	ErrOpenBadPeerAS           = 2
	ErrOpenBadBGPID            = 3
	ErrOpenUnsupportedOptParam = 4
	ErrOpenAuthFailure         = 5 // deprecated, but peers still send it
	ErrOpenUnacceptableHold    = 6
	ErrOpenUnsupportedCap      = 7
	ErrOpenRoleMismatch        = 11 // RFC 9234
)

// UPDATE message error subcodes (RFC 4271 §6.3).
const (
	ErrUpdMalformedAttrList   = 1
	ErrUpdUnrecognizedWKAttr  = 2
	ErrUpdMissingWKAttr       = 3
	ErrUpdAttrFlags           = 4
	ErrUpdAttrLength          = 5
	ErrUpdInvalidOrigin       = 6
	ErrUpdASRoutingLoop       = 7 // deprecated
	ErrUpdInvalidNextHop      = 8
	ErrUpdOptionalAttr        = 9
	ErrUpdInvalidNetworkField = 10
	ErrUpdMalformedASPath     = 11
)

// Finite State Machine error subcodes (RFC 6608).
const (
	ErrFSMUnexpectedInOpenSent    = 1
	ErrFSMUnexpectedInOpenConfirm = 2
	ErrFSMUnexpectedInEstablished = 3
)

// Cease subcodes (RFC 4486).
const (
	CeaseMaxPrefixes        = 1
	CeaseAdminShutdown      = 2
	CeasePeerDeconfigured   = 3
	CeaseAdminReset         = 4
	CeaseConnectionRejected = 5
	CeaseOtherConfigChange  = 6
	CeaseCollision          = 7
	CeaseOutOfResources     = 8
	CeaseHardReset          = 9  // RFC 8538
	CeaseBFDDown            = 10 // RFC 9384
)

// ROUTE-REFRESH message error subcodes (RFC 7313).
const (
	ErrRRInvalidLength = 1
)

// Action is what RFC 7606 says to do about a malformed message.
type Action uint8

// Actions, from mildest to most severe.
const (
	// ActionAttributeDiscard drops the attribute and processes the rest.
	ActionAttributeDiscard Action = iota + 1
	// ActionTreatAsWithdraw withdraws every prefix the UPDATE carries.
	ActionTreatAsWithdraw
	// ActionSessionReset sends the NOTIFICATION and closes the session.
	ActionSessionReset
)

func (a Action) String() string {
	switch a {
	case ActionAttributeDiscard:
		return "attribute-discard"
	case ActionTreatAsWithdraw:
		return "treat-as-withdraw"
	case ActionSessionReset:
		return "session-reset"
	}
	return "none"
}

// MessageError is a decode or protocol error carrying the NOTIFICATION it
// becomes and what RFC 7606 says to do about it.
type MessageError struct {
	Code    uint8
	Subcode uint8
	Data    []byte
	Action  Action
	Reason  string
}

func (e *MessageError) Error() string {
	return fmt.Sprintf("bgp error %d/%d (%s, %s): %s", e.Code, e.Subcode, CodeName(e.Code, e.Subcode), e.Action, e.Reason)
}

// Notification is the NOTIFICATION message the error becomes.
func (e *MessageError) Notification() *Notification {
	return &Notification{Code: e.Code, Subcode: e.Subcode, Data: e.Data}
}

// ResetError is a session-reset error with its NOTIFICATION code and
// subcode.
func ResetError(code, sub uint8, data []byte, format string, args ...any) *MessageError {
	return &MessageError{Code: code, Subcode: sub, Data: data, Action: ActionSessionReset, Reason: fmt.Sprintf(format, args...)}
}

// codeNames are the NOTIFICATION subcodes' names (a read-only table).
var codeNames = map[[2]uint8]string{
	{ErrHeader, ErrHdrConnNotSync}: "connection not synchronized",
	{ErrHeader, ErrHdrBadLength}:   "bad message length",
	{ErrHeader, ErrHdrBadType}:     "bad message type",

	{ErrOpen, ErrOpenUnsupportedVersion}:  "unsupported version",
	{ErrOpen, ErrOpenBadPeerAS}:           "bad peer AS",
	{ErrOpen, ErrOpenBadBGPID}:            "bad BGP identifier",
	{ErrOpen, ErrOpenUnsupportedOptParam}: "unsupported optional parameter",
	{ErrOpen, ErrOpenAuthFailure}:         "authentication failure",
	{ErrOpen, ErrOpenUnacceptableHold}:    "unacceptable hold time",
	{ErrOpen, ErrOpenUnsupportedCap}:      "unsupported capability",
	{ErrOpen, ErrOpenRoleMismatch}:        "role mismatch (RFC 9234)",

	{ErrUpdate, ErrUpdMalformedAttrList}:   "malformed attribute list",
	{ErrUpdate, ErrUpdUnrecognizedWKAttr}:  "unrecognized well-known attribute",
	{ErrUpdate, ErrUpdMissingWKAttr}:       "missing well-known attribute",
	{ErrUpdate, ErrUpdAttrFlags}:           "attribute flags error",
	{ErrUpdate, ErrUpdAttrLength}:          "attribute length error",
	{ErrUpdate, ErrUpdInvalidOrigin}:       "invalid ORIGIN",
	{ErrUpdate, ErrUpdASRoutingLoop}:       "AS routing loop",
	{ErrUpdate, ErrUpdInvalidNextHop}:      "invalid NEXT_HOP",
	{ErrUpdate, ErrUpdOptionalAttr}:        "optional attribute error",
	{ErrUpdate, ErrUpdInvalidNetworkField}: "invalid network field",
	{ErrUpdate, ErrUpdMalformedASPath}:     "malformed AS_PATH",

	{ErrFSM, ErrFSMUnexpectedInOpenSent}:    "unexpected message in OpenSent",
	{ErrFSM, ErrFSMUnexpectedInOpenConfirm}: "unexpected message in OpenConfirm",
	{ErrFSM, ErrFSMUnexpectedInEstablished}: "unexpected message in Established",

	{ErrCease, CeaseMaxPrefixes}:        "maximum prefixes reached",
	{ErrCease, CeaseAdminShutdown}:      "administrative shutdown",
	{ErrCease, CeasePeerDeconfigured}:   "peer de-configured",
	{ErrCease, CeaseAdminReset}:         "administrative reset",
	{ErrCease, CeaseConnectionRejected}: "connection rejected",
	{ErrCease, CeaseOtherConfigChange}:  "other configuration change",
	{ErrCease, CeaseCollision}:          "connection collision resolution",
	{ErrCease, CeaseOutOfResources}:     "out of resources",
	{ErrCease, CeaseHardReset}:          "hard reset",
	{ErrCease, CeaseBFDDown}:            "BFD down",

	{ErrRouteRefrsh, ErrRRInvalidLength}: "invalid message length",
}

// CodeName names a NOTIFICATION code and subcode.
func CodeName(code, sub uint8) string {
	if n, ok := codeNames[[2]uint8{code, sub}]; ok {
		return n
	}
	switch code {
	case ErrHeader:
		return "message header error"
	case ErrOpen:
		return "OPEN message error"
	case ErrUpdate:
		return "UPDATE message error"
	case ErrHoldTimer:
		return "hold timer expired"
	case ErrFSM:
		return "finite state machine error"
	case ErrCease:
		return "cease"
	case ErrRouteRefrsh:
		return "ROUTE-REFRESH message error"
	case ErrSendHoldTimer:
		return "send hold timer expired"
	}
	return "unknown"
}

// Message is one BGP message body.
type Message interface {
	Type() MsgType
}

// Keepalive has no body.
type Keepalive struct{}

// Type implements Message.
func (*Keepalive) Type() MsgType { return MsgKeepalive }

// Notification reports an error and closes the session.
type Notification struct {
	Code    uint8
	Subcode uint8
	Data    []byte
}

// Type implements Message.
func (*Notification) Type() MsgType { return MsgNotification }

// String names the error and shows its data, so `netemu bgp`'s LAST
// ERROR says why a peer closed the session: the operator's shutdown
// communication (RFC 9003) as text, the prefix limit of a maximum-prefix
// Cease (RFC 4486 §4), other data in hex.
func (n *Notification) String() string {
	s := fmt.Sprintf("%d/%d %s", n.Code, n.Subcode, CodeName(n.Code, n.Subcode))
	if d := n.dataText(); d != "" {
		s += ": " + d
	}
	return s
}

// maxDataShown bounds the hex shown of a NOTIFICATION's data.
const maxDataShown = 32

func (n *Notification) dataText() string {
	d := n.Data
	if len(d) == 0 {
		return ""
	}
	if n.Code == ErrCease && (n.Subcode == CeaseAdminShutdown || n.Subcode == CeaseAdminReset) {
		// RFC 9003: a length octet, then that many octets of UTF-8.
		if l := int(d[0]); l > 0 && 1+l <= len(d) && utf8.Valid(d[1:1+l]) {
			return strconv.Quote(string(d[1 : 1+l]))
		}
	}
	if n.Code == ErrCease && n.Subcode == CeaseMaxPrefixes && len(d) == 7 {
		return fmt.Sprintf("afi %d safi %d limit %d", binary.BigEndian.Uint16(d), d[2], binary.BigEndian.Uint32(d[3:]))
	}
	if len(d) > maxDataShown {
		return fmt.Sprintf("data %x… (%d octets)", d[:maxDataShown], len(d))
	}
	return fmt.Sprintf("data %x", d)
}

// RouteRefresh asks the peer to resend its Adj-RIB-Out (RFC 2918).
type RouteRefresh struct {
	AFI      uint16
	Reserved uint8 // the subtype of RFC 7313; 0 for a plain refresh
	SAFI     uint8
}

// Type implements Message.
func (*RouteRefresh) Type() MsgType { return MsgRouteRefresh }

// ROUTE-REFRESH subtypes (RFC 7313 §3.2, in the Reserved octet).
const (
	RefreshNormal = 0
	RefreshBoRR   = 1
	RefreshEoRR   = 2
)

// AFI/SAFI values.
const (
	AFIIPv4     = 1
	SAFIUnicast = 1
)

// Options are the session properties the wire format depends on.
type Options struct {
	// AS4 is set when both ends announced the 4-octet AS capability:
	// AS_PATH and AGGREGATOR then carry 4-octet ASNs.
	AS4 bool
	// EBGP is set on a session with a peer in another AS (netemu has no
	// confederations): confederation segments in its AS_PATH are
	// malformed (RFC 5065 §5), its LOCAL_PREF is discarded (RFC 7606 §7.5).
	EBGP bool
}

// ReadMessage reads one message from r. A *MessageError means the peer
// sent garbage and the session must end with its NOTIFICATION; other errors
// are I/O errors.
func ReadMessage(r io.Reader, opts Options) (Message, error) {
	return ReadMessageWith(r, func() Options { return opts })
}

// ReadMessageWith takes the options once the header is in: a session learns
// them from the OPEN while its reader already waits for the next message.
func ReadMessageWith(r io.Reader, opts func() Options) (Message, error) {
	var hdr [HeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	length, err := checkHeader(hdr[:])
	if err != nil {
		return nil, err
	}
	buf := make([]byte, length)
	copy(buf, hdr[:])
	if _, err := io.ReadFull(r, buf[HeaderLen:]); err != nil {
		return nil, err
	}
	return DecodeMessage(buf, opts())
}

func checkHeader(b []byte) (int, error) {
	if len(b) < HeaderLen {
		return 0, ResetError(ErrHeader, ErrHdrBadLength, nil, "message shorter than a header (%d octets)", len(b))
	}
	for _, c := range b[:markerLen] {
		if c != 0xff {
			return 0, ResetError(ErrHeader, ErrHdrConnNotSync, nil, "marker is not all ones")
		}
	}
	length := int(binary.BigEndian.Uint16(b[16:18]))
	t := MsgType(b[18])
	min := HeaderLen
	switch t {
	case MsgOpen:
		min = minOpenLen
	case MsgUpdate:
		min = HeaderLen + 4
	case MsgNotification:
		min = HeaderLen + 2
	case MsgKeepalive:
	case MsgRouteRefresh:
		min = HeaderLen + 4
	default:
		return 0, ResetError(ErrHeader, ErrHdrBadType, []byte{b[18]}, "unknown message type %d", b[18])
	}
	if length < min || length > MaxMsgLen || (t == MsgKeepalive && length != HeaderLen) ||
		(t == MsgRouteRefresh && length != HeaderLen+4) {
		return 0, ResetError(ErrHeader, ErrHdrBadLength, append([]byte(nil), b[16:18]...), "bad length %d for %s", length, t)
	}
	return length, nil
}

// DecodeMessage decodes one whole message (header included). For an
// UPDATE with a treat-as-withdraw error it returns both the *Update (its
// prefixes, to withdraw) and the *MessageError.
func DecodeMessage(b []byte, opts Options) (Message, error) {
	length, err := checkHeader(b)
	if err != nil {
		return nil, err
	}
	if length != len(b) {
		return nil, ResetError(ErrHeader, ErrHdrBadLength, append([]byte(nil), b[16:18]...), "length field %d but %d octets", length, len(b))
	}
	body := b[HeaderLen:]
	switch MsgType(b[18]) {
	case MsgOpen:
		o, err := decodeOpen(body)
		if err != nil {
			return nil, err
		}
		return o, nil
	case MsgUpdate:
		u, err := DecodeUpdate(body, opts)
		if u == nil {
			return nil, err
		}
		return u, err
	case MsgNotification:
		return &Notification{Code: body[0], Subcode: body[1], Data: append([]byte{}, body[2:]...)}, nil
	case MsgKeepalive:
		return &Keepalive{}, nil
	case MsgRouteRefresh:
		return &RouteRefresh{AFI: binary.BigEndian.Uint16(body), Reserved: body[2], SAFI: body[3]}, nil
	}
	return nil, ResetError(ErrHeader, ErrHdrBadType, []byte{b[18]}, "unknown message type %d", b[18])
}

// EncodeMessage encodes m with its header. It fails when the message does
// not fit in 4096 octets (split large UPDATEs with SplitUpdate).
func EncodeMessage(m Message, opts Options) ([]byte, error) {
	b := make([]byte, HeaderLen, 64)
	for i := range markerLen {
		b[i] = 0xff
	}
	b[18] = byte(m.Type())
	switch m := m.(type) {
	case *Open:
		var err error
		if b, err = m.appendTo(b); err != nil {
			return nil, err
		}
	case *Update:
		b = m.appendTo(b, opts)
	case *Notification:
		b = append(b, m.Code, m.Subcode)
		b = append(b, m.Data...)
	case *Keepalive:
	case *RouteRefresh:
		b = binary.BigEndian.AppendUint16(b, m.AFI)
		b = append(b, m.Reserved, m.SAFI)
	default:
		return nil, fmt.Errorf("encode: unknown message %T", m)
	}
	if len(b) > MaxMsgLen {
		return nil, fmt.Errorf("encode %s: %d octets exceed %d", m.Type(), len(b), MaxMsgLen)
	}
	binary.BigEndian.PutUint16(b[16:18], uint16(len(b)))
	return b, nil
}

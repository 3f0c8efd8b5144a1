package routing

import (
	"time"
	"unicode/utf8"
)

// AppendJSON appends e as one JSON object, the same document json.Marshal
// makes of it (field names, omitted zero fields), without reflection or
// allocations: the FIB emits one event per installed route, so at BGP
// table-load rates the encoder is on the install path.
func (e *Event) AppendJSON(b []byte) []byte {
	b = append(b, `{"time":"`...)
	b = e.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","node":`...)
	b = appendJSONString(b, e.Node)
	b = append(b, `,"daemon":`...)
	b = appendJSONString(b, e.Daemon)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, string(e.Kind))
	if e.Prefix.IsValid() {
		b = append(b, `,"prefix":"`...)
		b = e.Prefix.AppendTo(b)
		b = append(b, '"')
	}
	if e.Peer.IsValid() {
		b = append(b, `,"peer":"`...)
		b = e.Peer.AppendTo(b)
		b = append(b, '"')
	}
	if e.Iface != "" {
		b = append(b, `,"iface":`...)
		b = appendJSONString(b, e.Iface)
	}
	if e.Detail != "" {
		b = append(b, `,"detail":`...)
		b = appendJSONString(b, e.Detail)
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced by U+FFFD (as
// encoding/json does).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

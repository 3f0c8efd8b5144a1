package ospf

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/binary"
)

// Auth is an interface's authentication (RFC 2328 App. D): Type "" or
// "null", "simple" (a clear 8-octet password) or "md5" (keyed MD5 with a
// cryptographic sequence number).
type Auth struct {
	Type  string `json:"type"`
	Key   string `json:"key,omitempty"`
	KeyID uint8  `json:"key_id,omitempty"`
}

// AuType is the header's authentication type for a (nil means null).
func (a *Auth) AuType() uint16 {
	if a == nil {
		return AuthNull
	}
	switch a.Type {
	case "simple":
		return AuthSimple
	case "md5":
		return AuthCrypto
	}
	return AuthNull
}

// key16 is the MD5 secret padded (or cut) to 16 octets (§D.4.3).
func (a *Auth) key16() []byte {
	k := make([]byte, md5Len)
	copy(k, a.Key)
	return k
}

// Sign fills the checksum and authentication of the encoded packet b
// (Length octets, no trailer) and returns it, with the MD5 digest appended
// for cryptographic authentication. seq is the cryptographic sequence
// number (non-decreasing per sender).
func Sign(b []byte, a *Auth, seq uint32) []byte {
	t := a.AuType()
	binary.BigEndian.PutUint16(b[14:], t)
	clear(b[authOffset:HeaderLen])
	b[12], b[13] = 0, 0
	switch t {
	case AuthCrypto:
		// §D.4.3: no header checksum; the digest covers the packet and
		// the key.
		b[authOffset+2] = a.KeyID
		b[authOffset+3] = md5Len
		binary.BigEndian.PutUint32(b[authOffset+4:], seq)
		h := md5.New()
		h.Write(b)
		h.Write(a.key16())
		return h.Sum(b)
	default:
		binary.BigEndian.PutUint16(b[12:], packetChecksum(b))
		if t == AuthSimple {
			copy(b[authOffset:HeaderLen], a.Key)
		}
	}
	return b
}

// Verify checks the checksum and authentication of a received packet b
// decoded as p against the interface's configuration.
func Verify(b []byte, p *Packet, a *Auth) error {
	want := a.AuType()
	if p.AuType != want {
		return errorf(ReasonAuthType, "authentication type %d, want %d", p.AuType, want)
	}
	switch want {
	case AuthCrypto:
		if p.Auth[2] != a.KeyID {
			return errorf(ReasonAuthFail, "key id %d, want %d", p.Auth[2], a.KeyID)
		}
		n := int(p.Length)
		if len(b) < n+md5Len {
			return errorf(ReasonShort, "no digest")
		}
		h := md5.New()
		h.Write(b[:n])
		h.Write(a.key16())
		if subtle.ConstantTimeCompare(h.Sum(nil), b[n:n+md5Len]) != 1 {
			return errorf(ReasonAuthFail, "MD5 digest mismatch")
		}
		return nil
	case AuthSimple:
		var k [8]byte
		copy(k[:], a.Key)
		if subtle.ConstantTimeCompare(k[:], p.Auth[:]) != 1 {
			return errorf(ReasonAuthFail, "simple password mismatch")
		}
	}
	if packetChecksum(b) != p.Checksum {
		return errorf(ReasonChecksum, "checksum %#04x, computed %#04x", p.Checksum, packetChecksum(b))
	}
	return nil
}

// CryptoSeq is the cryptographic sequence number of a packet with
// cryptographic authentication.
func (h *Header) CryptoSeq() uint32 { return binary.BigEndian.Uint32(h.Auth[4:]) }

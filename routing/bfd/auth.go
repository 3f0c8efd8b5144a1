package bfd

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"strings"
)

// AuthConfig is a session's authentication (RFC 5880 §6.7): one key.
type AuthConfig struct {
	Type  AuthType `json:"type"`
	KeyID uint8    `json:"key_id"`
	// Key is the password (simple, 1–16 bytes) or the secret (MD5 up to
	// 16 bytes, SHA1 up to 20), zero-padded as the RFC says.
	Key string `json:"key"`
}

// Validate checks the key fits the type.
func (c *AuthConfig) Validate() error {
	switch c.Type {
	case AuthSimple:
		if len(c.Key) < 1 || len(c.Key) > 16 {
			return fmt.Errorf("bfd: simple password of %d bytes, want 1–16", len(c.Key))
		}
	case AuthKeyedMD5, AuthMeticulousKeyedMD5, AuthKeyedSHA1, AuthMeticulousKeyedSHA1:
		if len(c.Key) < 1 || len(c.Key) > c.Type.digestLen() {
			return fmt.Errorf("bfd: %s key of %d bytes, want 1–%d", c.Type, len(c.Key), c.Type.digestLen())
		}
	default:
		return fmt.Errorf("bfd: unknown authentication type %d", c.Type)
	}
	return nil
}

// MarshalText and UnmarshalText let configs name the type.
func (t AuthType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a type's name ("keyed-sha1") or number.
func (t *AuthType) UnmarshalText(b []byte) error {
	s := strings.ToLower(string(b))
	for c := AuthNone; c <= AuthMeticulousKeyedSHA1; c++ {
		if c.String() == s {
			*t = c
			return nil
		}
	}
	var n uint8
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("bfd: unknown authentication type %q", s)
	}
	*t = AuthType(n)
	return nil
}

// newAuth is the section a packet of this session carries before Sign.
func newAuth(c *AuthConfig, seq uint32) *Auth {
	a := &Auth{Type: c.Type, KeyID: c.KeyID}
	if c.Type == AuthSimple {
		a.Password = []byte(c.Key)
	} else {
		a.Seq = seq
		a.Digest = make([]byte, c.Type.digestLen())
	}
	return a
}

// digest computes a keyed type's digest of b (the whole packet) with the
// key in the digest field, as RFC 5880 §6.7.3/§6.7.4 say.
func digest(b []byte, c *AuthConfig) []byte {
	n := c.Type.digestLen()
	buf := append([]byte(nil), b...)
	field := buf[headerLen+8 : headerLen+8+n]
	clear(field)
	copy(field, c.Key)
	if n == 16 {
		s := md5.Sum(buf)
		return s[:]
	}
	s := sha1.Sum(buf)
	return s[:]
}

// Sign fills the digest of an encoded packet of a keyed type in place.
func Sign(b []byte, c *AuthConfig) {
	if c == nil || c.Type.digestLen() == 0 || len(b) < headerLen+8+c.Type.digestLen() {
		return
	}
	copy(b[headerLen+8:], digest(b, c))
}

// Verify checks a decoded packet's authentication against the session's
// config; b is the packet's bytes (at least p.Len()). Sequence numbers are
// the session's business.
func Verify(b []byte, p *Packet, c *AuthConfig) error {
	switch {
	case c == nil && p.Auth == nil:
		return nil
	case c == nil:
		return errorf(ReasonAuthUnexpected, "%s authentication, none configured", p.Auth.Type)
	case p.Auth == nil:
		return errorf(ReasonAuthMissing, "no authentication, %s configured", c.Type)
	case p.Auth.Type != c.Type:
		return errorf(ReasonAuthType, "%s, want %s", p.Auth.Type, c.Type)
	case p.Auth.KeyID != c.KeyID:
		return errorf(ReasonAuthFailed, "key id %d, want %d", p.Auth.KeyID, c.KeyID)
	}
	if c.Type == AuthSimple {
		if subtle.ConstantTimeCompare(p.Auth.Password, []byte(c.Key)) != 1 {
			return errorf(ReasonAuthFailed, "wrong password")
		}
		return nil
	}
	if len(b) < p.Len() {
		return errorf(ReasonAuthMalformed, "short packet")
	}
	if subtle.ConstantTimeCompare(p.Auth.Digest, digest(b[:p.Len()], c)) != 1 {
		return errorf(ReasonAuthFailed, "wrong %s digest", c.Type)
	}
	return nil
}

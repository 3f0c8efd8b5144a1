package tests

// The RIP hostile-input suite's authentication and framing part (issue
// 16): x sends to n1, which requires keyed MD5, everything a forger or a
// broken peer might; each is dropped and counted by reason, none reaches
// the kernel, and a correctly signed packet afterwards is believed.

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/netemu/netemu/routing/rip"
	"github.com/netemu/netemu/tests/labtest"
)

func TestRIPHostileAuth(t *testing.T) {
	key := &rip.Auth{Type: "md5", Key: "s3cret", KeyID: 3}
	l := newRIPLab(t, "ripa")
	l.node("x")
	l.node("n1", "10.255.7.1/32")
	l.link("x", "eth0", "10.7.0.2/30", "n1", "eth0", "10.7.0.1/30")
	c := l.agent("n1", ripAgentConfig("10.255.7.1/32", key, "eth0=10.7.0.1/30"))
	x := l.ns("x")

	signed := func(a *rip.Auth, seq uint32, prefix string) []byte {
		p := netip.MustParsePrefix(prefix)
		pk := &rip.Packet{Command: rip.Response, Version: 2, Auth: rip.NewAuthEntry(a, seq), Entries: []rip.Entry{{
			AFI: rip.AFIInet, Addr: p.Addr(), Mask: rip.MaskOf(p.Bits()), NextHop: netip.IPv4Unspecified(), Metric: 1}}}
		b := rip.Encode(pk)
		rip.Sign(b, a)
		return b
	}
	wrongKey := &rip.Auth{Type: "md5", Key: "guess", KeyID: 3}
	badDigest := signed(key, 100, "203.0.113.0/24")
	badDigest[len(badDigest)-1] ^= 1
	truncated := signed(key, 101, "203.0.113.0/24")
	truncated = truncated[:len(truncated)-4]
	cases := []struct {
		name   string
		b      []byte
		reason rip.Reason
	}{
		{"no authentication", ripResponse(2, "203.0.113.0/24", "0.0.0.0", 1), rip.ReasonAuthMissing},
		{"plain text instead of MD5", signed(&rip.Auth{Type: "plain", Key: "s3cret"}, 0, "203.0.113.0/24"), rip.ReasonAuthType},
		{"wrong key", signed(wrongKey, 102, "203.0.113.0/24"), rip.ReasonAuthFail},
		{"flipped digest bit", badDigest, rip.ReasonAuthFail},
		{"truncated trailer", truncated, rip.ReasonAuthMalform},
		{"RIP-1 with a key required", ripResponse(1, "203.0.113.0/24", "0.0.0.0", 1), rip.ReasonV1},
		{"bad version", ripResponse(9, "203.0.113.0/24", "0.0.0.0", 1), rip.ReasonVersion},
		{"header only, bad command", []byte{9, 2, 0, 0}, rip.ReasonCommand},
		{"shorter than a header", []byte{2, 2}, rip.ReasonShort},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Counters add up over the cases: each must raise its own.
			st0, err := c.RIP(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			ripSendFrom(t, x, "10.7.0.2:520", "10.7.0.1:520", tc.b)
			labtest.Eventually(t, 10*time.Second, labtest.Named("counted as "+string(tc.reason), func() error {
				st, err := c.RIP(t.Context())
				if err != nil {
					return err
				}
				if st.BadPackets[tc.reason] <= st0.BadPackets[tc.reason] {
					return fmt.Errorf("bad packets %v", st.BadPackets)
				}
				return nil
			}))
		})
	}
	if r := l.kernelRoute("n1", "203.0.113.0/24"); r != "" {
		t.Errorf("forged route installed: %s", r)
	}
	// A signed packet is believed; one with an older sequence number
	// (a replay) is not.
	ripSendFrom(t, x, "10.7.0.2:520", "10.7.0.1:520", signed(key, 500, "198.51.100.0/24"))
	labtest.Eventually(t, 10*time.Second, labtest.Named("signed route installed", func() error {
		return wantLine(l.kernelRoute("n1", "198.51.100.0/24"), "via 10.7.0.2", "proto rip")
	}))
	ripSendFrom(t, x, "10.7.0.2:520", "10.7.0.1:520", signed(key, 499, "192.0.2.0/24"))
	labtest.Eventually(t, 10*time.Second, labtest.Named("replay counted", func() error {
		return ripWantBad(c, "10.7.0.2", rip.ReasonAuthSeq)
	}))
	if r := l.kernelRoute("n1", "192.0.2.0/24"); r != "" {
		t.Errorf("replayed packet's route installed: %s", r)
	}
	checkAgentInvariant(t, l, "n1", c)
}

package main

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

var (
	addrA = netip.MustParseAddr("10.0.0.1")
	addrB = netip.MustParseAddr("10.0.0.2")
)

// frame builds an Ethernet/IPv4 frame around an L4 header and payload.
func frame(etype uint16, ipProto byte, l4 []byte, fragOff uint16) []byte {
	eth := make([]byte, 14)
	binary.BigEndian.PutUint16(eth[12:], etype)
	ip := make([]byte, 20)
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(l4)))
	binary.BigEndian.PutUint16(ip[6:], fragOff)
	ip[9] = ipProto
	copy(ip[12:], addrA.AsSlice())
	copy(ip[16:], addrB.AsSlice())
	return append(append(eth, ip...), l4...)
}

func tcp(sport, dport uint16, payload []byte) []byte {
	h := make([]byte, 20)
	binary.BigEndian.PutUint16(h[0:], sport)
	binary.BigEndian.PutUint16(h[2:], dport)
	h[12] = 5 << 4
	return append(h, payload...)
}

func udp(sport, dport uint16, payload []byte) []byte {
	h := make([]byte, 8)
	binary.BigEndian.PutUint16(h[0:], sport)
	binary.BigEndian.PutUint16(h[2:], dport)
	binary.BigEndian.PutUint16(h[4:], uint16(8+len(payload)))
	return append(h, payload...)
}

func TestClassify(t *testing.T) {
	keepalive := append(make([]byte, 16), 0, 19, 4) // marker, length 19, type 4
	for i := range 16 {
		keepalive[i] = 0xff
	}
	ripResponse := append([]byte{2, 2, 0, 0}, make([]byte, 20)...)
	ripRequest := append([]byte{1, 2, 0, 0}, make([]byte, 20)...)
	vlan := func(f []byte) []byte {
		out := append([]byte{}, f[:12]...)
		out = append(out, 0x81, 0x00, 0x00, 0x0a)
		return append(out, f[12:]...)
	}
	bfdControl := append([]byte{1 << 5, 3 << 6, 3, 24}, make([]byte, 20)...) // version 1, Up, mult 3, length 24
	bfdV0 := append([]byte{0, 3 << 6, 3, 24}, make([]byte, 20)...)
	bfdDown := append([]byte{1 << 5, 1 << 6, 3, 24}, make([]byte, 20)...)
	bfdInit := append([]byte{1 << 5, 2 << 6, 3, 24}, make([]byte, 20)...)
	bgpKA := frame(0x0800, 6, tcp(40000, 179, keepalive), 0)
	for _, tc := range []struct {
		name  string
		frame []byte
		proto int
		want  bool
	}{
		{"bgp keepalive to 179", bgpKA, protoBGP, true},
		{"bgp keepalive from 179", frame(0x0800, 6, tcp(179, 40000, keepalive), 0), protoBGP, true},
		{"bgp pure ack", frame(0x0800, 6, tcp(179, 40000, nil), 0), protoBGP, false},
		{"other tcp port", frame(0x0800, 6, tcp(40000, 80, keepalive), 0), protoBGP, false},
		{"bgp asked for rip", bgpKA, protoRIP, false},
		{"vlan-tagged bgp", vlan(bgpKA), protoBGP, true},
		{"later fragment", frame(0x0800, 6, tcp(40000, 179, keepalive), 10), protoBGP, false},
		{"ipv6 ethertype", frame(0x86dd, 6, tcp(40000, 179, keepalive), 0), protoBGP, false},
		{"truncated ip", bgpKA[:30], protoBGP, false},
		{"truncated ethernet", bgpKA[:10], protoBGP, false},
		{"rip response", frame(0x0800, 17, udp(520, 520, ripResponse), 0), protoRIP, true},
		{"rip request", frame(0x0800, 17, udp(520, 520, ripRequest), 0), protoRIP, false},
		{"rip asked for bgp", frame(0x0800, 17, udp(520, 520, ripResponse), 0), protoBGP, false},
		{"other udp port", frame(0x0800, 17, udp(53, 53, ripResponse), 0), protoRIP, false},
		{"bfd control", frame(0x0800, 17, udp(49152, 3784, bfdControl), 0), protoBFD, true},
		{"bfd echo port", frame(0x0800, 17, udp(3785, 3785, bfdControl), 0), protoBFD, false},
		{"bfd multihop port", frame(0x0800, 17, udp(49152, 4784, bfdControl), 0), protoBFD, false},
		{"bfd control down", frame(0x0800, 17, udp(49152, 3784, bfdDown), 0), protoBFD, false},
		{"bfd control init", frame(0x0800, 17, udp(49152, 3784, bfdInit), 0), protoBFD, false},
		{"bfd version 0", frame(0x0800, 17, udp(49152, 3784, bfdV0), 0), protoBFD, false},
		{"bfd truncated", frame(0x0800, 17, udp(49152, 3784, bfdControl[:20]), 0), protoBFD, false},
		{"bfd asked for rip", frame(0x0800, 17, udp(49152, 3784, bfdControl), 0), protoRIP, false},
		{"rip asked for bfd", frame(0x0800, 17, udp(520, 520, ripResponse), 0), protoBFD, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, dst, ok := classify(tc.frame, tc.proto)
			if ok != tc.want {
				t.Fatalf("classify = %v, want %v", ok, tc.want)
			}
			if ok && (src != addrA || dst != addrB) {
				t.Errorf("addresses %s → %s, want %s → %s", src, dst, addrA, addrB)
			}
		})
	}
}

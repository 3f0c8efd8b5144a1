package main

import (
	"encoding/binary"
	"net/netip"
)

// Protocols whose messages refresh the timer that a silent failure has to
// run out: a BGP session's hold timer, a RIP route's timeout, or, with BFD
// on the link, the BFD session's detection time.
const (
	protoBGP = iota // TCP port 179, any segment carrying data
	protoRIP        // UDP port 520, a response (command 2)
	protoBFD        // UDP port 3784 (RFC 5881 single hop), a version 1 control packet saying Up
)

// classify reports whether frame, an Ethernet frame as an AF_PACKET socket
// delivers it, is a routing message of proto, and its IPv4 source and
// destination. For BGP any segment with data counts, not only KEEPALIVEs:
// every BGP message restarts the peer's hold timer. It is a pure function
// so that the phase alignment's only parsing is unit-tested.
func classify(frame []byte, proto int) (src, dst netip.Addr, ok bool) {
	if len(frame) < 14 {
		return src, dst, false
	}
	etype, p := binary.BigEndian.Uint16(frame[12:14]), frame[14:]
	for (etype == 0x8100 || etype == 0x88a8) && len(p) >= 4 { // VLAN tags
		etype, p = binary.BigEndian.Uint16(p[2:4]), p[4:]
	}
	if etype != 0x0800 || len(p) < 20 || p[0]>>4 != 4 {
		return src, dst, false
	}
	ihl := int(p[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(p[2:4]))
	if ihl < 20 || total < ihl || len(p) < total {
		return src, dst, false
	}
	// A later fragment has no transport header.
	if binary.BigEndian.Uint16(p[6:8])&0x1fff != 0 {
		return src, dst, false
	}
	src, dst = netip.AddrFrom4([4]byte(p[12:16])), netip.AddrFrom4([4]byte(p[16:20]))
	l4 := p[ihl:total]
	switch {
	case proto == protoBGP && p[9] == 6 && len(l4) >= 20:
		doff := int(l4[12]>>4) * 4
		sport, dport := binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4])
		ok = (sport == 179 || dport == 179) && doff >= 20 && len(l4) > doff
	case proto == protoRIP && p[9] == 17 && len(l4) >= 12:
		sport, dport := binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4])
		ok = (sport == 520 || dport == 520) && l4[8] == 2
	case proto == protoBFD && p[9] == 17 && len(l4) >= 8+24:
		// Only the control port: echo packets (3785) refresh nothing here.
		// Only packets saying Up (state 3): a Down or Init session detects
		// nothing, so a cut must wait until it is Up both ways.
		dport := binary.BigEndian.Uint16(l4[2:4])
		ok = dport == 3784 && l4[8]>>5 == 1 && l4[9]>>6 == 3
	}
	return src, dst, ok
}

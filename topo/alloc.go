package topo

import (
	"encoding/binary"
	"net/netip"
)

// Address arithmetic on IPv4 only: the language is IPv4-only.

func addrToU32(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func u32ToAddr(v uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// prefixSize is the number of addresses in p.
func prefixSize(p netip.Prefix) uint64 {
	return uint64(1) << (32 - p.Bits())
}

// nthAddr is p's network address plus n (n must be < prefixSize(p)).
func nthAddr(p netip.Prefix, n uint64) netip.Addr {
	return u32ToAddr(addrToU32(p.Addr()) + uint32(n))
}

// lastAddr is the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	return nthAddr(p, prefixSize(p)-1)
}

// linkHosts are the addresses of a link's first and second end: the first
// two host addresses (both addresses of a /31, RFC 3021).
func linkHosts(p netip.Prefix) (a, b netip.Addr, ok bool) {
	switch {
	case p.Bits() == 32:
		return netip.Addr{}, netip.Addr{}, false
	case p.Bits() == 31:
		return nthAddr(p, 0), nthAddr(p, 1), true
	default:
		return nthAddr(p, 1), nthAddr(p, 2), true
	}
}

// allocator hands out consecutive blocks of one size from a pool, skipping
// any block that overlaps a taken prefix. It is deterministic: the same
// pool and taken set give the same sequence.
type allocator struct {
	pool  netip.Prefix
	bits  int
	next  uint64 // index of the next candidate block
	taken []netip.Prefix
}

func newAllocator(pool netip.Prefix, bits int, taken []netip.Prefix) *allocator {
	// Only what lies in the pool can collide; dropping the rest keeps
	// allocation linear in big labs.
	var in []netip.Prefix
	for _, t := range taken {
		if t.IsValid() && pool.IsValid() && t.Overlaps(pool) {
			in = append(in, t)
		}
	}
	return &allocator{pool: pool, bits: bits, taken: in}
}

// skipFirst makes the allocator never return the pool's first block (the
// loopback pool's ".0").
func (a *allocator) skipFirst() { a.next = 1 }

// take returns the next free block, or false when the pool is exhausted.
func (a *allocator) take() (netip.Prefix, bool) {
	if !a.pool.IsValid() || a.bits < a.pool.Bits() {
		return netip.Prefix{}, false
	}
	n := uint64(1) << (a.bits - a.pool.Bits())
	step := uint64(1) << (32 - a.bits)
	base := uint64(addrToU32(a.pool.Addr()))
	for a.next < n {
		c := netip.PrefixFrom(u32ToAddr(uint32(base+a.next*step)), a.bits)
		q, hit := overlapping(c, a.taken)
		if !hit {
			// Blocks are handed out in increasing order, so c needs no
			// entry in taken: next already lies past it.
			a.next++
			return c, true
		}
		// Jump past the whole taken prefix, not one block at a time, so
		// a large taken range inside a large pool costs one step.
		end := uint64(addrToU32(lastAddr(q))) + 1
		if end <= base+a.next*step {
			a.next++
			continue
		}
		a.next = (end - base + step - 1) / step
	}
	return netip.Prefix{}, false
}

// overlapping returns the first prefix of list that overlaps p.
func overlapping(p netip.Prefix, list []netip.Prefix) (netip.Prefix, bool) {
	for _, q := range list {
		if q.IsValid() && p.Overlaps(q) {
			return q, true
		}
	}
	return netip.Prefix{}, false
}

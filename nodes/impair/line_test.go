package impair

import (
	"bytes"
	"math/bits"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func frame(i byte) []byte {
	f := make([]byte, 60)
	f[0], f[59] = i, i
	return f
}

// A plain delay: nothing before its time, everything at it, in order.
func TestLineDelay(t *testing.T) {
	l := NewLine(LineConfig{Delay: 40 * time.Millisecond}, 1)
	for i := range 5 {
		l.Push(t0.Add(time.Duration(i)*time.Millisecond), frame(byte(i)))
	}
	if got := l.Pop(t0.Add(39 * time.Millisecond)); len(got) != 0 {
		t.Fatalf("%d frames out before the delay", len(got))
	}
	if next, ok := l.Next(); !ok || !next.Equal(t0.Add(40*time.Millisecond)) {
		t.Fatalf("Next = %v %v", next, ok)
	}
	got := l.Pop(t0.Add(44 * time.Millisecond))
	if len(got) != 5 {
		t.Fatalf("%d frames out at +44ms, want 5", len(got))
	}
	for i, f := range got {
		if f[0] != byte(i) {
			t.Errorf("frame %d out of order: %d", i, f[0])
		}
	}
}

// Jitter keeps every delay within delay±jitter, and spreads them.
func TestLineJitter(t *testing.T) {
	d, j := 50*time.Millisecond, 10*time.Millisecond
	l := NewLine(LineConfig{Delay: d, Jitter: j}, 2)
	lo, hi := time.Hour, time.Duration(0)
	for range 2000 {
		got := l.delay()
		lo, hi = min(lo, got), max(hi, got)
	}
	if lo < d-j || hi > d+j {
		t.Errorf("delays in [%v, %v], want within [%v, %v]", lo, hi, d-j, d+j)
	}
	if hi-lo < j {
		t.Errorf("delays spread over %v only", hi-lo)
	}
}

// Reorder 100%: every frame goes at once; duplicate 100%: each twice;
// corrupt 100%: exactly one bit flipped, never in the Ethernet header.
func TestLineReorderDuplicateCorrupt(t *testing.T) {
	l := NewLine(LineConfig{Delay: time.Second, Reorder: 100}, 3)
	l.Push(t0, frame(1))
	if got := l.Pop(t0); len(got) != 1 || l.Stats.Reordered != 1 {
		t.Errorf("reordered frame not sent at once: %d out, stats %+v", len(got), l.Stats)
	}

	l = NewLine(LineConfig{Delay: time.Millisecond, Duplicate: 100}, 4)
	l.Push(t0, frame(2))
	got := l.Pop(t0.Add(time.Millisecond))
	if len(got) != 2 || !bytes.Equal(got[0], got[1]) {
		t.Fatalf("duplicate: %d frames", len(got))
	}
	got[0][30] = 99 // the copies are separate buffers
	if got[1][30] == 99 {
		t.Error("duplicate shares its buffer")
	}

	l = NewLine(LineConfig{Corrupt: 100}, 5)
	for i := range 500 {
		orig := frame(byte(i))
		f := append([]byte(nil), orig...)
		l.Push(t0, f)
		out := l.Pop(t0)[0]
		flipped := 0
		for k := range out {
			flipped += bits.OnesCount8(out[k] ^ orig[k])
			if k < ethHeader && out[k] != orig[k] {
				t.Fatalf("byte %d of the Ethernet header corrupted", k)
			}
		}
		if flipped != 1 {
			t.Fatalf("%d bits flipped, want 1", flipped)
		}
	}
}

// Probabilities come out near their setting (loose bounds: a test, not a
// benchmark).
func TestLineDuplicateRate(t *testing.T) {
	l := NewLine(LineConfig{Duplicate: 10}, 6)
	for range 20000 {
		l.Push(t0, frame(0))
		l.Pop(t0)
	}
	if d := l.Stats.Duplicated; d < 1600 || d > 2400 {
		t.Errorf("duplicated %d of 20000 at 10%%", d)
	}
}

// The queue is bounded: past Limit frames are dropped and counted.
func TestLineLimit(t *testing.T) {
	l := NewLine(LineConfig{Delay: time.Second}, 7)
	l.Limit = 10
	for range 15 {
		l.Push(t0, frame(0))
	}
	if l.Len() != 10 || l.Stats.Overflow != 5 {
		t.Errorf("len %d overflow %d", l.Len(), l.Stats.Overflow)
	}
}

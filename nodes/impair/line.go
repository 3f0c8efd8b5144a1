package impair

import (
	"container/heap"
	"math/rand/v2"
	"time"
)

// DefaultLimit is how many frames a delay line holds, as netem's default
// limit of 1000 packets but roomier for 200 ms at a few hundred Mbit/s;
// beyond it frames are dropped (counted in Stats.Overflow).
const DefaultLimit = 10000

// ethHeader is not corrupted: a flipped MAC address would be a frame for
// another host (a loss), not a corrupted packet the receiver must catch.
const ethHeader = 14

// Line is the delay line's queue: frames in, each with a send time, and
// out when due, in send-time order. No I/O and no clock of its own: the
// caller passes the time in, so tests need no sleeps.
type Line struct {
	cfg   LineConfig
	rnd   *rand.Rand
	q     frameHeap
	seq   uint64
	Limit int
	Stats Stats
}

// Stats count what the line did.
type Stats struct {
	In, Out, Duplicated, Corrupted, Reordered, Overflow uint64
}

// NewLine is a line doing cfg, its randomness from seed.
func NewLine(cfg LineConfig, seed uint64) *Line {
	return &Line{cfg: cfg, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), Limit: DefaultLimit}
}

// chance is true with probability pct percent.
func (l *Line) chance(pct float64) bool {
	return pct > 0 && l.rnd.Float64()*100 < pct
}

// delay is the configured delay with the jitter drawn uniformly in
// [-jitter, +jitter], as netem does without a distribution table.
func (l *Line) delay() time.Duration {
	d := l.cfg.Delay
	if j := l.cfg.Jitter; j > 0 {
		d += time.Duration(l.rnd.Int64N(int64(2*j)+1)) - j
	}
	return max(d, 0)
}

// Push takes frame (which the line now owns) arriving at now. Like
// netem: a corrupted frame has one random bit flipped (past the Ethernet
// header); a duplicate is queued again with its own delay; a reordered
// frame is sent at once while the others wait out the delay; with jitter
// the send times decide the order, so jitter reorders too.
func (l *Line) Push(now time.Time, frame []byte) {
	l.Stats.In++
	if l.chance(l.cfg.Corrupt) && len(frame) > ethHeader {
		i := ethHeader + l.rnd.IntN(len(frame)-ethHeader)
		frame[i] ^= 1 << l.rnd.IntN(8)
		l.Stats.Corrupted++
	}
	copies := 1
	if l.chance(l.cfg.Duplicate) {
		copies = 2
		l.Stats.Duplicated++
	}
	for c := range copies {
		f := frame
		if c > 0 {
			f = append([]byte(nil), frame...)
		}
		at := now.Add(l.delay())
		if l.chance(l.cfg.Reorder) {
			at = now
			l.Stats.Reordered++
		}
		if len(l.q) >= l.Limit {
			l.Stats.Overflow++
			continue
		}
		l.seq++
		heap.Push(&l.q, queued{at: at, seq: l.seq, frame: f})
	}
}

// Next is the send time of the first frame due, false when empty.
func (l *Line) Next() (time.Time, bool) {
	if len(l.q) == 0 {
		return time.Time{}, false
	}
	return l.q[0].at, true
}

// Pop returns the frames due at now, in send order (ties in arrival order).
func (l *Line) Pop(now time.Time) [][]byte {
	var out [][]byte
	for len(l.q) > 0 && !l.q[0].at.After(now) {
		out = append(out, heap.Pop(&l.q).(queued).frame)
	}
	l.Stats.Out += uint64(len(out))
	return out
}

// Len is the number of frames waiting.
func (l *Line) Len() int { return len(l.q) }

type queued struct {
	at    time.Time
	seq   uint64
	frame []byte
}

type frameHeap []queued

func (h frameHeap) Len() int { return len(h) }
func (h frameHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h frameHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *frameHeap) Push(x any)   { *h = append(*h, x.(queued)) }
func (h *frameHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = queued{}
	*h = old[:len(old)-1]
	return x
}

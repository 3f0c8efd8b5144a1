// Package impair gives a link end its impairments — delay, jitter, loss,
// duplication, reordering, corruption and a rate limit — with the netem
// qdisc where the kernel has it and with netemu's own path where it does
// not (minimal, CI and Firecracker kernels):
//
//   - rate: a tbf root qdisc, as for a plain `rate`;
//   - loss: a cls_bpf program on the end's clsact egress hook, in direct
//     action mode, that drops a frame when bpf_get_prandom_u32() falls
//     under a threshold; it needs no gact action and no netem;
//   - delay, jitter, reorder, duplicate, corrupt: the same program
//     redirects every frame (that the loss left) to a TAP device in the
//     node, read by a small delay line (`netemu impair-line`, supervised in
//     the node) that holds each frame in a queue ordered by its send time
//     and writes it back out of the end with an AF_PACKET socket. Frames it
//     sends carry the fwmark Mark, which the program lets through, so they
//     meet the tbf and leave.
//
// Each end shapes what it sends, so both ends together shape both
// directions, as Mininet's TCLink does.
//
// This file is the pure part: which mechanism does what (Plan) and the
// delay line's queue (Line). The kernel work is in the _linux.go files.
package impair

import (
	"math"
	"strings"
	"time"

	"github.com/netemu/netemu/topo"
)

// Mark is the fwmark the delay line sets on the frames it sends back out,
// so the egress program does not take them a second time. veth clears it
// on the way into the peer namespace.
const Mark = 0x4e454d55 // "NEMU"

// Mechanisms as `link show` names them.
const (
	MechNone  = "none"
	MechNetem = "netem"
	MechTBF   = "tbf"
)

// LineConfig is what the delay line does to each frame.
type LineConfig struct {
	Delay  time.Duration `json:"delay"`
	Jitter time.Duration `json:"jitter,omitempty"`
	// Percentages, 0–100.
	Reorder   float64 `json:"reorder,omitempty"`
	Duplicate float64 `json:"duplicate,omitempty"`
	Corrupt   float64 `json:"corrupt,omitempty"`
}

// Plan is how one link end is impaired.
type Plan struct {
	Impairment topo.Impairment
	// Netem: one netem root qdisc does everything.
	Netem bool
	// Rate is a tbf root qdisc's rate in bits/s (0: none); not with Netem.
	Rate uint64
	// Loss is the egress program's drop threshold: a frame is dropped when
	// a uniform random uint32 is below it. 0: no loss.
	Loss uint32
	// DropAll is 100% loss: the program drops every frame.
	DropAll bool
	// Line is the delay line's job; nil when no delay line is needed.
	Line *LineConfig
}

// PlanFor chooses the mechanisms for imp: netem when the kernel has it
// (a rate alone is always a tbf), else netemu's own path.
func PlanFor(imp topo.Impairment, haveNetem bool) Plan {
	p := Plan{Impairment: imp}
	switch {
	case imp.IsZero():
		return p
	case imp.OnlyRate():
		p.Rate = imp.Rate
		return p
	case haveNetem:
		p.Netem = true
		return p
	}
	p.Rate = imp.Rate
	switch {
	case imp.Loss >= 100:
		p.DropAll = true
	case imp.Loss > 0:
		p.Loss = LossThreshold(imp.Loss)
	}
	if imp.Delay > 0 || imp.Jitter > 0 || imp.Reorder > 0 || imp.Duplicate > 0 || imp.Corrupt > 0 {
		p.Line = &LineConfig{Delay: imp.Delay, Jitter: imp.Jitter, Reorder: imp.Reorder, Duplicate: imp.Duplicate, Corrupt: imp.Corrupt}
	}
	return p
}

// LossThreshold is the uint32 below which a uniform random value means
// "drop" for a loss of pct percent; at least 1 for any loss above 0.
func LossThreshold(pct float64) uint32 {
	t := math.Round(pct / 100 * (1 << 32))
	switch {
	case t >= math.MaxUint32:
		return math.MaxUint32
	case t < 1:
		return 1
	}
	return uint32(t)
}

// BPF says the end needs the egress program.
func (p Plan) BPF() bool { return p.Loss > 0 || p.DropAll || p.Line != nil }

// Mechanism names what does the work, as `link show` prints it:
// "netem", "tbf", or netemu's path, e.g. "netemu (cls_bpf loss, delay line, tbf)".
func (p Plan) Mechanism() string {
	switch {
	case p.Impairment.IsZero():
		return MechNone
	case p.Netem:
		return MechNetem
	case !p.BPF():
		return MechTBF
	}
	var parts []string
	if p.Loss > 0 || p.DropAll {
		parts = append(parts, "cls_bpf loss")
	}
	if p.Line != nil {
		parts = append(parts, "delay line")
	}
	if p.Rate > 0 {
		parts = append(parts, "tbf")
	}
	return "netemu (" + strings.Join(parts, ", ") + ")"
}

// TapName is the TAP device the delay line of iface reads, in the node.
func TapName(iface string) string {
	n := "nmi-" + iface
	if len(n) > 15 { // IFNAMSIZ-1
		n = n[:15]
	}
	return n
}

// ProcessName is the supervised delay line of iface in its node.
func ProcessName(iface string) string { return "impair-" + iface }

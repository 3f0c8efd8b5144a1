package topo

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

// BFD is a `bfd { interval, multiplier }` block: Bidirectional Forwarding
// Detection on the routing sessions it covers (issue 14).
type BFD struct {
	// Interval is both the desired transmit and the required receive
	// interval once a session is Up.
	Interval   time.Duration `json:"interval"`
	Multiplier uint8         `json:"multiplier"`
	Range      hcl.Range     `json:"-"`
}

// Bounds of a bfd block's values.
const (
	MinBFDInterval = 10 * time.Millisecond // as the error message says
	MaxBFDInterval = 60 * time.Second
	// DefaultBFDInterval and DefaultBFDMultiplier are FRR's defaults.
	DefaultBFDInterval   = 300 * time.Millisecond
	DefaultBFDMultiplier = 3
)

type bfdHCL struct {
	Interval   *string   `hcl:"interval,optional"`
	Multiplier *int64    `hcl:"multiplier,optional"`
	Body       hcl.Body  `hcl:",body"`
	DefRange   hcl.Range `hcl:",def_range"`
}

// bfd validates a bfd block (nil when absent).
func (b *builder) bfd(r *bfdHCL) *BFD {
	if r == nil {
		return nil
	}
	c := &BFD{Interval: DefaultBFDInterval, Multiplier: DefaultBFDMultiplier, Range: r.DefRange}
	if r.Interval != nil {
		subj := attr(r.Body, "interval", r.DefRange)
		v, prob := parseDuration(*r.Interval)
		switch {
		case prob != "":
			b.errf(subj, "Invalid bfd interval", "%s", prob)
		case v < MinBFDInterval || v > MaxBFDInterval:
			b.errf(subj, "Invalid bfd interval", "interval %v is out of range: use 10ms to 60s.", v)
		default:
			c.Interval = v
		}
	}
	if r.Multiplier != nil {
		if m := *r.Multiplier; m < 1 || m > 255 {
			b.errf(attr(r.Body, "multiplier", r.DefRange), "Invalid bfd multiplier", "multiplier %d is out of range: use 1 to 255.", m)
		} else {
			c.Multiplier = uint8(m)
		}
	}
	return c
}

// BFDForLink is the BFD of the routing sessions on link i: the link's own
// bfd block, else its AS's when both ends are routers of that AS, else
// the lab's; nil when none applies.
func (l *Lab) BFDForLink(i int) *BFD {
	if i < 0 || i >= len(l.Links) {
		return l.BFD
	}
	k := l.Links[i]
	if k.BFD != nil {
		return k.BFD
	}
	a, b := l.Node(k.A.Node), l.Node(k.B.Node)
	if a != nil && b != nil && a.AS != "" && a.AS == b.AS {
		if as := l.AS(a.AS); as != nil && as.BFD != nil {
			return as.BFD
		}
	}
	return l.BFD
}

// BFDForAS is the BFD of sessions between routers of an AS that do not
// share a link (iBGP between loopbacks, multihop): the AS's, else the
// lab's.
func (l *Lab) BFDForAS(name string) *BFD {
	if as := l.AS(name); as != nil && as.BFD != nil {
		return as.BFD
	}
	return l.BFD
}

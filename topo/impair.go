package topo

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Impairment is what a link does to the packets crossing it, in each
// direction, as Mininet's TCLink applies it: a link with a delay of 40ms
// adds 40 ms each way, so a ping across it sees about 80 ms.
type Impairment struct {
	Delay  time.Duration `json:"delay,omitempty"`
	Jitter time.Duration `json:"jitter,omitempty"`
	// Loss, Duplicate, Reorder and Corrupt are percentages (0–100).
	Loss      float64 `json:"loss,omitempty"`
	Duplicate float64 `json:"duplicate,omitempty"`
	Reorder   float64 `json:"reorder,omitempty"`
	Corrupt   float64 `json:"corrupt,omitempty"`
	// Rate in bits per second (0: unlimited).
	Rate uint64 `json:"rate,omitempty"`
}

// Limits of the values netemu accepts: beyond them a value is a typo, not
// an experiment (netem itself stops near 4295 s of delay).
const (
	MaxDelay = 60 * time.Second
	MinRate  = 8_000           // 8kbit: below, one 1500-byte frame takes 1.5 s
	MaxRate  = 100_000_000_000 // 100gbit: beyond any veth
)

// IsZero says the link is a plain wire.
func (i Impairment) IsZero() bool { return i == Impairment{} }

// OnlyRate says the impairment is a rate limit alone (a tbf qdisc does it
// on every kernel).
func (i Impairment) OnlyRate() bool { return i == Impairment{Rate: i.Rate} }

// String is the impairment as `link show` and the timeline print it,
// e.g. "delay 40ms jitter 5ms loss 1% rate 10mbit"; "none" when zero.
func (i Impairment) String() string {
	var parts []string
	if i.Delay > 0 {
		parts = append(parts, "delay "+i.Delay.String())
	}
	if i.Jitter > 0 {
		parts = append(parts, "jitter "+i.Jitter.String())
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"loss", i.Loss}, {"duplicate", i.Duplicate}, {"reorder", i.Reorder}, {"corrupt", i.Corrupt}} {
		if p.v > 0 {
			parts = append(parts, p.name+" "+FormatPercent(p.v))
		}
	}
	if i.Rate > 0 {
		parts = append(parts, "rate "+FormatRate(i.Rate))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// FormatPercent prints a percentage as it was most likely written: "1%", "0.1%".
func FormatPercent(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64) + "%"
}

// FormatRate prints bits per second in tc's units: "10mbit", "1.5gbit".
func FormatRate(bps uint64) string {
	for _, u := range bandwidthUnits {
		if u.mult > 1 && float64(bps) >= u.mult {
			return strconv.FormatFloat(float64(bps)/u.mult, 'f', -1, 64) + u.suffix
		}
	}
	return strconv.FormatUint(bps, 10) + "bit"
}

// ParseDelay parses a delay or jitter: a non-negative Go duration no
// longer than MaxDelay ("40ms", "1.5s", "0"). The problem is "" when s is good.
func ParseDelay(s string) (time.Duration, string) {
	t := strings.TrimSpace(s)
	if t == "0" {
		return 0, ""
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, fmt.Sprintf("%q is not a valid duration (like \"10ms\" or \"1.5s\")", s)
	}
	if d < 0 {
		return 0, fmt.Sprintf("%q is negative: a link cannot deliver a packet before it was sent", s)
	}
	if d > MaxDelay {
		return 0, fmt.Sprintf("%q is more than %s", s, MaxDelay)
	}
	return d, ""
}

// ParsePercent parses a percentage, "1%", "0.5" or "0.1 %", from 0 to 100.
func ParsePercent(s string) (float64, string) {
	t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(t, "xXpP_") {
		return 0, fmt.Sprintf("%q is not a percentage (like \"1%%\" or \"0.1%%\")", s)
	}
	if v < 0 || v > 100 {
		return 0, fmt.Sprintf("%q is out of range: a percentage is 0 to 100", s)
	}
	return v, ""
}

// ParseRate parses a rate in tc's units ("10mbit", "1gbit", "500kbit")
// between MinRate and MaxRate.
func ParseRate(s string) (uint64, string) {
	v, prob := parseBandwidth(s)
	if prob != "" {
		return 0, strings.Replace(prob, "bandwidth", "rate", 1)
	}
	if v < MinRate || v > MaxRate {
		return 0, fmt.Sprintf("rate %q is out of range (%s to %s)", s, FormatRate(MinRate), FormatRate(MaxRate))
	}
	return v, ""
}

// Problem is one thing wrong with an impairment, and the setting it is
// about ("jitter", "reorder"), so a file names the attribute and the CLI
// the flag.
type Problem struct {
	Field string
	Msg   string
}

// Problems checks the settings against each other: jitter and reorder
// only mean something on top of a delay (as in netem), and a jitter
// larger than the delay would ask for negative delays.
func (i Impairment) Problems() []Problem {
	var out []Problem
	if i.Jitter > 0 && i.Delay == 0 {
		out = append(out, Problem{"jitter", fmt.Sprintf("jitter %s needs a delay: the delay varies by up to the jitter around it", i.Jitter)})
	} else if i.Jitter > i.Delay {
		out = append(out, Problem{"jitter", fmt.Sprintf("jitter %s is larger than the delay %s: some packets would need a negative delay", i.Jitter, i.Delay)})
	}
	if i.Reorder > 0 && i.Delay == 0 {
		out = append(out, Problem{"reorder", "reorder needs a delay: reordered packets are the ones sent at once while the others wait out the delay"})
	}
	return out
}

// Impairment is the link's impairment as the file set it.
func (l *Link) Impairment() Impairment {
	return Impairment{Delay: l.Delay, Jitter: l.Jitter, Loss: l.Loss, Duplicate: l.Duplicate,
		Reorder: l.Reorder, Corrupt: l.Corrupt, Rate: l.Bandwidth}
}

package lab

// The -o json reports of `link show` and `link set`: the impairment with
// durations in milliseconds, percentages and the rate named with their
// units, instead of topo.Impairment's Go durations.

import "time"

// LinkShowReport is `link show`: the share's impaired links.
type LinkShowReport struct {
	Lab    string              `json:"lab"`
	Kernel *ImpairKernelReport `json:"kernel,omitempty"`
	Links  []LinkImpairReport  `json:"links"`
}

// ImpairKernelReport is what the share's kernel can do.
type ImpairKernelReport struct {
	Netem bool `json:"netem"` // the netem qdisc is there
	// Fallback is empty when netemu's own path works (clsact, cls_bpf,
	// TAP devices, tbf), else why not.
	Fallback string `json:"fallback,omitempty"`
}

// LinkImpairReport is one link's impairments, each direction (`link set`
// prints the link's after the change).
type LinkImpairReport struct {
	A                string    `json:"a"` // "node:iface"
	B                string    `json:"b"`
	DelayMS          int64     `json:"delay_ms,omitempty"`
	JitterMS         int64     `json:"jitter_ms,omitempty"`
	LossPercent      float64   `json:"loss_percent,omitempty"`
	DuplicatePercent float64   `json:"duplicate_percent,omitempty"`
	ReorderPercent   float64   `json:"reorder_percent,omitempty"`
	CorruptPercent   float64   `json:"corrupt_percent,omitempty"`
	RateBPS          uint64    `json:"rate_bps,omitempty"` // bits per second; none: unlimited
	Settings         string    `json:"settings"`           // in words, "delay 40ms loss 1%"; "" when cleared
	Mechanism        string    `json:"mechanism"`          // "netem", "tbf", "netemu (…)" or "none"
	SinceAt          time.Time `json:"since_at,omitzero"`
}

// Report is the link as -o json prints it.
func (li LinkImpairment) Report() LinkImpairReport {
	i := li.Impairment
	return LinkImpairReport{A: li.A, B: li.B, DelayMS: ms(i.Delay), JitterMS: ms(i.Jitter),
		LossPercent: i.Loss, DuplicatePercent: i.Duplicate, ReorderPercent: i.Reorder, CorruptPercent: i.Corrupt, RateBPS: i.Rate,
		Settings: li.Settings, Mechanism: li.Mechanism, SinceAt: li.Since}
}

// Report is `link show -o json`.
func (s *ImpairShow) Report() LinkShowReport {
	r := LinkShowReport{Lab: s.Lab, Links: []LinkImpairReport{}}
	if s.Kernel != nil {
		r.Kernel = &ImpairKernelReport{Netem: s.Kernel.Netem, Fallback: s.Kernel.Fallback}
	}
	for _, l := range s.Links {
		r.Links = append(r.Links, l.Report())
	}
	return r
}

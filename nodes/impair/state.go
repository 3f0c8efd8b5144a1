package impair

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/netemu/netemu/nodes/jsonfile"
	"github.com/netemu/netemu/topo"
)

// FileName is the impairments file inside a share's state directory:
// what every link does now and by which mechanism. Its writers hold the
// share's lock.
const FileName = "impair.json"

// File is the share's impairments: the probed kernel and every link that
// is not a plain wire.
type File struct {
	Kernel *Kernel     `json:"kernel,omitempty"`
	Links  []LinkState `json:"links,omitempty"`
}

// LinkState is one link's impairment in force.
type LinkState struct {
	A          string          `json:"a"`
	B          string          `json:"b"`
	AIface     string          `json:"a_iface"`
	BIface     string          `json:"b_iface"`
	Impairment topo.Impairment `json:"impairment"`
	Mechanism  string          `json:"mechanism"`
	// Since is when it was set (up or `link set`).
	Since time.Time `json:"since"`
}

// Load reads the impairments file; none is an empty one.
func Load(stateDir string) (*File, error) {
	var f File
	if _, err := jsonfile.Read(filepath.Join(stateDir, FileName), &f); err != nil {
		return nil, fmt.Errorf("read impairments: %w", err)
	}
	return &f, nil
}

// Save writes the file atomically.
func (f *File) Save(stateDir string) error {
	if err := jsonfile.Write(filepath.Join(stateDir, FileName), f); err != nil {
		return fmt.Errorf("write impairments: %w", err)
	}
	return nil
}

// Find is the state of the link l, or nil.
func (f *File) Find(l *topo.Link) *LinkState {
	for i := range f.Links {
		x := &f.Links[i]
		if x.A == l.A.Node && x.AIface == l.A.Iface && x.B == l.B.Node && x.BIface == l.B.Iface {
			return x
		}
	}
	return nil
}

// Set records s for its link, replacing what was there; a zero
// impairment removes the link from the file.
func (f *File) Set(s LinkState) {
	kept := f.Links[:0]
	for _, x := range f.Links {
		if !(x.A == s.A && x.AIface == s.AIface && x.B == s.B && x.BIface == s.BIface) {
			kept = append(kept, x)
		}
	}
	f.Links = kept
	if !s.Impairment.IsZero() {
		f.Links = append(f.Links, s)
	}
}

// Change is what a `link set` gives: each setting given replaces the
// link's, the others stay.
type Change struct {
	Delay, Jitter                     *time.Duration
	Loss, Duplicate, Reorder, Corrupt *float64
	Rate                              *uint64
}

// IsZero says nothing was given.
func (c Change) IsZero() bool { return c == Change{} }

// On returns i changed by c.
func (c Change) On(i topo.Impairment) topo.Impairment {
	set := func(dst *float64, v *float64) {
		if v != nil {
			*dst = *v
		}
	}
	if c.Delay != nil {
		i.Delay = *c.Delay
	}
	if c.Jitter != nil {
		i.Jitter = *c.Jitter
	}
	set(&i.Loss, c.Loss)
	set(&i.Duplicate, c.Duplicate)
	set(&i.Reorder, c.Reorder)
	set(&i.Corrupt, c.Corrupt)
	if c.Rate != nil {
		i.Rate = *c.Rate
	}
	return i
}

// ParseChange reads a change from its settings by name (delay, jitter,
// loss, duplicate, reorder, corrupt, rate or its other name bandwidth):
// get says a setting's text and whether it was given. An error names the
// setting as the flag it came from.
func ParseChange(get func(name string) (string, bool)) (Change, error) {
	var ch Change
	for _, d := range []struct {
		name string
		dst  **time.Duration
	}{{"delay", &ch.Delay}, {"jitter", &ch.Jitter}} {
		if s, ok := get(d.name); ok {
			v, prob := topo.ParseDelay(s)
			if prob != "" {
				return ch, fmt.Errorf("--%s: %s", d.name, prob)
			}
			*d.dst = &v
		}
	}
	for _, p := range []struct {
		name string
		dst  **float64
	}{{"loss", &ch.Loss}, {"duplicate", &ch.Duplicate}, {"reorder", &ch.Reorder}, {"corrupt", &ch.Corrupt}} {
		if s, ok := get(p.name); ok {
			v, prob := topo.ParsePercent(s)
			if prob != "" {
				return ch, fmt.Errorf("--%s: %s", p.name, prob)
			}
			*p.dst = &v
		}
	}
	for _, name := range []string{"rate", "bandwidth"} {
		if s, ok := get(name); ok {
			if ch.Rate != nil {
				return ch, fmt.Errorf("--bandwidth is another name for --rate: give one of them")
			}
			v, prob := topo.ParseRate(s)
			if prob != "" {
				return ch, fmt.Errorf("--%s: %s", name, prob)
			}
			ch.Rate = &v
		}
	}
	return ch, nil
}

package converge

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/netemu/netemu/routing"
)

// DaemonFault is the Daemon of timeline entries that are failures injected
// by netemu itself (link down, node stop …), not seen by an agent.
const DaemonFault = "netemu"

// KindInject is the Kind of an injected failure or repair.
const KindInject routing.EventKind = "inject"

// Timeline is one merged, time-ordered view of every agent's events.
type Timeline struct {
	// Ref is the reference time entries are relative to (the last
	// failure), zero when there is none.
	Ref time.Time `json:"ref,omitzero"`
	// RefLabel says what Ref is, e.g. "link-down transit-a–aws-edge".
	RefLabel string  `json:"ref_label,omitempty"`
	Entries  []Entry `json:"entries"`
	// LastChange is the last routing change at or after Ref (zero: none),
	// Convergence its distance from Ref.
	LastChange  time.Time     `json:"last_change,omitzero"`
	Convergence time.Duration `json:"convergence_ns,omitempty"`
}

// Entry is one event with its time relative to the timeline's reference.
type Entry struct {
	routing.Event
	Rel time.Duration `json:"rel_ns"`
}

// ReadEvents reads a node's event log (the rotated file first, so lines
// come out in order) and keeps events at or after since. A missing log is
// no error: a router may not have started its agent yet. Corrupt lines
// (a write cut short by a crash) are skipped.
func ReadEvents(nodeDir string, since time.Time) ([]routing.Event, error) {
	var out []routing.Event
	for _, name := range []string{"events.jsonl.1", "events.jsonl"} {
		f, err := os.Open(filepath.Join(nodeDir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		evs, err := decodeEvents(f, since)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.Name(), err)
		}
		out = append(out, evs...)
	}
	return out, nil
}

func decodeEvents(r io.Reader, since time.Time) ([]routing.Event, error) {
	var out []routing.Event
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e routing.Event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		if !e.Time.Before(since) {
			out = append(out, e)
		}
	}
	return out, sc.Err()
}

// Merge sorts events from every node into one timeline. Equal times keep a
// stable order by node so the output does not flicker between runs.
func Merge(ref time.Time, refLabel string, events []routing.Event) *Timeline {
	events = slices.Clone(events)
	slices.SortStableFunc(events, func(a, b routing.Event) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Node, b.Node)
	})
	t := &Timeline{Ref: ref, RefLabel: refLabel, Entries: make([]Entry, 0, len(events))}
	for _, e := range events {
		var rel time.Duration
		if !ref.IsZero() {
			rel = e.Time.Sub(ref)
		}
		t.Entries = append(t.Entries, Entry{Event: e, Rel: rel})
		if e.Kind.IsRoutingChange() && !e.Time.Before(ref) && e.Time.After(t.LastChange) {
			t.LastChange = e.Time
		}
	}
	if !ref.IsZero() && !t.LastChange.IsZero() {
		t.Convergence = t.LastChange.Sub(ref)
	}
	return t
}

// FormatEntry renders one entry for people: relative time, node, daemon,
// what happened and to what.
func FormatEntry(e Entry, relative bool) string {
	var b strings.Builder
	if relative {
		fmt.Fprintf(&b, "%+10.3fs", e.Rel.Seconds())
	} else {
		b.WriteString(e.Time.Format("15:04:05.000"))
	}
	fmt.Fprintf(&b, "  %-14s %-6s %-14s", e.Node, e.Daemon, e.Kind)
	var what []string
	if e.Prefix.IsValid() {
		what = append(what, e.Prefix.String())
	}
	if e.Peer.IsValid() {
		what = append(what, "peer "+e.Peer.String())
	}
	if e.Iface != "" {
		what = append(what, e.Iface)
	}
	if e.Detail != "" {
		what = append(what, e.Detail)
	}
	b.WriteString(" " + strings.Join(what, " "))
	return strings.TrimRight(b.String(), " ")
}

// Format renders the whole timeline for people.
func (t *Timeline) Format() string {
	var b strings.Builder
	rel := !t.Ref.IsZero()
	if rel {
		fmt.Fprintf(&b, "times relative to %s at %s\n", t.RefLabel, t.Ref.Format(time.RFC3339Nano))
	}
	for _, e := range t.Entries {
		b.WriteString(FormatEntry(e, rel) + "\n")
	}
	switch {
	case !rel:
	case t.LastChange.IsZero():
		b.WriteString("no routing change since then\n")
	default:
		fmt.Fprintf(&b, "convergence time: %s (last routing change minus the failure)\n", t.Convergence.Round(time.Millisecond))
	}
	return b.String()
}

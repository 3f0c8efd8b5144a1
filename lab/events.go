package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/converge"
)

// LastFailure is the --since keyword for the last injected failure or
// repair (the default).
const LastFailure = "LAST_FAILURE"

// Events is the share's timeline: its faults and every local router's
// routing events since since (LastFailure, a duration back from now, or
// an RFC 3339 time), with times relative to the last fault. from is
// where it starts, for FollowEvents.
func Events(st *nodes.State, since string, now time.Time) (tl *converge.Timeline, from time.Time, err error) {
	f, err := fault.Load(st.Dir)
	if err != nil {
		return nil, time.Time{}, err
	}
	if from, err = eventsSince(since, f, now); err != nil {
		return nil, time.Time{}, err
	}
	tl, err = readTimeline(st, from)
	return tl, from, err
}

// eventsSince resolves --since: LAST_FAILURE (the last fault, or the
// beginning when there is none), a duration back from now, or a time.
func eventsSince(since string, f *fault.File, now time.Time) (time.Time, error) {
	switch {
	case since == "" || strings.EqualFold(since, LastFailure):
		if last, ok := f.LastChange(); ok {
			return last.Time, nil
		}
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(since); err == nil {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, since); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want %s, a duration (90s) or an RFC 3339 time", since, LastFailure)
}

// faultEvents turns the faults file's records into timeline entries.
func faultEvents(f *fault.File, since time.Time) []routing.Event {
	var out []routing.Event
	for _, r := range f.History {
		if r.Time.Before(since) {
			continue
		}
		node := r.Node
		if node == "" {
			node = r.A
		}
		out = append(out, routing.Event{Time: r.Time, Node: node, Daemon: converge.DaemonFault, Kind: converge.KindInject, Detail: r.String()})
	}
	return out
}

// readTimeline merges the share's faults and every local router's events
// since since, relative to the last fault.
func readTimeline(st *nodes.State, since time.Time) (*converge.Timeline, error) {
	f, err := fault.Load(st.Dir)
	if err != nil {
		return nil, err
	}
	evs := faultEvents(f, since)
	for _, n := range st.Nodes {
		e, err := converge.ReadEvents(st.NodeDir(n), since)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", n, err)
		}
		evs = append(evs, e...)
	}
	var ref time.Time
	label := ""
	if last, ok := f.LastChange(); ok {
		ref, label = last.Time, last.String()
	}
	return converge.Merge(ref, label, evs), nil
}

func eventKey(e routing.Event) string {
	return fmt.Sprintf("%s|%d|%s|%s|%s|%s|%s|%s", e.Node, e.Time.UnixNano(), e.Daemon, e.Kind, e.Prefix, e.Peer, e.Iface, e.Detail)
}

// FollowEvents writes the timeline so far to w, then new entries as
// agents write them, until ctx ends (Ctrl-C). A new failure becomes the
// new reference for relative times. asJSON writes one JSON entry a line.
func FollowEvents(ctx context.Context, w io.Writer, st *nodes.State, from time.Time, tl *converge.Timeline, asJSON bool) error {
	seen := map[string]bool{}
	ref, refLabel := tl.Ref, tl.RefLabel
	enc := json.NewEncoder(w)
	printEntry := func(e converge.Entry) {
		if asJSON {
			_ = enc.Encode(EventReportOf(e)) // one EventReport per line
			return
		}
		fmt.Fprintln(w, converge.FormatEntry(e, !ref.IsZero()))
	}
	if !asJSON && !ref.IsZero() {
		fmt.Fprintf(w, "times relative to %s at %s\n", refLabel, ref.Format(time.RFC3339Nano))
	}
	for _, e := range tl.Entries {
		seen[eventKey(e.Event)] = true
		printEntry(e)
	}
	return poll(ctx, 250*time.Millisecond, func() error {
		cur, err := readTimeline(st, from)
		if err != nil {
			return err
		}
		if !cur.Ref.Equal(ref) {
			ref, refLabel = cur.Ref, cur.RefLabel
			if !asJSON {
				fmt.Fprintf(w, "--- times now relative to %s at %s\n", refLabel, ref.Format(time.RFC3339Nano))
			}
		}
		for _, e := range cur.Entries {
			if k := eventKey(e.Event); !seen[k] {
				seen[k] = true
				printEntry(e)
			}
		}
		return nil
	})
}

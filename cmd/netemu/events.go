package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/converge"
)

// lastFailure is the --since keyword for the last injected failure or
// repair (the default).
const lastFailure = "LAST_FAILURE"

// eventsSince resolves --since: LAST_FAILURE (the last fault, or the
// beginning when there is none), a duration back from now, or a time.
func eventsSince(since string, f *fault.File, now time.Time) (time.Time, error) {
	switch {
	case since == "" || strings.EqualFold(since, lastFailure):
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
	return time.Time{}, fmt.Errorf("--since %q: want %s, a duration (90s) or an RFC 3339 time", since, lastFailure)
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

func newEventsCmd(g *globals) *cobra.Command {
	var follow bool
	var since string
	output := outputTable
	cmd := &cobra.Command{
		Use:   "events [LAB]",
		Short: "One timeline of every router's routing events, relative to the last failure",
		Long: "Merges every agent's events (link down seen, sessions and neighbours down/up, routes\n" +
			"withdrawn and added, new best paths, kernel installs) and netemu's own failure injections\n" +
			"into one time-ordered list, with times relative to the last failure or repair, and prints\n" +
			"the convergence time: the last routing change minus the failure.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			st, err := selectShare(g, name)
			if err != nil {
				return err
			}
			f, err := fault.Load(st.Dir)
			if err != nil {
				return err
			}
			from, err := eventsSince(since, f, time.Now())
			if err != nil {
				return err
			}
			tl, err := readTimeline(st, from)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if !follow {
				if output == "json" {
					return printJSON(w, tl)
				}
				_, err := io.WriteString(w, tl.Format())
				return err
			}
			return followEvents(cmd.Context(), w, st, from, tl, output == "json")
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing events as they happen")
	cmd.Flags().StringVar(&since, "since", lastFailure, "where the timeline starts: LAST_FAILURE, a duration back (5m) or an RFC 3339 time")
	cmd.Flags().VarP(&output, "output", "o", outputUsage)
	return cmd
}

// followEvents prints the timeline so far, then new entries as agents
// write them, until ctx ends (Ctrl-C). A new failure becomes the new
// reference for relative times.
func followEvents(ctx context.Context, w io.Writer, st *nodes.State, from time.Time, tl *converge.Timeline, asJSON bool) error {
	seen := map[string]bool{}
	ref, refLabel := tl.Ref, tl.RefLabel
	enc := json.NewEncoder(w)
	printEntry := func(e converge.Entry) {
		if asJSON {
			_ = enc.Encode(e)
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
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
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
			k := eventKey(e.Event)
			if seen[k] {
				continue
			}
			seen[k] = true
			printEntry(e)
		}
	}
}

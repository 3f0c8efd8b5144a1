package tests

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	labrep "github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/converge"
)

// decodeStrict decodes a command's -o json output into the documented
// type (lab/report.go), refusing fields the type does not document.
func decodeStrict(t testing.TB, what, out string, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(out)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s -o json does not decode into %T: %v\n%s", what, v, err, out)
	}
}

// timelineJSON decodes `events -o json` into the converge.Timeline the
// older tests assert on.
func timelineJSON(t testing.TB, out string) converge.Timeline {
	t.Helper()
	var r labrep.EventsReport
	decodeStrict(t, "events", out, &r)
	tl := converge.Timeline{Ref: r.RefAt, RefLabel: r.RefLabel, LastChange: r.LastChangeAt,
		Convergence: time.Duration(r.ConvergenceMS) * time.Millisecond}
	for _, e := range r.Entries {
		ev := routing.Event{Time: e.Time, Node: e.Node, Daemon: e.Daemon, Kind: routing.EventKind(e.Kind), Iface: e.Iface, Detail: e.Detail}
		ev.Prefix, _ = netip.ParsePrefix(e.Prefix)
		ev.Peer, _ = netip.ParseAddr(e.Peer)
		tl.Entries = append(tl.Entries, converge.Entry{Event: ev, Rel: time.Duration(e.RelMS) * time.Millisecond})
	}
	return tl
}

// pathJSON decodes `trace -o json` into a converge.Path.
func pathJSON(t testing.TB, out string) converge.Path {
	t.Helper()
	var r labrep.TraceReport
	decodeStrict(t, "trace", out, &r)
	p := converge.Path{From: r.From, Result: r.Result, Detail: r.Detail}
	p.Src, _ = netip.ParseAddr(r.Source)
	p.Dst, _ = netip.ParseAddr(r.Destination)
	for _, h := range r.Hops {
		hop := converge.Hop{Node: h.Node, InIface: h.InIface, OutIface: h.OutIface, Note: h.Note}
		hop.Gateway, _ = netip.ParseAddr(h.Via)
		hop.Dst, _ = netip.ParseAddr(h.Destination)
		p.Hops = append(p.Hops, hop)
	}
	return p
}

// statusJSON is `status LAB -o json`: one object.
func statusJSON(t testing.TB, lab string) labrep.LabReport {
	t.Helper()
	var r labrep.LabReport
	decodeStrict(t, "status", netemu(t, "status", "--lab", lab, "-o", "json"), &r)
	return r
}

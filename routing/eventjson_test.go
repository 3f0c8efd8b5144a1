package routing

import (
	"encoding/json"
	"net/netip"
	"testing"
	"time"
)

func TestAppendJSONMatchesMarshal(t *testing.T) {
	at := time.Date(2026, 11, 24, 23, 59, 58, 123456789, time.UTC)
	for _, e := range []Event{
		{Time: at, Node: "r1", Daemon: "fib", Kind: EventFIBInstall, Prefix: netip.MustParsePrefix("10.1.0.0/24")},
		{Time: at.In(time.FixedZone("x", 3600)), Node: "r1", Daemon: "bgp", Kind: EventSessionDown,
			Peer: netip.MustParseAddr("100.64.0.2"), Iface: "eth0", Detail: "hold timer expired"},
		{Time: at, Node: "", Daemon: "", Kind: ""},
		{Time: at, Node: "n", Daemon: "rip", Kind: EventBadPacket, Detail: "quote \" back \\ nl \n tab \t ctl \x01 é \xff <&>"},
	} {
		got := e.AppendJSON(nil)
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var g, w Event
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("AppendJSON made invalid JSON %s: %v", got, err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !g.Time.Equal(w.Time) || g.Node != w.Node || g.Daemon != w.Daemon || g.Kind != w.Kind ||
			g.Prefix != w.Prefix || g.Peer != w.Peer || g.Iface != w.Iface || g.Detail != w.Detail {
			t.Errorf("AppendJSON %s\ndecodes to %+v\nMarshal   %s\ndecodes to %+v", got, g, want, w)
		}
		// The same keys are present, or omitted, in both.
		var gm, wm map[string]any
		json.Unmarshal(got, &gm)
		json.Unmarshal(want, &wm)
		if len(gm) != len(wm) {
			t.Errorf("keys differ: %v vs %v", gm, wm)
		}
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("r1", "detail \" \\ \x00", "eth0")
	f.Fuzz(func(t *testing.T, node, detail, iface string) {
		e := Event{Time: time.Unix(1, 2).UTC(), Node: node, Daemon: "rip", Kind: EventRouteAdd, Detail: detail, Iface: iface}
		var g, w Event
		if err := json.Unmarshal(e.AppendJSON(nil), &g); err != nil {
			t.Fatalf("invalid JSON for %q %q %q: %v", node, detail, iface, err)
		}
		want, _ := json.Marshal(e)
		json.Unmarshal(want, &w)
		if g.Node != w.Node || g.Detail != w.Detail || g.Iface != w.Iface {
			t.Fatalf("decoded %+v, Marshal gives %+v", g, w)
		}
	})
}

func BenchmarkEmitEncoding(b *testing.B) {
	e := Event{Time: time.Now(), Node: "r1", Daemon: "fib", Kind: EventFIBInstall, Prefix: netip.MustParsePrefix("10.1.2.0/24")}
	b.Run("AppendJSON", func(b *testing.B) {
		buf := make([]byte, 0, 256)
		for b.Loop() {
			buf = e.AppendJSON(buf[:0])
		}
	})
	b.Run("Marshal", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(e)
		}
	})
}

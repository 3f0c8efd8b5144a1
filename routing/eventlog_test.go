package routing

import (
	"bufio"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestEventLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	l, err := NewEventLog(path, "r1", 600)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l.Emit(Event{Time: t0, Daemon: "rip", Kind: EventNeighbourUp})
	if !l.LastChange().IsZero() {
		t.Fatalf("a neighbour event moved the convergence clock: %v", l.LastChange())
	}
	for i := 0; i < 10; i++ {
		l.Emit(Event{Time: t0.Add(time.Duration(i) * time.Second), Daemon: "rip", Kind: EventRouteAdd,
			Prefix: netip.MustParsePrefix("10.0.0.0/8")})
	}
	if got, want := l.LastChange(), t0.Add(9*time.Second); !got.Equal(want) {
		t.Errorf("LastChange %v, want %v", got, want)
	}
	if c := l.Counts(); c[EventRouteAdd] != 10 || c[EventNeighbourUp] != 1 {
		t.Errorf("counts %v", c)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// Bounded: rotated to .1, and both files hold whole JSON lines.
	total := 0
	for _, p := range []string{path, path + ".1"} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		st, _ := f.Stat()
		if st.Size() > 600 {
			t.Errorf("%s is %d bytes, over the 600 limit", p, st.Size())
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var e Event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Errorf("%s: bad line %q: %v", p, sc.Text(), err)
			}
			if e.Node != "r1" {
				t.Errorf("node not filled in: %+v", e)
			}
			total++
		}
		f.Close()
	}
	if total == 0 || total > 11 {
		t.Errorf("%d lines kept", total)
	}
}

func TestEventLogFlushesWithoutClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	l, err := NewEventLog(path, "r1", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Emit(Event{Daemon: "agent", Kind: EventLinkDown, Iface: "eth0"})
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if len(b) > 0 && b[len(b)-1] == '\n' {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("event not written to %s within 5s", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

package ui

import (
	"fmt"
	"net/http/httptest"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/topo"
	"github.com/netemu/netemu/ui/uitest"
)

// shellBackend is fakeBackend with a real shell on a pty (no lab needed).
type shellBackend struct{ fakeBackend }

func (*shellBackend) Shell(node string) (*exec.Cmd, error) {
	cmd := exec.Command("/bin/sh")
	cmd.Env = []string{"PS1=" + node + "$ ", "PATH=/usr/bin:/bin"}
	return cmd, nil
}

// pageServer serves lab's model with the real embedded front end.
func pageServer(t testing.TB, lab *topo.Lab, b Backend) (*Server, string) {
	t.Helper()
	s, err := New(Config{Lab: lab, Backend: b, Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return s, hs.URL
}

// TestPageFakeLab drives the real page in chromium against a server whose
// state the test changes itself: the page lists every node, shows a pushed
// link change, sends a click on the canvas as a link action, streams the
// timeline and runs a terminal.
func TestPageFakeLab(t *testing.T) {
	ctx := uitest.Browser(t)
	lab, err := topo.LoadExample(topo.Seed)
	if err != nil {
		t.Fatal(err)
	}
	b := &shellBackend{}
	s, url := pageServer(t, lab, b)
	if _, err := uitest.Open(ctx, url+"/?token="+testToken, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	// The token left the address bar for a cookie.
	if u, err := uitest.Eval[string](ctx, `location.href`); err != nil || strings.Contains(u, "token") {
		t.Errorf("address after login: %q %v", u, err)
	}
	got, err := uitest.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range lab.Nodes {
		want = append(want, n.Name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("page nodes %v, want %v", got, want)
	}

	l := lab.Links[5]
	id := LinkID(l)
	s.Apply(func(m *Model) []Message { return m.SetOper(l.A.Node, l.A.Iface, false) })
	if err := uitest.WaitLinkState(ctx, id, LinkDown, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	s.Apply(func(m *Model) []Message { return m.SetOper(l.A.Node, l.A.Iface, true) })
	if err := uitest.WaitLinkState(ctx, id, LinkUp, 10*time.Second); err != nil {
		t.Fatal(err)
	}

	if err := uitest.ClickLink(ctx, id, "silent"); err != nil {
		t.Fatal(err)
	}
	a, bEnd, _ := strings.Cut(id, "--")
	deadline := time.Now().Add(15 * time.Second)
	for {
		b.mu.Lock()
		acts := slices.Clone(b.actions)
		b.mu.Unlock()
		if slices.Contains(acts, "silent "+a+" "+bEnd) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the click on %s reached the backend as %v", id, acts)
		}
		time.Sleep(20 * time.Millisecond)
	}

	s.Apply(func(m *Model) []Message {
		return m.AddEvents([]routing.Event{{Time: time.Now(), Node: "transit-a", Daemon: "bgp", Kind: routing.EventSessionDown}})
	})
	if err := uitest.WaitFor(ctx, `document.querySelector('#timeline [data-event="session-down"][data-event-node="transit-a"]')`, 10*time.Second); err != nil {
		t.Fatal(err)
	}

	if err := uitest.Terminal(ctx, "web", false); err != nil {
		t.Fatal(err)
	}
	if err := uitest.TermType(ctx, "echo hello-$((6*7))\n"); err != nil {
		t.Fatal(err)
	}
	if err := uitest.WaitFor(ctx, `(() => { const t = window.netemu.terms[0]; if (!t) return false; const b = t.term.buffer.active; for (let i = 0; i < b.length; i++) if (b.getLine(i).translateToString(true).includes("hello-42")) return true; return false; })()`, 15*time.Second); err != nil {
		text, _ := uitest.TermText(ctx)
		t.Fatalf("%v; terminal shows:\n%s", err, text)
	}
}

// TestPageReconnects: a page whose socket drops gets a new snapshot and
// shows what changed while it was away.
func TestPageReconnects(t *testing.T) {
	ctx := uitest.Browser(t)
	lab, err := topo.LoadExample(topo.Seed)
	if err != nil {
		t.Fatal(err)
	}
	s, url := pageServer(t, lab, &fakeBackend{})
	if _, err := uitest.Open(ctx, url+"/?token="+testToken, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	// Drop every page's socket as the server does for one too far behind.
	s.pub.Lock()
	for c := range s.clients {
		c.once.Do(func() { close(c.dropped) })
	}
	l := lab.Links[2]
	s.pub.Unlock()
	s.Apply(func(m *Model) []Message { return m.SetOper(l.B.Node, l.B.Iface, false) })
	if err := uitest.WaitLinkState(ctx, LinkID(l), LinkDown, 15*time.Second); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkPageLoad prints the time from navigation to the first drawn
// snapshot, for the seed lab and a lab of 1,000 routers.
func BenchmarkPageLoad(b *testing.B) {
	seed, err := topo.LoadExample(topo.Seed)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		lab  *topo.Lab
	}{{"seed", seed}, {"1000-nodes", bigLab(b, 50, 20)}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := uitest.Browser(b)
			_, url := pageServer(b, c.lab, &fakeBackend{})
			var total time.Duration
			n := 0
			for b.Loop() {
				tab := uitest.Tab(b, ctx)
				d, err := uitest.Open(tab, url+"/?token="+testToken, time.Minute)
				if err != nil {
					b.Fatal(err)
				}
				total += d
				n++
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(n), "ms/first-render")
			fmt.Printf("page load and first render, %s (%d nodes): %.0f ms (mean of %d)\n", c.name, len(c.lab.Nodes), float64(total.Milliseconds())/float64(n), n)
		})
	}
}

// BenchmarkServerMemory prints the server's heap with five pages open on
// a lab of 1,000 routers (the model, five snapshots' worth of sockets).
func BenchmarkServerMemory(b *testing.B) {
	ctx := uitest.Browser(b)
	lab := bigLab(b, 50, 20)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, url := pageServer(b, lab, &fakeBackend{})
	for b.Loop() {
		for range 5 {
			if _, err := uitest.Open(uitest.Tab(b, ctx), url+"/?token="+testToken, time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	s.pub.Lock()
	pages := len(s.clients)
	s.pub.Unlock()
	fmt.Printf("server heap with %d pages open on %d nodes: %.1f MiB in use (%.1f MiB before the server)\n",
		pages, len(lab.Nodes), float64(after.HeapInuse)/(1<<20), float64(before.HeapInuse)/(1<<20))
}

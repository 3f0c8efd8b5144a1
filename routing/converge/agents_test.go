package converge

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAgent serves an agent's control socket from canned JSON answers.
type fakeAgent struct {
	mu      sync.Mutex
	answers map[string]any // path → JSON value; absent → 404
}

func (f *fakeAgent) set(path string, v any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[path] = v
}

func (f *fakeAgent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	v, ok := f.answers[r.URL.Path]
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

// startFakeAgent serves node's socket under dir (a short path: unix
// socket paths are limited to 108 bytes).
func startFakeAgent(t *testing.T, dir, node string) *fakeAgent {
	t.Helper()
	nd := filepath.Join(dir, node)
	if err := os.MkdirAll(nd, 0o755); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", AgentSocket(nd))
	if err != nil {
		t.Fatal(err)
	}
	fa := &fakeAgent{answers: map[string]any{}}
	srv := &http.Server{Handler: fa}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return fa
}

func shortTempDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "cv")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func TestParseBGPSessions(t *testing.T) {
	for _, in := range []string{
		`{"sessions":[{"peer":"100.64.0.1","peer_as":64500,"state":"Established"},{"peer":"bad","state":"Idle"}]}`,
		`[{"address":"100.64.0.1","asn":64500,"state":"Established"}]`,
		`{"router_id":"1.2.3.4","peers":[{"neighbor":"100.64.0.1","remote_as":64500,"fsm_state":"Established"}]}`,
		`{"node":"r1","asn":64510,"router_id":"100.127.0.3","prefixes":3,"peers":[{"name":"home-core","addr":"100.64.0.1","local_addr":"100.64.0.2","as":64500,"ibgp":false,"state":"Established","flaps":0}]}`,
	} {
		got := parseBGPSessions(json.RawMessage(in))
		if len(got) != 1 || got[0].Peer != ip("100.64.0.1") || got[0].ASN != 64500 || !got[0].Established() {
			t.Errorf("%s → %+v", in, got)
		}
	}
	if got := parseBGPSessions(json.RawMessage(`{"x":1}`)); len(got) != 0 {
		t.Errorf("no sessions → %+v", got)
	}
}

func TestWaitConvergesAndFailsClearly(t *testing.T) {
	dir := shortTempDir(t)
	lab := seedLike()
	nodes := []string{"home-core", "aws-edge"}
	hc := startFakeAgent(t, dir, "home-core")
	ae := startFakeAgent(t, dir, "aws-edge")
	changed := time.Now()
	hc.set("/status", map[string]any{"node": "home-core", "last_change": changed})
	hc.set("/bgp", map[string]any{"sessions": []map[string]any{{"peer": "100.64.0.2", "state": "Established"}}})
	ae.set("/status", map[string]any{"node": "aws-edge", "last_change": changed})
	ae.set("/bgp", map[string]any{"sessions": []map[string]any{{"peer": "100.64.0.13", "state": "OpenSent"}}})
	opts := WaitOptions{
		Nodes:   nodes,
		NodeDir: func(n string) string { return filepath.Join(dir, n) },
		Quiet:   300 * time.Millisecond,
		Poll:    20 * time.Millisecond,
	}

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, _, err := Wait(ctx, lab, opts)
	var nc *NotConvergedError
	if !errors.As(err, &nc) || !strings.Contains(err.Error(), "aws-edge: bgp session 100.64.0.13 (transit-a): OpenSent") {
		t.Fatalf("err = %v", err)
	}

	// The session comes up while Wait runs: the clean state must then hold
	// for the quiet period even though no RIB changed.
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var flipped time.Time
	go func() {
		time.Sleep(100 * time.Millisecond)
		flipped = time.Now()
		ae.set("/bgp", map[string]any{"sessions": []map[string]any{{"peer": "100.64.0.13", "state": "Established"}}})
	}()
	res, waited, err := Wait(ctx, lab, opts)
	if since := time.Since(flipped); err == nil && since < opts.Quiet {
		t.Errorf("converged %s after the session came up, before the quiet period", since)
	}
	if err != nil || !res.Converged {
		t.Fatalf("wait: %v %+v", err, res)
	}
	if time.Since(changed) < opts.Quiet {
		t.Errorf("converged %s after the last change, before the quiet period", time.Since(changed))
	}
	t.Logf("converged after waiting %s", waited)

	// A dead agent is named.
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	opts.Nodes = append(opts.Nodes, "transit-a")
	if _, _, err := Wait(ctx, lab, opts); err == nil || !strings.Contains(err.Error(), "transit-a: agent: unreachable") {
		t.Fatalf("dead agent: %v", err)
	}
}

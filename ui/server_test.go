package ui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"

	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

// fakeBackend records the actions asked of it.
type fakeBackend struct {
	mu      sync.Mutex
	actions []string
}

func (f *fakeBackend) LinkDown(_ context.Context, a, b string, silent bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	verb := "down"
	if silent {
		verb = "silent"
	}
	f.actions = append(f.actions, verb+" "+a+" "+b)
	return nil
}

func (f *fakeBackend) LinkUp(_ context.Context, a, b string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions = append(f.actions, "up "+a+" "+b)
	return nil
}

func (f *fakeBackend) Trace(_ context.Context, from, to string) (*converge.Path, error) {
	return &converge.Path{From: from, Result: converge.Reached, Hops: []converge.Hop{{Node: from}, {Node: to}}}, nil
}

func (f *fakeBackend) Details(_ context.Context, node string) (any, error) {
	return map[string]string{"node": node}, nil
}

func (f *fakeBackend) Shell(node string) (*exec.Cmd, error) { return exec.Command("/bin/sh"), nil }

func (f *fakeBackend) SSH(string) (*exec.Cmd, error) { return nil, errors.New("no ssh") }

const testToken = "0123456789abcdef"

func newTestServer(t *testing.T) (*Server, *httptest.Server, *fakeBackend, *topo.Lab) {
	t.Helper()
	lab, err := topo.LoadExample(topo.Seed)
	if err != nil {
		t.Fatal(err)
	}
	fb := &fakeBackend{}
	s, err := New(Config{Lab: lab, Backend: fb, Token: testToken,
		Assets: fstest.MapFS{"index.html": {Data: []byte("<!doctype html><p>page</p>")}}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return s, hs, fb, lab
}

func dial(t *testing.T, hs *httptest.Server, path string, h http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(hs.URL, "http") + path
	return websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
}

func readMsg(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTokenRequired(t *testing.T) {
	_, hs, _, _ := newTestServer(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range []struct {
		name, path, cookie string
		want               int
	}{
		{"no token", "/", "", http.StatusUnauthorized},
		{"wrong token", "/?token=nope", "", http.StatusUnauthorized},
		{"no token on the api", "/api/snapshot", "", http.StatusUnauthorized},
		{"no token on the socket", "/ws", "", http.StatusUnauthorized},
		{"token: cookie set, token removed from the URL", "/?token=" + testToken, "", http.StatusFound},
		{"cookie", "/", testToken, http.StatusOK},
		{"wrong cookie", "/", "nope", http.StatusUnauthorized},
		{"cookie on the api", "/api/snapshot", testToken, http.StatusOK},
	} {
		req, _ := http.NewRequest("GET", hs.URL+c.path, nil)
		if c.cookie != "" {
			req.AddCookie(&http.Cookie{Name: cookieName, Value: c.cookie})
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.want)
		}
		if c.want == http.StatusFound {
			if loc := resp.Header.Get("Location"); strings.Contains(loc, "token") {
				t.Errorf("%s: redirect to %q keeps the token", c.name, loc)
			}
			if ck := resp.Header.Get("Set-Cookie"); !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, testToken) {
				t.Errorf("%s: Set-Cookie %q", c.name, ck)
			}
		}
	}
}

func TestCheckListen(t *testing.T) {
	for _, c := range []struct {
		addr     string
		explicit bool
		ok       bool
	}{
		{"127.0.0.1:8080", false, true},
		{"[::1]:8080", false, true},
		{"localhost:0", false, true},
		{"0.0.0.0:8080", false, false},
		{":8080", false, false},
		{"192.0.2.1:8080", false, false},
		{"0.0.0.0:8080", true, true},
		{"nonsense", true, false},
	} {
		if err := CheckListen(c.addr, c.explicit); (err == nil) != c.ok {
			t.Errorf("CheckListen(%q, %v) = %v", c.addr, c.explicit, err)
		}
	}
}

func TestOtherOriginRefused(t *testing.T) {
	_, hs, fb, lab := newTestServer(t)
	h := http.Header{"Origin": {"http://evil.example"}, "Cookie": {cookieName + "=" + testToken}}
	for _, path := range []string{"/ws", "/term?node=web"} {
		_, resp, err := dial(t, hs, path, h)
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s from another origin: err %v resp %v", path, err, resp)
		}
	}
	// Actions too.
	id := LinkID(lab.Links[0])
	req, _ := http.NewRequest("POST", hs.URL+"/api/link", strings.NewReader(`{"id":"`+id+`","action":"down"}`))
	req.Header = h.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(fb.actions) != 0 {
		t.Errorf("cross-origin link action: %d, actions %v", resp.StatusCode, fb.actions)
	}
}

func TestSnapshotThenChanges(t *testing.T) {
	s, hs, _, lab := newTestServer(t)
	h := http.Header{"Origin": {hs.URL}, "Cookie": {cookieName + "=" + testToken}}
	c, _, err := dial(t, hs, "/ws", h)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	snap := readMsg(t, c)
	if snap["type"] != MsgSnapshot || snap["v"] != float64(Version) {
		t.Fatalf("first message %v", snap["type"])
	}
	seq := snap["seq"].(float64)
	l := lab.Links[3]
	s.Apply(func(m *Model) []Message { return m.SetOper(l.A.Node, l.A.Iface, false) })
	got := readMsg(t, c)
	if got["type"] != MsgLink || got["seq"] != seq+1 {
		t.Fatalf("change %v", got)
	}
	if d := got["data"].(map[string]any); d["id"] != LinkID(l) || d["state"] != LinkDown {
		t.Fatalf("link change %v", d)
	}
	// A second page starts from a snapshot that already has the change.
	c2, _, err := dial(t, hs, "/ws", h)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.CloseNow()
	snap2 := readMsg(t, c2)
	if snap2["seq"] != seq+1 {
		t.Fatalf("second snapshot seq %v", snap2["seq"])
	}
	for _, x := range snap2["data"].(map[string]any)["links"].([]any) {
		if lk := x.(map[string]any); lk["id"] == LinkID(l) && lk["state"] != LinkDown {
			t.Errorf("second snapshot: %v", lk)
		}
	}
	// A trace request is answered on the page's own socket.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"trace","from":"mac","to":"web"}`)); err != nil {
		t.Fatal(err)
	}
	tr := readMsg(t, c)
	if tr["type"] != MsgTrace || tr["data"].(map[string]any)["result"] != converge.Reached {
		t.Fatalf("trace %v", tr)
	}
	// A route change redraws it only if the path changed (it did not).
	s.RoutesChanged()
	s.Apply(func(m *Model) []Message { return m.SetRoutes("home-gw", 3) })
	if next := readMsg(t, c); next["type"] != MsgRoutes {
		t.Fatalf("after a route change with the same path: %v", next["type"])
	}
}

func TestLinkAction(t *testing.T) {
	_, hs, fb, lab := newTestServer(t)
	id := LinkID(lab.Links[5])
	for _, c := range []struct {
		body string
		want int
	}{
		{`{"id":"` + id + `","action":"down"}`, http.StatusOK},
		{`{"id":"` + id + `","action":"silent"}`, http.StatusOK},
		{`{"id":"` + id + `","action":"up"}`, http.StatusOK},
		{`{"id":"` + id + `","action":"explode"}`, http.StatusBadRequest},
		{`{"id":"a:eth0--b:eth0","action":"down"}`, http.StatusNotFound},
		{`not json`, http.StatusBadRequest},
	} {
		req, _ := http.NewRequest("POST", hs.URL+"/api/link", strings.NewReader(c.body))
		req.Header.Set("Origin", hs.URL)
		req.AddCookie(&http.Cookie{Name: cookieName, Value: testToken})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.body, resp.StatusCode, c.want)
		}
	}
	a, b, _ := strings.Cut(id, "--")
	want := []string{"down " + a + " " + b, "silent " + a + " " + b, "up " + a + " " + b}
	if strings.Join(fb.actions, "|") != strings.Join(want, "|") {
		t.Errorf("actions %v, want %v", fb.actions, want)
	}
}

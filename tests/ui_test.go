package tests

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
	"github.com/netemu/netemu/ui"
	"github.com/netemu/netemu/ui/uitest"
)

// uiServer is a running `netemu ui`.
type uiServer struct {
	url  string // with ?token=
	base string // http://host:port
	pid  int
}

// startUI runs `netemu --lab LAB ui --listen 127.0.0.1:0` and returns
// once it printed its URL; the server is stopped (SIGINT, by pid) when the
// test ends.
func startUI(t testing.TB, lab string) *uiServer {
	t.Helper()
	cmd := exec.Command(buildNetemu(t), "--lab", lab, "ui", "--listen", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if s := strings.TrimSpace(sc.Text()); strings.HasPrefix(s, "http://") {
				found <- s
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case u := <-found:
		p, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		return &uiServer{url: u, base: p.Scheme + "://" + p.Host, pid: cmd.Process.Pid}
	case <-time.After(60 * time.Second):
		t.Fatal("netemu ui printed no URL within 60 s")
	}
	return nil
}

// rssKiB is a process's resident memory.
func rssKiB(t testing.TB, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// linkIfacesUp reads `status -o json` and says whether both ends of the
// link are up (carrier) as the kernel has them.
func linkIfacesUp(t testing.TB, lab string, l *topo.Link) (aUp, bUp bool) {
	t.Helper()
	var st []struct {
		Nodes []struct {
			Name       string `json:"name"`
			Interfaces []struct {
				Name string `json:"iface"`
				Up   bool   `json:"up"`
			} `json:"interfaces"`
		} `json:"nodes"`
	}
	out := "[" + netemu(t, "status", lab, "-o", "json") + "]" // status LAB is one object
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status -o json: %v\n%s", err, out)
	}
	for _, sh := range st {
		for _, n := range sh.Nodes {
			for _, i := range n.Interfaces {
				if n.Name == l.A.Node && i.Name == l.A.Iface {
					aUp = i.Up
				}
				if n.Name == l.B.Node && i.Name == l.B.Iface {
					bUp = i.Up
				}
			}
		}
	}
	return aUp, bUp
}

func uiLink(t testing.TB, l *topo.Lab, a, b string) (*topo.Link, string) {
	t.Helper()
	lk, err := fault.FindLink(l, a, b)
	if err != nil {
		t.Fatal(err)
	}
	return lk, ui.LinkID(lk)
}

// TestUISeedLab drives the live view of the seed lab in headless chromium:
// every node listed, a CLI link cut shown within a second, a click on the
// canvas cutting a link as `status` sees it, the trace redrawn, a terminal
// in web and an ssh session to it, and the server's guards (401 without
// the token, a WebSocket from another Origin refused).
func TestUISeedLab(t *testing.T) {
	labtest.RequireRoot(t)
	ctx := uitest.Browser(t)
	file, _ := labtest.ExampleFile(t, topo.Seed, "ui")
	lab := upLab(t, file)
	model, err := topo.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	srv := startUI(t, lab)

	t.Run("token required", func(t *testing.T) {
		for _, p := range []string{"/", "/ws", "/api/snapshot", "/term?node=web"} {
			resp, err := http.Get(srv.base + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET %s without token: %d, want 401", p, resp.StatusCode)
			}
		}
	})
	token := strings.TrimPrefix(srv.url[strings.Index(srv.url, "?"):], "?token=")
	t.Run("websocket from another origin refused", func(t *testing.T) {
		dctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for _, p := range []string{"/ws?", "/term?node=web&"} {
			c, resp, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(srv.base, "http")+p+"token="+token, &websocket.DialOptions{
				HTTPHeader: http.Header{"Origin": {"http://evil.example"}},
			})
			if err == nil {
				c.CloseNow()
				t.Fatalf("%s: a WebSocket from http://evil.example was accepted", p)
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s from another origin: %v (response %v), want 403", p, err, resp)
			}
		}
	})

	if _, err := uitest.Open(ctx, srv.url, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Run("page lists every node", func(t *testing.T) {
		got, err := uitest.Nodes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, n := range model.Nodes {
			want = append(want, n.Name)
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Fatalf("page lists %v, want %v", got, want)
		}
	})

	t.Run("sessions, route counts and public IPs", func(t *testing.T) {
		_, ebgp := uiLink(t, model, "transit-a", "aws-edge")
		_, rip := uiLink(t, model, "transit-a", "transit-b")
		for _, cond := range []string{
			fmt.Sprintf(`document.querySelector('[data-link=%q]').dataset.bgp === "Established"`, ebgp),
			fmt.Sprintf(`document.querySelector('[data-link=%q]').dataset.rip === "up"`, rip),
			`Number(document.querySelector('[data-node="transit-a"][data-kind]').dataset.routes) > 3`,
			`/^\d+\.\d+\.\d+\.\d+$/.test(document.querySelector('[data-node="web"][data-kind]').dataset.publicIp)`,
			`document.querySelector('[data-node="web"][data-kind]').dataset.running === "true"`,
		} {
			if err := uitest.WaitFor(ctx, cond, 20*time.Second); err != nil {
				t.Error(err)
			}
		}
	})

	if err := uitest.Eval0(ctx, `window.netemu.setTrace("mac", "web")`); err != nil {
		t.Fatal(err)
	}
	if err := uitest.WaitFor(ctx, `document.querySelector('#trace-result[data-result="reached"]')`, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	before, _ := uitest.Eval[string](ctx, `document.querySelector('#trace-result').dataset.hops`)

	_, cut := uiLink(t, model, "transit-a", "aws-edge")
	if !strings.Contains(before, "transit-a") {
		_, cut = uiLink(t, model, "transit-b", "aws-edge")
	}
	a, b, _ := strings.Cut(cut, "--")
	t.Run("CLI link down shown within 1 s", func(t *testing.T) {
		netemu(t, "--lab", lab, "link", "down", a, b)
		if err := uitest.WaitLinkState(ctx, cut, ui.LinkDown, time.Second); err != nil {
			st, _ := uitest.LinkState(ctx, cut)
			t.Fatalf("%v (data-state %q)", err, st)
		}
		if err := uitest.WaitFor(ctx, `document.querySelector('#timeline [data-event="inject"]')`, 20*time.Second); err != nil {
			t.Error(err)
		}
	})
	t.Run("timeline gives the cut its convergence time", func(t *testing.T) {
		if err := uitest.WaitFor(ctx, `(() => { const l = [...document.querySelectorAll('#timeline li[data-event="inject"]')].pop(); return l && Number(l.dataset.convergenceMs) > 0; })()`, 30*time.Second); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("trace redrawn after the cut", func(t *testing.T) {
		// Routing moves the path off the cut link; the page is told.
		err := uitest.WaitFor(ctx, fmt.Sprintf(`(() => { const r = document.querySelector('#trace-result'); return r && r.dataset.result === "reached" && r.dataset.hops !== %q; })()`, before), 60*time.Second)
		if err != nil {
			after, _ := uitest.Eval[string](ctx, `document.querySelector('#trace-result').textContent`)
			t.Fatalf("%v; before %q, now %s", err, before, after)
		}
	})
	netemu(t, "--lab", lab, "link", "up", a, b)
	if err := uitest.WaitLinkState(ctx, cut, ui.LinkUp, 20*time.Second); err != nil {
		t.Fatal(err)
	}

	t.Run("click cuts a link, status agrees", func(t *testing.T) {
		l, id := uiLink(t, model, "home-core", "transit-b")
		if err := uitest.ClickLink(ctx, id, "down"); err != nil {
			t.Fatal(err)
		}
		if err := uitest.WaitLinkState(ctx, id, ui.LinkDown, 20*time.Second); err != nil {
			t.Fatal(err)
		}
		labtest.Eventually(t, 20*time.Second, labtest.Until("status shows both ends down", func() bool {
			aUp, bUp := linkIfacesUp(t, lab, l)
			return !aUp && !bUp
		}))
		if err := uitest.ClickLink(ctx, id, "up"); err != nil {
			t.Fatal(err)
		}
		if err := uitest.WaitLinkState(ctx, id, ui.LinkUp, 20*time.Second); err != nil {
			t.Fatal(err)
		}
		labtest.Eventually(t, 20*time.Second, labtest.Until("status shows both ends up", func() bool {
			aUp, bUp := linkIfacesUp(t, lab, l)
			return aUp && bUp
		}))
	})

	t.Run("terminal in web runs hostname", func(t *testing.T) {
		if err := uitest.Terminal(ctx, "web", false); err != nil {
			t.Fatal(err)
		}
		if err := uitest.TermType(ctx, "hostname\n"); err != nil {
			t.Fatal(err)
		}
		if err := uitest.WaitTermText(ctx, "ip-10-0-1-10", 20*time.Second); err != nil {
			text, _ := uitest.TermText(ctx)
			t.Fatalf("%v; terminal shows:\n%s", err, text)
		}
	})
	t.Run("ssh to web from the client host", func(t *testing.T) {
		if err := uitest.Terminal(ctx, "web", true); err != nil {
			t.Fatal(err)
		}
		// ssh switches the terminal to raw mode with TCSAFLUSH, which drops
		// what was typed before the session came up: type the line again
		// until web's shell has run it (only web turns it into its hostname).
		labtest.Eventually(t, 30*time.Second, func() error {
			if err := uitest.TermType(ctx, "echo via-ssh-$(hostname)\n"); err != nil {
				return err
			}
			return uitest.WaitTermText(ctx, "via-ssh-ip-10-0-1-10", 2*time.Second)
		})
	})
	t.Run("instance stop and start change its public IP on the page", func(t *testing.T) {
		ip := func() string {
			v, _ := uitest.Eval[string](ctx, `document.querySelector('[data-node="web"][data-kind]').dataset.publicIp || ""`)
			return v
		}
		old := ip()
		netemu(t, "--lab", lab, "instance", "stop", "web")
		if err := uitest.WaitFor(ctx, `document.querySelector('[data-node="web"][data-kind]').dataset.running === "false"`, 20*time.Second); err != nil {
			t.Fatal(err)
		}
		netemu(t, "--lab", lab, "instance", "start", "web")
		if err := uitest.WaitFor(ctx, fmt.Sprintf(`(() => { const d = document.querySelector('[data-node="web"][data-kind]').dataset; return d.running === "true" && d.publicIp !== "" && d.publicIp !== %q; })()`, old), 20*time.Second); err != nil {
			t.Fatalf("%v (public IP was %s, now %q)", err, old, ip())
		}
	})
	t.Run("graph draws what the page shows", func(t *testing.T) {
		// netemu graph shares the page's model: the instance's current
		// public IP, the eBGP session's state, and a cut link as down.
		pub, _ := uitest.Eval[string](ctx, `document.querySelector('[data-node="web"][data-kind]').dataset.publicIp || ""`)
		_, ebgp := uiLink(t, model, "transit-a", "aws-edge")
		dot := netemu(t, "--lab", lab, "graph", "-o", "dot")
		if pub == "" || !strings.Contains(dot, `public `+pub) {
			t.Errorf("graph does not show web's public IP %q:\n%s", pub, dot)
		}
		if !strings.Contains(dot, `BGP Established", id="`+ebgp+`", class="link-up"`) {
			t.Errorf("graph does not show %s up with BGP Established:\n%s", ebgp, dot)
		}
		l, id := uiLink(t, model, "home-core", "transit-b")
		netemu(t, "--lab", lab, "link", "down", l.A.Node, l.B.Node)
		defer netemu(t, "--lab", lab, "link", "up", l.A.Node, l.B.Node)
		if dot := netemu(t, "--lab", lab, "graph", "-o", "dot"); !strings.Contains(dot, `DOWN", id="`+id+`", class="link-down"`) {
			t.Errorf("graph does not show %s down after the cut:\n%s", id, dot)
		}
	})
}

// BenchmarkUILive prints, for the seed lab: the time from `netemu link
// down` to the page having drawn the link as down (median and range of 20
// cuts, in headless chromium), measured from the command's start and from
// the fault's timestamp (when the kernel change began); page load and
// first render; and the server's memory with 5 pages open.
func BenchmarkUILive(b *testing.B) {
	labtest.RequireRoot(b)
	ctx := uitest.Browser(b)
	file, _ := labtest.ExampleFile(b, topo.Seed, "uib")
	lab := upLab(b, file)
	model, err := topo.Load(file)
	if err != nil {
		b.Fatal(err)
	}
	srv := startUI(b, lab)
	load, err := uitest.Open(ctx, srv.url, 90*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	_, id := uiLink(b, model, "transit-a", "aws-edge")
	a, bEnd, _ := strings.Cut(id, "--")
	var fromCmd, fromFault []time.Duration
	for b.Loop() {
		for range 20 {
			start := time.Now()
			netemu(b, "--lab", lab, "link", "down", a, bEnd)
			if err := uitest.WaitFor(ctx, fmt.Sprintf(`(window.netemu.state.linkShown[%q] || {}).state === "down"`, id), 5*time.Second); err != nil {
				b.Fatal(err)
			}
			drawnMs, err := uitest.Eval[float64](ctx, fmt.Sprintf(`window.netemu.state.linkShown[%q].drawn`, id))
			if err != nil {
				b.Fatal(err)
			}
			drawn := time.UnixMilli(int64(drawnMs))
			fromCmd = append(fromCmd, drawn.Sub(start))
			if f, err := fault.Load(stateDirOf(b, lab)); err == nil {
				if last, ok := f.LastChange(); ok {
					fromFault = append(fromFault, drawn.Sub(last.Time))
				}
			}
			netemu(b, "--lab", lab, "link", "up", a, bEnd)
			if err := uitest.WaitLinkState(ctx, id, ui.LinkUp, 5*time.Second); err != nil {
				b.Fatal(err)
			}
		}
	}
	stats := func(ds []time.Duration) string {
		if len(ds) == 0 {
			return "none"
		}
		s := slices.Clone(ds)
		slices.Sort(s)
		return fmt.Sprintf("median %s (min %s, max %s, n=%d)", s[len(s)/2].Round(time.Millisecond), s[0].Round(time.Millisecond), s[len(s)-1].Round(time.Millisecond), len(s))
	}
	fmt.Printf("link down → page shows it, from the command's start: %s\n", stats(fromCmd))
	fmt.Printf("link down → page shows it, from the fault's timestamp: %s\n", stats(fromFault))
	fmt.Printf("page load and first render, seed lab through netemu ui: %s\n", load.Round(time.Millisecond))
	// Five pages open (this one and four more tabs).
	for range 4 {
		if _, err := uitest.Open(uitest.Tab(b, ctx), srv.url, 30*time.Second); err != nil {
			b.Fatal(err)
		}
	}
	fmt.Printf("netemu ui server memory with 5 pages open: %d KiB RSS\n", rssKiB(b, srv.pid))
}

// stateDirOf is the state directory of a single-host lab.
func stateDirOf(t testing.TB, lab string) string {
	t.Helper()
	var st []struct {
		Dir string `json:"dir"`
	}
	if err := json.Unmarshal([]byte("["+netemu(t, "status", lab, "-o", "json")+"]"), &st); err != nil || len(st) == 0 {
		t.Fatalf("status -o json: %v", err)
	}
	return st[0].Dir
}

// BenchmarkUIBigLab prints, for a real lab of 32×32 routers (static
// routes, no daemons): how long `netemu ui` takes to print its URL, page
// load and first render, link down → page shows it, and the server's
// memory with 5 pages open.
func BenchmarkUIBigLab(b *testing.B) {
	labtest.RequireRoot(b)
	ctx := uitest.Browser(b)
	name := labtest.UniqueName("uibig")
	file := labtest.WriteFile(b, name+".hcl", labtest.GridHCL(name, 32, 32))
	upStart := time.Now()
	lab := upLab(b, file)
	fmt.Printf("up of %d nodes: %s\n", 32*32, time.Since(upStart).Round(time.Millisecond))
	model, err := topo.Load(file)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	srv := startUI(b, lab)
	fmt.Printf("netemu ui ready (URL printed): %s\n", time.Since(start).Round(time.Millisecond))
	var load time.Duration
	_, id := uiLink(b, model, "g16-16", "g16-17")
	a, bEnd, _ := strings.Cut(id, "--")
	var lat, dom []time.Duration
	for b.Loop() {
		if load, err = uitest.Open(ctx, srv.url, 2*time.Minute); err != nil {
			b.Fatal(err)
		}
		for range 5 {
			t0 := time.Now()
			netemu(b, "--lab", lab, "link", "down", a, bEnd)
			if err := uitest.WaitFor(ctx, fmt.Sprintf(`(window.netemu.state.linkShown[%q] || {}).state === "down"`, id), 10*time.Second); err != nil {
				b.Fatal(err)
			}
			shown, _ := uitest.Eval[map[string]any](ctx, fmt.Sprintf(`window.netemu.state.linkShown[%q]`, id))
			drawn, _ := shown["drawn"].(float64)
			applied, _ := shown["applied"].(float64)
			lat = append(lat, time.UnixMilli(int64(drawn)).Sub(t0))
			dom = append(dom, time.UnixMilli(int64(applied)).Sub(t0))
			netemu(b, "--lab", lab, "link", "up", a, bEnd)
			if err := uitest.WaitLinkState(ctx, id, ui.LinkUp, 10*time.Second); err != nil {
				b.Fatal(err)
			}
		}
	}
	slices.Sort(lat)
	slices.Sort(dom)
	fmt.Printf("page load and first render, %d nodes through netemu ui: %s\n", len(model.Nodes), load.Round(time.Millisecond))
	fmt.Printf("link down → page shows it, %d nodes, from the command's start: canvas drawn median %s (min %s, max %s), DOM updated median %s (n=%d)\n",
		len(model.Nodes), lat[len(lat)/2].Round(time.Millisecond), lat[0].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond), dom[len(dom)/2].Round(time.Millisecond), len(lat))
	for range 4 {
		if _, err := uitest.Open(uitest.Tab(b, ctx), srv.url, 2*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	fmt.Printf("netemu ui server memory with 5 pages open, %d nodes: %d KiB RSS\n", len(model.Nodes), rssKiB(b, srv.pid))
}

// Command ospfbench compares netemu's OSPF with FRR's ospfd on the same
// grid of routers (default 10×5 = 50), one after the other in the same
// run, with the same fast timers (hello 1 s, dead 4 s, SPF and LSA pacing
// alike): the time from starting every daemon until every router's kernel
// holds a route to every loopback and link of the grid (cold start), and
// the time until no kernel routes via a link any more and every router
// again reaches all it still can, after the link's carrier is lost and
// after it fails silently (everything dropped, carrier up: only the dead
// interval tells). Root only; every namespace and process
// it makes is removed before it exits.
//
//	go run ./tests/bench/ospfbench [-w 10] [-h 5] [-netemu path] [-only netemu|frr]
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/ospf"
	"github.com/netemu/netemu/tests/bench/internal/benchkit"
)

const protoOSPF = 188 // netemu's and zebra's "proto ospf"

type iface struct {
	name string
	addr netip.Prefix
	peer int
}

// grid is the topology: router i at (i%w, i/w), links to its right and
// lower neighbours.
type grid struct {
	w, h   int
	ifaces [][]iface
	links  [][2]int        // router pairs
	addrs  [][2]netip.Addr // each link's two addresses
}

func newGrid(w, h int) *grid {
	g := &grid{w: w, h: h, ifaces: make([][]iface, w*h)}
	link := func(a, b int) {
		k := len(g.links)
		base := netip.AddrFrom4([4]byte{10, 20 + byte(k/64), byte(k%64) * 4, 0})
		aa, ba := base.Next(), base.Next().Next()
		g.ifaces[a] = append(g.ifaces[a], iface{name: fmt.Sprintf("eth%d", len(g.ifaces[a])), addr: netip.PrefixFrom(aa, 30), peer: b})
		g.ifaces[b] = append(g.ifaces[b], iface{name: fmt.Sprintf("eth%d", len(g.ifaces[b])), addr: netip.PrefixFrom(ba, 30), peer: a})
		g.links = append(g.links, [2]int{a, b})
		g.addrs = append(g.addrs, [2]netip.Addr{aa, ba})
	}
	for i := 0; i < w*h; i++ {
		if i%w < w-1 {
			link(i, i+1)
		}
		if i/w < h-1 {
			link(i, i+w)
		}
	}
	return g
}

func rid(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 255, byte(i / 250), byte(i%250 + 1)}) }
func name(i int) string    { return fmt.Sprintf("r%d", i) }

// want is how many OSPF routes router i must have: every loopback and
// link subnet but its own.
func (g *grid) want(i int) int { return len(g.ifaces) - 1 + len(g.links) - len(g.ifaces[i]) }

type run struct {
	*benchkit.Lab
	g       *grid
	handles []*inns.Handle
}

func (r *run) build() error {
	for i := range r.g.ifaces {
		if err := r.Node(name(i)); err != nil {
			return err
		}
		ns := r.NS(name(i))
		if err := benchkit.Run("ip", "-n", ns, "addr", "add", rid(i).String()+"/32", "dev", "lo"); err != nil {
			return err
		}
		if err := benchkit.Run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"); err != nil {
			return err
		}
	}
	for k, l := range r.g.links {
		a, b := l[0], l[1]
		var ai, bi iface
		for _, x := range r.g.ifaces[a] {
			if x.peer == b {
				ai = x
			}
		}
		for _, x := range r.g.ifaces[b] {
			if x.peer == a {
				bi = x
			}
		}
		for _, c := range [][]string{
			{"ip", "-n", r.NS(name(a)), "link", "add", ai.name, "type", "veth", "peer", "name", bi.name, "netns", r.NS(name(b))},
			{"ip", "-n", r.NS(name(a)), "addr", "add", ai.addr.String(), "dev", ai.name},
			{"ip", "-n", r.NS(name(b)), "addr", "add", bi.addr.String(), "dev", bi.name},
			{"ip", "-n", r.NS(name(a)), "link", "set", ai.name, "up"},
			{"ip", "-n", r.NS(name(b)), "link", "set", bi.name, "up"},
		} {
			if err := benchkit.Run(c...); err != nil {
				return fmt.Errorf("link %d: %w", k, err)
			}
		}
	}
	for i := range r.g.ifaces {
		h, err := inns.Open(filepath.Join(labpath.NetnsDir, r.NS(name(i))), unix.NETLINK_ROUTE)
		if err != nil {
			return err
		}
		r.handles = append(r.handles, h)
	}
	return nil
}

func (r *run) close() {
	for _, h := range r.handles {
		h.Close()
	}
	r.Cleanup()
}

func (r *run) routes(i int) ([]netlink.Route, error) {
	for range 5 {
		rs, err := r.handles[i].RouteListFiltered(unix.AF_INET, &netlink.Route{Table: unix.RT_TABLE_MAIN, Protocol: protoOSPF},
			netlink.RT_FILTER_TABLE|netlink.RT_FILTER_PROTOCOL)
		if err == nil || !errors.Is(err, netlink.ErrDumpInterrupted) {
			return rs, err
		}
	}
	return nil, errors.New("dump interrupted")
}

// complete reports whether every router has all its routes.
func (r *run) complete() error {
	for i := range r.g.ifaces {
		rs, err := r.routes(i)
		if err != nil {
			return err
		}
		if len(rs) < r.g.want(i) {
			return fmt.Errorf("%s has %d of %d routes", name(i), len(rs), r.g.want(i))
		}
	}
	return nil
}

// rerouted reports whether no router routes via link k's addresses and
// every router still has a route to everything the grid can reach without
// the link (all it had but the link's own subnet), and sets *clean to when
// the sweep that found so began. Absence alone is not rerouted: FRR's
// zebra installs nexthop objects, which the kernel flushes itself at the
// carrier loss — the routes via the link vanish before ospfd has computed
// anything, and the row would time the kernel, not OSPF. The link's two
// routers are read first: only they have its addresses as neighbours,
// so a failing poll costs two route dumps, not the ~25 of the routers
// before them in the grid (at 2 ms polls, 50 dumps a sweep took a core
// from the daemons being measured), and the time is when their tables
// were read clean, not the end of the 48 dumps that confirm the others
// never routed via the link.
//
// down are the links whose carrier is off (their subnets are gone from
// every router but their ends).
func (r *run) rerouted(k int, down []int, clean *time.Time) error {
	bad := r.g.addrs[k]
	ends := r.g.links[k]
	order := []int{ends[0], ends[1]}
	for i := range r.g.ifaces {
		if i != ends[0] && i != ends[1] {
			order = append(order, i)
		}
	}
	start := time.Now()
	for _, i := range order {
		rs, err := r.routes(i)
		if err != nil {
			return err
		}
		want := r.g.want(i)
		for _, d := range down {
			if l := r.g.links[d]; i != l[0] && i != l[1] {
				want-- // connected at the link's ends, never counted there
			}
		}
		if len(rs) < want {
			return fmt.Errorf("%s has %d of %d routes", name(i), len(rs), want)
		}
		for _, rt := range rs {
			gws := []netlink.NexthopInfo{{Gw: rt.Gw}}
			for _, m := range rt.MultiPath {
				gws = append(gws, *m)
			}
			for _, h := range gws {
				if a, ok := netip.AddrFromSlice(h.Gw.To4()); ok && (a == bad[0] || a == bad[1]) {
					return fmt.Errorf("%s still routes %s via %s", name(i), rt.Dst, a)
				}
			}
		}
	}
	*clean = start
	return nil
}

// waitFor polls cond every 2 ms (benchkit.WaitFor's 50 ms would be the
// resolution of the failure rows) until it holds or d has passed.
func waitFor(d time.Duration, what string, cond func() error) error {
	return benchkit.Poll(d, 2*time.Millisecond, what, cond)
}

var timeline = flag.Bool("timeline", false, "print the events of netemu's two routers at the cut link after carrier loss")

// printTimeline prints what the agents of routers a and b logged in the
// seconds after t. The agents flush their event logs within 100 ms
// (routing's flushDelay): read after that, or a fast row shows nothing.
func printTimeline(r *run, t time.Time, routers ...int) {
	time.Sleep(300 * time.Millisecond)
	for _, i := range routers {
		f, err := os.ReadFile(filepath.Join(r.Dir, r.Prefix+"-"+name(i), agent.EventsName))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(f), "\n") {
			var e struct {
				Time   time.Time `json:"time"`
				Daemon string    `json:"daemon"`
				Kind   string    `json:"kind"`
				Iface  string    `json:"iface"`
				Detail string    `json:"detail"`
			}
			if json.Unmarshal([]byte(line), &e) != nil || e.Time.Before(t) || e.Time.After(t.Add(3*time.Second)) {
				continue
			}
			fmt.Fprintf(os.Stderr, "%s %8v %s %s %s %s\n", name(i), e.Time.Sub(t).Round(100*time.Microsecond), e.Daemon, e.Kind, e.Iface, e.Detail)
		}
	}
}

type impl struct {
	name  string
	start func(r *run, i int) error
}

func netemuImpl(bin string) impl {
	return impl{name: "netemu", start: func(r *run, i int) error {
		dir := filepath.Join(r.Dir, r.Prefix+"-"+name(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		oc := ospf.Config{RouterID: ospf.IDOf(rid(i)), SPFDelay: 50 * time.Millisecond, MinLSInterval: 500 * time.Millisecond,
			MinLSArrival: 200 * time.Millisecond}
		oc.Interfaces = append(oc.Interfaces, ospf.Interface{Name: "lo", Addr: netip.PrefixFrom(rid(i), 32), Passive: true})
		cfg := &agent.Config{Lab: r.Prefix, Node: name(i), NodeDir: dir, OSPF: &oc}
		for _, x := range r.g.ifaces[i] {
			oc.Interfaces = append(oc.Interfaces, ospf.Interface{Name: x.name, Addr: x.addr, Type: ospf.PointToPoint, Cost: 10,
				Hello: time.Second, Dead: 4 * time.Second, Retransmit: 2 * time.Second})
			cfg.Interfaces = append(cfg.Interfaces, agent.Interface{Name: x.name, Addr: x.addr})
		}
		cfg.OSPF = &oc
		path := filepath.Join(dir, agent.ConfigName)
		if err := agent.WriteConfig(path, cfg); err != nil {
			return err
		}
		_, err := r.Start(name(i), r.Prefix+"-"+name(i)+"-agent.log", bin, "agent", "--config", path, "--log-level", "warn")
		return err
	}}
}

func frrImpl() impl {
	return impl{name: "frr ospfd", start: func(r *run, i int) error {
		u, err := user.Lookup("frr")
		if err != nil {
			return err
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		dir := filepath.Join(r.Dir, r.Prefix+"-frr-"+name(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		_ = os.Chown(dir, uid, gid)
		write := func(n, s string) string {
			p := filepath.Join(dir, n)
			_ = os.WriteFile(p, []byte(s), 0o640)
			_ = os.Chown(p, uid, gid)
			return p
		}
		conf := "hostname " + name(i) + "\n"
		for _, x := range r.g.ifaces[i] {
			conf += fmt.Sprintf("interface %s\n ip ospf area 0\n ip ospf network point-to-point\n ip ospf hello-interval 1\n ip ospf dead-interval 4\n ip ospf retransmit-interval 2\nexit\n", x.name)
		}
		// SPF throttle 0/50: netemu's SPFDelay of 50 ms is a hold between
		// runs with no initial delay (a change after a quiet spell runs
		// SPF at once), which is FRR's initial 0, hold 50 — not "50 50",
		// whose 50 ms initial delay left FRR's 48 other routers idle while
		// the link's ends were measured, and netemu's busy.
		conf += fmt.Sprintf("interface lo\n ip ospf area 0\nexit\nrouter ospf\n ospf router-id %s\n timers throttle spf 0 50 1000\n timers throttle lsa all 500\n timers lsa min-arrival 200\nexit\n", rid(i))
		zc := write("zebra.conf", "hostname "+name(i)+"\n")
		oc := write("ospfd.conf", conf)
		zs := filepath.Join(dir, "zserv.api")
		if _, err := r.Start(name(i), r.Prefix+"-"+name(i)+"-zebra.log", "/usr/lib/frr/zebra", "-f", zc, "-i", filepath.Join(dir, "zebra.pid"),
			"-z", zs, "--vty_socket", dir, "-u", "frr", "-g", "frr", "--log", "stdout", "--log-level", "warn"); err != nil {
			return err
		}
		if err := benchkit.WaitFor(10*time.Second, "zebra socket", func() error { _, err := os.Stat(zs); return err }); err != nil {
			return err
		}
		_, err = r.Start(name(i), r.Prefix+"-"+name(i)+"-ospfd.log", "/usr/lib/frr/ospfd", "-f", oc, "-i", filepath.Join(dir, "ospfd.pid"),
			"-z", zs, "--vty_socket", dir, "-u", "frr", "-g", "frr", "--log", "stdout", "--log-level", "warn")
		return err
	}}
}

type result struct {
	name                  string
	cold, carrier, silent time.Duration
	err                   error
}

func measure(dir string, g *grid, im impl) (res result) {
	res.name = im.name
	r := &run{Lab: &benchkit.Lab{Dir: dir, Prefix: "ob" + benchkit.RandHex()}, g: g}
	defer r.close()
	if res.err = r.build(); res.err != nil {
		return res
	}
	t0 := time.Now()
	for i := range g.ifaces {
		if res.err = im.start(r, i); res.err != nil {
			return res
		}
	}
	if res.err = waitFor(180*time.Second, im.name+" cold start", r.complete); res.err != nil {
		return res
	}
	res.cold = time.Since(t0)
	time.Sleep(3 * time.Second) // quiet before the first failure

	// Carrier loss on a link in the middle of the grid.
	mid := len(g.links) / 2
	a, b := g.links[mid][0], g.links[mid][1]
	var ai iface
	for _, x := range g.ifaces[a] {
		if x.peer == b {
			ai = x
		}
	}
	t1 := time.Now()
	if res.err = benchkit.Run("ip", "-n", r.NS(name(a)), "link", "set", ai.name, "down"); res.err != nil {
		return res
	}
	var clean time.Time
	if res.err = waitFor(60*time.Second, im.name+" after carrier loss", func() error { return r.rerouted(mid, []int{mid}, &clean) }); res.err != nil {
		return res
	}
	res.carrier = clean.Sub(t1)
	if *timeline && im.name == "netemu" {
		printTimeline(r, t1, a, b)
	}
	time.Sleep(3 * time.Second)

	// A silent failure on another link: both ends drop everything on it.
	k := mid / 2
	a, b = g.links[k][0], g.links[k][1]
	var cmds [][]string
	for _, e := range [][2]int{{a, b}, {b, a}} {
		for _, x := range g.ifaces[e[0]] {
			if x.peer == e[1] {
				ns := r.NS(name(e[0]))
				cmds = append(cmds, []string{"ip", "netns", "exec", ns, "iptables", "-w", "-I", "INPUT", "-i", x.name, "-j", "DROP"},
					[]string{"ip", "netns", "exec", ns, "iptables", "-w", "-I", "OUTPUT", "-o", x.name, "-j", "DROP"})
			}
		}
	}
	t2 := time.Now()
	for _, c := range cmds {
		if res.err = benchkit.Run(c...); res.err != nil {
			return res
		}
	}
	if res.err = waitFor(60*time.Second, im.name+" after a silent failure", func() error { return r.rerouted(k, []int{mid}, &clean) }); res.err != nil {
		return res
	}
	res.silent = clean.Sub(t2)
	return res
}

func main() {
	w := flag.Int("w", 10, "grid width")
	h := flag.Int("h", 5, "grid height")
	bin := flag.String("netemu", "", "netemu binary (default: build ./cmd/netemu)")
	only := flag.String("only", "", "run only netemu or frr")
	flag.Parse()
	dir, netemu := benchkit.Prepare("ospfbench", "ospfbench-", *bin)
	defer os.RemoveAll(dir)
	_ = os.Chmod(dir, 0o755)
	g := newGrid(*w, *h)
	var impls []impl
	if *only != "frr" {
		impls = append(impls, netemuImpl(netemu))
	}
	if *only != "netemu" {
		impls = append(impls, frrImpl())
	}
	var results []result
	for _, im := range impls {
		r := measure(dir, g, im)
		if r.err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", im.name, r.err)
		}
		results = append(results, r)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%d ROUTERS (%d×%d GRID)\tCOLD START → ALL ROUTES\tCARRIER LOSS → REROUTED\tSILENT FAILURE (DEAD 4 s) → REROUTED\n", *w**h, *w, *h)
	for _, r := range results {
		if r.err != nil {
			fmt.Fprintf(tw, "%s\tfailed: %v\t\t\n", r.name, r.err)
			continue
		}
		fmt.Fprintf(tw, "%s\t%v\t%v\t%v\n", r.name, r.cold.Round(time.Millisecond), r.carrier.Round(time.Millisecond), r.silent.Round(time.Millisecond))
	}
	_ = tw.Flush()
}

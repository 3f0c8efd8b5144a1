// Command bgpbench measures BGP receivers: one feeder (BIRD with N static
// /24s exported over eBGP, its session disabled until the clock starts)
// and, one after another in the same run, netemu's agent, gobgpd, BIRD and
// FRR's bgpd (with zebra) as the receiver. It prints the time from enabling
// the feeder's session until every prefix is in the receiver's RIB and in
// its kernel table (counted by protocol over a NETLINK_ROUTE socket in the
// receiver's namespace; GoBGP does not install), the receivers' peak
// resident memory and CPU seconds. Root only; every namespace and process
// it makes is removed before it exits.
//
//	go run ./tests/bench/bgpbench [-routes 100000,500000] [-netemu path]
package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/tests/bench/internal/benchkit"
	"github.com/netemu/netemu/tests/labtest"
)

const (
	protoBGP  = 186
	protoBIRD = 12
)

type bench struct {
	*benchkit.Lab
	routes int
	netemu string
	// logLevel of netemu's agent.
	logLevel string
}

// watcher counts the distinct prefixes of one protocol announced by
// RTM_NEWROUTE on a NETLINK_ROUTE socket in the receiver's namespace (a
// dump per poll would compete with the receiver for the table). When the
// socket overruns, it falls back to one dump.
type watcher struct {
	fd    int
	proto byte
	seen  map[[5]byte]struct{}
	lost  bool
	cnt   *benchkit.Counter
	n     int
}

func newWatcher(ns string, proto int, cnt *benchkit.Counter) (*watcher, error) {
	// The socket is made inside the namespace and stays there.
	var fd int
	err := inns.Do(filepath.Join(labpath.NetnsDir, ns), func() error {
		var err error
		fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
		return err
	})
	if err != nil {
		return nil, err
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 256<<20)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: unix.RTMGRP_IPV4_ROUTE}); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &watcher{fd: fd, proto: byte(proto), seen: map[[5]byte]struct{}{}, cnt: cnt}, nil
}

// count drains the socket and returns the prefixes seen so far.
func (w *watcher) count() int {
	buf := make([]byte, 1<<20)
	for {
		n, _, err := unix.Recvfrom(w.fd, buf, 0)
		if err != nil {
			if errors.Is(err, unix.ENOBUFS) {
				w.lost = true
				continue
			}
			break
		}
		b := buf[:n]
		for len(b) >= unix.NLMSG_HDRLEN {
			l := int(binary.NativeEndian.Uint32(b[0:4]))
			typ := binary.NativeEndian.Uint16(b[4:6])
			if l < unix.NLMSG_HDRLEN || l > len(b) {
				break
			}
			m := b[unix.NLMSG_HDRLEN:l]
			if typ == unix.RTM_NEWROUTE && len(m) >= 12 && m[5] == w.proto && m[4] == unix.RT_TABLE_MAIN {
				var k [5]byte
				k[4] = m[1] // dst_len
				for a := m[12:]; len(a) >= 4; {
					al := int(binary.NativeEndian.Uint16(a[0:2]))
					at := binary.NativeEndian.Uint16(a[2:4])
					if al < 4 || al > len(a) {
						break
					}
					if at == unix.RTA_DST && al >= 8 {
						copy(k[:4], a[4:8])
					}
					step := (al + 3) &^ 3
					if step > len(a) {
						break
					}
					a = a[step:]
				}
				w.seen[k] = struct{}{}
			}
			al := (l + 3) &^ 3
			if al >= len(b) {
				break
			}
			b = b[al:]
		}
	}
	w.n = len(w.seen)
	if w.lost {
		// Some notifications were lost: trust a dump instead.
		if c := w.cnt.Count(int(w.proto)); c > w.n {
			return c
		}
	}
	return w.n
}

func (w *watcher) close() { unix.Close(w.fd) }

func (b *bench) feederConf() string {
	var s strings.Builder
	s.WriteString("router id 192.168.0.1;\nlog stderr { warning, error, fatal };\nprotocol device { scan time 10; }\nprotocol static {\n ipv4;\n")
	for i := 0; i < b.routes; i++ {
		fmt.Fprintf(&s, " route %d.%d.%d.0/24 blackhole;\n", 16+i/65536, (i/256)%256, i%256)
	}
	s.WriteString("}\nprotocol bgp feed {\n disabled;\n local 192.168.0.1 as 65100;\n neighbor 192.168.0.2 as 65200;\n" +
		" hold time 90; keepalive time 30; connect retry time 1; connect delay time 0;\n ipv4 { import none; export all; };\n}\n")
	return s.String()
}

type result struct {
	name   string
	routes int
	toRIB  time.Duration
	toFIB  time.Duration
	fib    bool
	cpu    time.Duration
	rssMiB float64
	gotRIB int
	gotFIB int
	err    error
}

// receiver starts one receiver in node "r"; rib counts its RIB.
type receiver struct {
	name  string
	proto int // 0: does not install into the kernel
	start func(b *bench) ([]*exec.Cmd, func() int, error)
}

func (b *bench) measure(rc receiver) result {
	res := result{name: rc.name, routes: b.routes, fib: rc.proto != 0}
	defer b.Cleanup()
	b.Prefix = "bgpb" + benchkit.RandHex()
	if err := b.FeedPair(); err != nil {
		res.err = err
		return res
	}
	cmds, rib, err := rc.start(b)
	if err != nil {
		res.err = err
		return res
	}
	sock, err := b.StartFeeder(rc.name, b.feederConf(), 60*time.Second)
	if err != nil {
		res.err = err
		return res
	}
	birdc := func(c string) error { return benchkit.Run("birdc", "-s", sock, c) }
	// The feeder's static routes must be loaded before the clock starts.
	if err := benchkit.WaitFor(60*time.Second, "feeder loaded", func() error {
		out, err := exec.Command("birdc", "-s", sock, "show route count").CombinedOutput()
		if err != nil {
			return err
		}
		if !strings.Contains(string(out), fmt.Sprintf("%d of %d routes", b.routes, b.routes)) {
			return fmt.Errorf("%s", out)
		}
		return nil
	}); err != nil {
		res.err = err
		return res
	}
	cnt, err := benchkit.NewCounter(b.NS("r"))
	if err != nil {
		res.err = err
		return res
	}
	defer cnt.Close()
	var wt *watcher
	if rc.proto != 0 {
		if wt, err = newWatcher(b.NS("r"), rc.proto, cnt); err != nil {
			res.err = err
			return res
		}
		defer wt.close()
	}
	cpu0 := benchkit.CPUOf(cmds)
	t0 := time.Now()
	if err := birdc("enable feed"); err != nil {
		res.err = err
		return res
	}
	deadline := time.Now().Add(time.Duration(b.routes/1000+120) * time.Second)
	for {
		if res.toRIB == 0 {
			if res.gotRIB = rib(); res.gotRIB >= b.routes {
				res.toRIB = time.Since(t0)
			}
		}
		if res.fib && res.toFIB == 0 {
			if res.gotFIB = wt.count(); res.gotFIB >= b.routes {
				res.toFIB = time.Since(t0)
			}
		}
		if res.toRIB != 0 && (!res.fib || res.toFIB != 0) {
			break
		}
		if time.Now().After(deadline) {
			res.err = fmt.Errorf("timed out: RIB %d, kernel %d of %d", res.gotRIB, res.gotFIB, b.routes)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	res.cpu = benchkit.CPUOf(cmds) - cpu0
	res.rssMiB = benchkit.PeakRSS(cmds)
	return res
}

var firstNumber = regexp.MustCompile(`(\d+) of \d+ routes`)

func netemuReceiver() receiver {
	return receiver{name: "netemu bgpd", proto: protoBGP, start: func(b *bench) ([]*exec.Cmd, func() int, error) {
		dir := filepath.Join(b.Dir, "netemu-"+b.Prefix)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, err
		}
		cfg := map[string]any{
			"lab": b.Prefix, "node": "r", "node_dir": dir,
			"interfaces": []any{map[string]string{"name": "eth0", "addr": "192.168.0.2/30"}},
			"bgp": map[string]any{
				"node": "r", "asn": 65200, "router_id": "192.168.0.2",
				"peers": []any{map[string]any{
					"name": "feed", "local_as": 65200, "peer_as": 65100, "local_addr": "192.168.0.2", "peer_addr": "192.168.0.1",
					"router_id": "192.168.0.2", "iface": "eth0", "hold": 90 * time.Second, "keepalive": 30 * time.Second,
					"connect_retry": time.Second,
				}},
			},
		}
		js, _ := json.Marshal(cfg)
		path := filepath.Join(dir, "agent.json")
		if err := os.WriteFile(path, js, 0o600); err != nil {
			return nil, nil, err
		}
		c, err := b.Start("r", "netemu-agent.log", b.netemu, "agent", "--config", path, "--log-level", b.logLevel)
		if err != nil {
			return nil, nil, err
		}
		sock := filepath.Join(dir, "agent.sock")
		err = benchkit.WaitFor(10*time.Second, "agent socket", func() error { _, err := os.Stat(sock); return err })
		rib := func() int {
			out, err := exec.Command("curl", "-s", "--unix-socket", sock, "http://agent/bgp").Output()
			if err != nil {
				return 0
			}
			var st struct {
				Prefixes int `json:"prefixes"`
			}
			_ = json.Unmarshal(out, &st)
			return st.Prefixes
		}
		return []*exec.Cmd{c}, rib, err
	}}
}

func gobgpReceiver() receiver {
	return receiver{name: "gobgpd", start: func(b *bench) ([]*exec.Cmd, func() int, error) {
		conf := filepath.Join(b.Dir, "gobgp-"+b.Prefix+".toml")
		s := `[global.config]
  as = 65200
  router-id = "192.168.0.2"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "192.168.0.1"
    peer-as = 65100
  [neighbors.timers.config]
    connect-retry = 1
`
		if err := os.WriteFile(conf, []byte(s), 0o644); err != nil {
			return nil, nil, err
		}
		c, err := b.Start("r", "gobgpd.log", "gobgpd", "-f", conf, "--api-hosts", "127.0.0.1:50061", "--disable-stdlog")
		if err != nil {
			return nil, nil, err
		}
		gob := func(args ...string) (string, error) {
			argv := append([]string{"netns", "exec", b.NS("r"), "gobgp", "-u", "127.0.0.1", "-p", "50061"}, args...)
			out, err := exec.Command("ip", argv...).CombinedOutput()
			return string(out), err
		}
		err = benchkit.WaitFor(10*time.Second, "gobgpd up", func() error { _, err := gob("global"); return err })
		re := regexp.MustCompile(`Destination: (\d+)`)
		rib := func() int {
			out, err := gob("global", "rib", "summary", "-a", "ipv4")
			if err != nil {
				return 0
			}
			m := re.FindStringSubmatch(out)
			if m == nil {
				return 0
			}
			n, _ := strconv.Atoi(m[1])
			return n
		}
		return []*exec.Cmd{c}, rib, err
	}}
}

func birdReceiver() receiver {
	return receiver{name: "bird", proto: protoBIRD, start: func(b *bench) ([]*exec.Cmd, func() int, error) {
		conf := filepath.Join(b.Dir, "bird-r-"+b.Prefix+".conf")
		s := `router id 192.168.0.2;
log stderr { warning, error, fatal };
protocol device { scan time 10; }
protocol kernel { ipv4 { import none; export all; }; }
protocol bgp up1 {
	local 192.168.0.2 as 65200;
	neighbor 192.168.0.1 as 65100;
	ipv4 { import all; export none; };
}
`
		sock := filepath.Join(b.Dir, "bird-r-"+b.Prefix+".ctl")
		c, err := b.StartBIRD("r", "bird-r.log", conf, sock, s, 10*time.Second, "bird up")
		rib := func() int {
			out, err := exec.Command("birdc", "-s", sock, "show route count").CombinedOutput()
			if err != nil {
				return 0
			}
			m := firstNumber.FindStringSubmatch(string(out))
			if m == nil {
				return 0
			}
			n, _ := strconv.Atoi(m[1])
			return n
		}
		return []*exec.Cmd{c}, rib, err
	}}
}

func frrReceiver() receiver {
	return receiver{name: "frr bgpd+zebra", proto: protoBGP, start: func(b *bench) ([]*exec.Cmd, func() int, error) {
		u, err := user.Lookup("frr")
		if err != nil {
			return nil, nil, err
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		dir := filepath.Join(b.Dir, "frr-"+b.Prefix)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, err
		}
		_ = os.Chown(dir, uid, gid)
		write := func(name, s string) string {
			p := filepath.Join(dir, name)
			_ = os.WriteFile(p, []byte(s), 0o640)
			_ = os.Chown(p, uid, gid)
			return p
		}
		zc := write("zebra.conf", "hostname r\n")
		bc := write("bgpd.conf", "hostname r\nrouter bgp 65200\n bgp router-id 192.168.0.2\n no bgp ebgp-requires-policy\n"+
			" neighbor 192.168.0.1 remote-as 65100\n neighbor 192.168.0.1 timers connect 1\n")
		zs := filepath.Join(dir, "zserv.api")
		z, err := b.Start("r", "frr-zebra.log", "/usr/lib/frr/zebra", "-f", zc, "-i", filepath.Join(dir, "zebra.pid"), "-z", zs,
			"--vty_socket", dir, "-u", "frr", "-g", "frr", "--log", "stdout", "--log-level", "warn", "-s", "67108864")
		if err != nil {
			return nil, nil, err
		}
		if err := benchkit.WaitFor(10*time.Second, "zebra socket", func() error { _, err := os.Stat(zs); return err }); err != nil {
			return nil, nil, err
		}
		bg, err := b.Start("r", "frr-bgpd.log", "/usr/lib/frr/bgpd", "-f", bc, "-i", filepath.Join(dir, "bgpd.pid"), "-z", zs,
			"--vty_socket", dir, "-u", "frr", "-g", "frr", "--log", "stdout", "--log-level", "warn")
		if err != nil {
			return nil, nil, err
		}
		err = benchkit.WaitFor(10*time.Second, "bgpd vty", func() error { _, err := os.Stat(filepath.Join(dir, "bgpd.vty")); return err })
		rib := func() int {
			out, err := exec.Command("ip", "netns", "exec", b.NS("r"), "vtysh", "--vty_socket", dir, "-c",
				"show bgp ipv4 unicast summary json").Output()
			if err != nil {
				return 0
			}
			// FRR prints {"peers": …} when the address family is named,
			// {"ipv4Unicast": {"peers": …}} otherwise.
			type peers struct {
				Peers map[string]struct {
					PfxRcd int `json:"pfxRcd"`
				} `json:"peers"`
			}
			var s struct {
				peers
				IPv4Unicast peers `json:"ipv4Unicast"`
			}
			if json.Unmarshal(out, &s) != nil {
				return 0
			}
			n := 0
			for _, p := range s.Peers {
				n += p.PfxRcd
			}
			for _, p := range s.IPv4Unicast.Peers {
				n += p.PfxRcd
			}
			return n
		}
		return []*exec.Cmd{z, bg}, rib, err
	}}
}

func main() {
	routesFlag := flag.String("routes", "100000,500000", "prefix counts the feeder announces, comma-separated")
	bin := flag.String("netemu", "", "netemu binary (default: build ./cmd/netemu)")
	only := flag.String("only", "", "run only receivers whose name contains this")
	keep := flag.Bool("keep", false, "keep the work directory (logs) and run netemu's agent at debug level")
	flag.Parse()
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "bgpbench: needs root (builds network namespaces)")
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "bgpbench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *keep {
		fmt.Fprintln(os.Stderr, "work directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	_ = os.Chmod(dir, 0o755)
	b := &bench{Lab: &benchkit.Lab{Dir: dir}, netemu: *bin, logLevel: "warn"}
	if *keep {
		b.logLevel = "debug"
	}
	if b.netemu == "" {
		if b.netemu, err = labtest.BuildNetemu(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	var results []result
	for _, rs := range strings.Split(*routesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(rs))
		if err != nil {
			fmt.Fprintf(os.Stderr, "bad -routes %q\n", rs)
			os.Exit(2)
		}
		b.routes = n
		for _, rc := range []receiver{netemuReceiver(), gobgpReceiver(), birdReceiver(), frrReceiver()} {
			if *only != "" && !strings.Contains(rc.name, *only) {
				continue
			}
			r := b.measure(rc)
			if r.err != nil {
				fmt.Fprintf(os.Stderr, "%s (%d): %v\n", rc.name, n, r.err)
				benchkit.PrintLogTails(dir, "netemu-agent.log", "gobgpd.log", "frr-zebra.log", "frr-bgpd.log", "bird-r.log", "feeder-"+rc.name+".log")
			}
			results = append(results, r)
			fmt.Fprintf(os.Stderr, "done: %s %d\n", rc.name, n)
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "RECEIVER\tPREFIXES\tTIME TO RIB\tTIME TO KERNEL\tPEAK RSS MiB\tCPU SECONDS\tBYTES/ROUTE\n")
	for _, r := range results {
		fibs := "n/a"
		if r.fib {
			fibs = r.toFIB.Round(time.Millisecond).String()
		}
		if r.err != nil {
			fmt.Fprintf(tw, "%s\t%d\tfailed (RIB %d, kernel %d)\t\t%.0f\t%.2f\t-\n", r.name, r.routes, r.gotRIB, r.gotFIB, r.rssMiB, r.cpu.Seconds())
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%v\t%s\t%.0f\t%.2f\t%.0f\n", r.name, r.routes, r.toRIB.Round(time.Millisecond), fibs, r.rssMiB,
			r.cpu.Seconds(), r.rssMiB*1024*1024/float64(r.routes))
	}
	_ = tw.Flush()
}

// Command ripbench measures how fast RIP receivers fill their kernel
// table: one feeder (BIRD with N static routes exported into RIP) and, one
// after another in the same run, netemu's agent, FRR's ripd (with zebra)
// and BIRD as the receiver. It prints the time from enabling the feeder's
// RIP until all N routes are in the receiver's kernel table (counted by
// protocol over a NETLINK_ROUTE socket in the receiver's namespace), and
// the receiver's CPU seconds. Root only; every namespace and process it
// makes is removed before it exits.
//
//	go run ./tests/bench/ripbench [-routes 10000] [-netemu path]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netemu/netemu/tests/bench/internal/benchkit"
	"github.com/netemu/netemu/tests/labtest"
)

var timeline = flag.Bool("timeline", false, "print netemu's event timeline relative to the start")

const (
	protoRIP  = 189
	protoBIRD = 12
)

type bench struct {
	*benchkit.Lab
	routes int
	netemu string
}

func (b *bench) feederConf() string {
	var s strings.Builder
	s.WriteString("router id 192.168.0.1;\nlog stderr { warning, error, fatal };\nprotocol device { scan time 1; }\nprotocol static {\n ipv4;\n")
	for i := 0; i < b.routes; i++ {
		fmt.Fprintf(&s, " route 10.%d.%d.0/24 blackhole;\n", i/256, i%256)
	}
	s.WriteString("}\nprotocol rip rip1 {\n disabled;\n ipv4 { import none; export all; };\n" +
		" interface \"eth0\" { version 2; update time 5; timeout time 30; garbage time 20; };\n}\n")
	return s.String()
}

type result struct {
	name    string
	elapsed time.Duration
	cpu     time.Duration
	got     int
	drops   int // UDP datagrams the receiver's namespace dropped for a full socket buffer
	err     error
}

// udpRcvbufErrors reads Udp RcvbufErrors of a namespace's /proc/net/snmp.
func udpRcvbufErrors(ns string) int {
	out, err := exec.Command("ip", "netns", "exec", ns, "cat", "/proc/net/snmp").Output()
	if err != nil {
		return -1
	}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(line, "Udp: ") {
			continue
		}
		f := strings.Fields(line)[1:]
		if names == nil {
			names = f
			continue
		}
		for i, n := range names {
			if n == "RcvbufErrors" && i < len(f) {
				v, _ := strconv.Atoi(f[i])
				return v
			}
		}
	}
	return -1
}

// receiver starts one receiver in node "r" and returns its processes and
// the protocol number its kernel routes carry.
type receiver struct {
	name  string
	proto int
	start func(b *bench) ([]*exec.Cmd, error)
}

func (b *bench) measure(rc receiver) result {
	res := result{name: rc.name}
	defer b.Cleanup()
	b.Prefix = "ripb" + benchkit.RandHex()
	if err := b.FeedPair(); err != nil {
		res.err = err
		return res
	}
	cmds, err := rc.start(b)
	if err != nil {
		res.err = err
		return res
	}
	sock, err := b.StartFeeder(rc.name, b.feederConf(), 20*time.Second)
	if err != nil {
		res.err = err
		return res
	}
	birdc := func(c string) error { return benchkit.Run("birdc", "-s", sock, c) }
	cnt, err := benchkit.NewCounter(b.NS("r"))
	if err != nil {
		res.err = err
		return res
	}
	defer cnt.Close()
	// Let the receiver settle (sockets open, zebra connected) before the
	// clock starts.
	time.Sleep(2 * time.Second)
	cpu0 := benchkit.CPUOf(cmds)
	t0 := time.Now()
	if err := birdc("enable rip1"); err != nil {
		res.err = err
		return res
	}
	err = benchkit.WaitFor(120*time.Second, rc.name+" has all routes", func() error {
		res.got = cnt.Count(rc.proto)
		if res.got >= b.routes {
			return nil
		}
		return fmt.Errorf("%d of %d", res.got, b.routes)
	})
	res.elapsed = time.Since(t0)
	res.cpu = benchkit.CPUOf(cmds) - cpu0
	res.err = err
	res.drops = udpRcvbufErrors(b.NS("r"))
	if *timeline && rc.name == "netemu" {
		b.printTimeline(t0)
	}
	return res
}

// printTimeline shows, for netemu, when the first and last routes were
// learned and installed relative to the start (from its events log).
func (b *bench) printTimeline(t0 time.Time) {
	f, err := os.ReadFile(filepath.Join(b.Dir, "netemu-"+b.Prefix, "events.jsonl"))
	if err != nil {
		return
	}
	first := map[string]time.Duration{}
	last := map[string]time.Duration{}
	for _, line := range bytes.Split(f, []byte("\n")) {
		var e struct {
			Time time.Time `json:"time"`
			Kind string    `json:"kind"`
		}
		if json.Unmarshal(line, &e) != nil {
			continue
		}
		d := e.Time.Sub(t0)
		if _, ok := first[e.Kind]; !ok {
			first[e.Kind] = d
		}
		last[e.Kind] = d
	}
	for k := range first {
		fmt.Fprintf(os.Stderr, "netemu %-15s first %8v last %8v\n", k, first[k].Round(time.Millisecond), last[k].Round(time.Millisecond))
	}
}

func netemuReceiver() receiver {
	return receiver{name: "netemu", proto: protoRIP, start: func(b *bench) ([]*exec.Cmd, error) {
		dir := filepath.Join(b.Dir, "netemu-"+b.Prefix)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		iface := map[string]string{"name": "eth0", "addr": "192.168.0.2/30"}
		cfg := map[string]any{
			"lab": b.Prefix, "node": "r", "node_dir": dir,
			"interfaces": []any{iface},
			"rip": map[string]any{
				"interfaces": []any{iface}, "connected": []any{iface},
				"update": 5 * time.Second, "timeout": 30 * time.Second, "garbage": 20 * time.Second,
			},
		}
		js, _ := json.Marshal(cfg)
		path := filepath.Join(dir, "agent.json")
		if err := os.WriteFile(path, js, 0o600); err != nil {
			return nil, err
		}
		c, err := b.Start("r", "netemu-agent.log", b.netemu, "agent", "--config", path, "--log-level", "warn")
		if err != nil {
			return nil, err
		}
		err = benchkit.WaitFor(10*time.Second, "agent socket", func() error { _, err := os.Stat(filepath.Join(dir, "agent.sock")); return err })
		return []*exec.Cmd{c}, err
	}}
}

func frrReceiver() receiver {
	return receiver{name: "frr ripd", proto: protoRIP, start: func(b *bench) ([]*exec.Cmd, error) {
		u, err := user.Lookup("frr")
		if err != nil {
			return nil, err
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		dir := filepath.Join(b.Dir, "frr-"+b.Prefix)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		_ = os.Chown(dir, uid, gid)
		write := func(name, s string) string {
			p := filepath.Join(dir, name)
			_ = os.WriteFile(p, []byte(s), 0o640)
			_ = os.Chown(p, uid, gid)
			return p
		}
		zc := write("zebra.conf", "hostname r\n")
		rc := write("ripd.conf", "hostname r\nrouter rip\n version 2\n network eth0\n timers basic 5 30 20\nexit\n")
		zs := filepath.Join(dir, "zserv.api")
		z, err := b.Start("r", "frr-zebra.log", "/usr/lib/frr/zebra", "-f", zc, "-i", filepath.Join(dir, "zebra.pid"), "-z", zs,
			"--vty_socket", dir, "-u", "frr", "-g", "frr", "--log", "stdout", "--log-level", "warn", "-s", "16777216")
		if err != nil {
			return nil, err
		}
		if err := benchkit.WaitFor(10*time.Second, "zebra socket", func() error { _, err := os.Stat(zs); return err }); err != nil {
			return nil, err
		}
		r, err := b.Start("r", "frr-ripd.log", "/usr/lib/frr/ripd", "-f", rc, "-i", filepath.Join(dir, "ripd.pid"), "-z", zs,
			"--vty_socket", dir, "-u", "frr", "-g", "frr", "--log", "stdout", "--log-level", "warn")
		if err != nil {
			return nil, err
		}
		err = benchkit.WaitFor(10*time.Second, "ripd vty", func() error { _, err := os.Stat(filepath.Join(dir, "ripd.vty")); return err })
		return []*exec.Cmd{z, r}, err
	}}
}

func birdReceiver() receiver {
	return receiver{name: "bird", proto: protoBIRD, start: func(b *bench) ([]*exec.Cmd, error) {
		conf := filepath.Join(b.Dir, "bird-r-"+b.Prefix+".conf")
		s := `router id 192.168.0.2;
log stderr { warning, error, fatal };
protocol device { scan time 1; }
protocol kernel { ipv4 { import none; export where source = RTS_RIP; }; }
protocol rip rip1 {
	ipv4 { import all; export none; };
	interface "eth0" { version 2; update time 5; timeout time 30; garbage time 20; };
}
`
		sock := filepath.Join(b.Dir, "bird-r-"+b.Prefix+".ctl")
		c, err := b.StartBIRD("r", "bird-r.log", conf, sock, s, 10*time.Second, "bird up")
		return []*exec.Cmd{c}, err
	}}
}

func main() {
	routes := flag.Int("routes", 10000, "routes the feeder announces")
	bin := flag.String("netemu", "", "netemu binary (default: build ./cmd/netemu)")
	flag.Parse()
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "ripbench: needs root (builds network namespaces)")
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "ripbench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	_ = os.Chmod(dir, 0o755)
	b := &bench{Lab: &benchkit.Lab{Dir: dir}, routes: *routes, netemu: *bin}
	if b.netemu == "" {
		if b.netemu, err = labtest.BuildNetemu(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	var results []result
	_ = timeline
	for _, rc := range []receiver{netemuReceiver(), frrReceiver(), birdReceiver()} {
		r := b.measure(rc)
		if r.err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", rc.name, r.err)
			benchkit.PrintLogTails(dir, "netemu-agent.log", "frr-zebra.log", "frr-ripd.log", "bird-r.log", "feeder-"+rc.name+".log")
		}
		results = append(results, r)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "RECEIVER\tROUTES\tTIME TO KERNEL\tCPU SECONDS\tROUTES/S\tUDP RCVBUF DROPS\n")
	for _, r := range results {
		if r.err != nil {
			fmt.Fprintf(tw, "%s\t%d/%d\tnot within %v\t%.2f\t-\t%d\n", r.name, r.got, b.routes, r.elapsed.Round(time.Second), r.cpu.Seconds(), r.drops)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%v\t%.2f\t%.0f\t%d\n", r.name, r.got, r.elapsed.Round(time.Millisecond), r.cpu.Seconds(),
			float64(r.got)/r.elapsed.Seconds(), r.drops)
	}
	_ = tw.Flush()
}

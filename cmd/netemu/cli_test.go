package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/impair"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/bfd"
	"github.com/netemu/netemu/routing/bgp"
	"github.com/netemu/netemu/routing/ospf"
	"github.com/netemu/netemu/routing/rip"
	"github.com/netemu/netemu/topo"
)

// rawText is what must never reach the terminal: Go, HTTP and socket
// internals, and grammar a template got wrong.
var rawText = []string{"dial unix", "connect:", "GET /", "404", "page not found", "connection refused",
	"no such file or directory", " a instance", " a ebgp", "%!", "context deadline exceeded", "exit status", "read topology:"}

// runCLI runs one command line in-process with stdout captured.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	var errb bytes.Buffer
	code = run(args, &errb)
	os.Stdout = saved
	w.Close()
	return code, string(<-done), errb.String()
}

// fakeLab records a "running" copy of the seed lab in a private run
// directory — state only, no namespaces — so the commands' lookups and
// error paths run without root. agents maps a router to the handler its
// fake agent socket answers with.
func fakeLab(t *testing.T, name string, agents map[string]http.Handler) *nodes.State {
	t.Helper()
	t.Setenv("NETEMU_RUN_DIR", t.TempDir())
	model, err := topo.LoadExample(topo.Seed)
	if err != nil {
		t.Fatal(err)
	}
	model.Name = name
	st := &nodes.State{Lab: name, Dir: labpath.StateDir(name, ""), Model: model, Phase: nodes.PhaseUp, Created: time.Now()}
	for _, n := range model.Nodes {
		st.Nodes = append(st.Nodes, n.Name)
	}
	if err := nodes.SaveState(st); err != nil {
		t.Fatal(err)
	}
	for node, h := range agents {
		dir := st.NodeDir(node)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("unix", filepath.Join(dir, agent.SocketName))
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: h}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
	}
	return st
}

func jsonHandler(path string, v any) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) { json.NewEncoder(w).Encode(v) })
	return mux
}

// TestCLIErrorsAndExitCodes runs each error path a user can hit and checks
// the exit status (README "Exit codes"), that the message is about the
// lab (with a suggestion where a name was misspelt), and that no internal
// text leaks.
func TestCLIErrorsAndExitCodes(t *testing.T) {
	fakeLab(t, "fakeseed", map[string]http.Handler{
		"aws-edge": http.NotFoundHandler(), // an agent that runs no RIP
	})
	bad := filepath.Join(t.TempDir(), "bad.hcl")
	os.WriteFile(bad, []byte("lab \"x\" {}\nrouter \"r1\" {}\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want []string // in stderr
	}{
		{[]string{"bogus"}, exitUsage, []string{`unknown command "bogus"`}},
		{[]string{"status", "--bogus"}, exitUsage, []string{"unknown flag: --bogus"}},
		{[]string{"routes"}, exitUsage, []string{"accepts 1 arg"}},
		{[]string{"status", "-o", "yaml"}, exitUsage, []string{`unknown output "yaml"`}},
		{[]string{"bgp", "r1", "nonsense"}, exitUsage, []string{`unknown view "nonsense"`}},
		{[]string{"validate", "nosuch.hcl"}, exitFailure, []string{"there is no file nosuch.hcl", "netemu examples"}},
		{[]string{"validate", "bgp-chian"}, exitFailure, []string{`did you mean "bgp-chain"?`}},
		{[]string{"validate", bad}, exitFailure, []string{"Missing AS"}},
		{[]string{"up", "rip-rnig"}, exitFailure, []string{`did you mean "rip-ring"?`}},
		{[]string{"status", "fakesed"}, exitFailure, []string{"lab fakesed is not up", `did you mean "fakeseed"?`}},
		{[]string{"down", "fakesed"}, exitFailure, []string{"lab fakesed is not up", `did you mean "fakeseed"?`}},
		{[]string{"routes", "home-gwy"}, exitFailure, []string{`no running lab here has a node "home-gwy"`, `did you mean "home-gw"?`}},
		{[]string{"exec", "trnsit-a", "--", "true"}, exitFailure, []string{`did you mean "transit-a"?`}},
		{[]string{"bgp", "web"}, exitFailure, []string{"web is an instance, not a router"}},
		{[]string{"rip", "mac"}, exitFailure, []string{"mac is a host, not a router"}},
		{[]string{"bgp", "home-core"}, exitFailure, []string{"router home-core: its routing agent is not running", "netemu node start home-core"}},
		{[]string{"rip", "aws-edge"}, exitFailure, []string{"router aws-edge does not run RIP"}},
		{[]string{"logs", "web"}, exitFailure, []string{"node web runs no process started by netemu"}},
		{[]string{"--lab", "nolab", "wait"}, exitFailure, []string{"lab nolab is not up"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			for _, r := range rawText {
				if strings.Contains(errs+out, r) {
					t.Errorf("output leaks %q:\n%s%s", r, out, errs)
				}
			}
		})
	}
}

// TestCLIJSONSchema decodes every command's -o json that runs without
// root into the documented types (lab/report.go), unknown fields refused.
func TestCLIJSONSchema(t *testing.T) {
	up := time.Now().Add(-time.Minute)
	st := fakeLab(t, "jsonseed", map[string]http.Handler{
		"home-core": jsonHandler("/bgp", bgp.Status{Node: "home-core", ASN: 64500, Peers: []bgp.PeerStatus{
			{Name: "transit-a", State: "Established", AS: 64510, UpSince: up, Received: 3}}}),
		"home-gw": jsonHandler("/rip", rip.Status{Interfaces: []rip.InterfaceStatus{{Name: "eth1", Addr: netip.MustParsePrefix("10.0.2.1/30"),
			Up: true, RIP: true, SendErrors: 4, Queued: 1, SendDrops: 2}}, Neighbours: []rip.NeighbourStatus{{Iface: "eth1", Up: true, LastHeard: up}},
			Routes: []rip.RouteStatus{{Metric: 2, Iface: "eth1", Age: 1500 * time.Millisecond, State: "active"}}}),
		"transit-a": jsonHandler("/ospf", ospf.Status{RouterID: "10.255.0.4", SPFRuns: 3,
			Interfaces: []ospf.InterfaceStatus{{Name: "eth1", Addr: netip.MustParsePrefix("10.0.0.1/30"), Area: "0.0.0.0", Type: ospf.PointToPoint, State: "P2P", Cost: 10, Neighbours: 1, Adjacent: 1}},
			Neighbours: []ospf.NeighbourStatus{{RouterID: "10.255.0.5", Addr: netip.MustParseAddr("10.0.0.2"), Iface: "eth1", State: "Full", DeadTime: 35 * time.Second}},
			Database:   []ospf.LSAStatus{{Area: "0.0.0.0", Type: 1, ID: "10.255.0.4", Adv: "10.255.0.4", Age: 12, Seq: "0x80000002", Checksum: "0x1234", Length: 48}},
			Routes: []ospf.Route{{Prefix: netip.MustParsePrefix("10.255.0.5/32"), Kind: ospf.KindIntra, Cost: 10,
				NextHops: []ospf.NextHop{{Iface: "eth1", Addr: netip.MustParseAddr("10.0.0.2")}}}},
			BadPackets: map[ospf.Reason]uint64{"bad checksum": 2}}),
		"transit-b": jsonHandler("/bfd", bfd.Status{Sessions: []bfd.SessionStatus{{Key: bfd.Key{Peer: netip.MustParseAddr("10.0.0.9"), Iface: "eth2"},
			State: bfd.StateUp, RemoteState: bfd.StateUp, Since: up, MinTx: 100 * time.Millisecond, MinRx: 100 * time.Millisecond, Multiplier: 3,
			DetectTime: 300 * time.Millisecond, TxInterval: 100 * time.Millisecond, LastRx: up}}}),
	})
	bad := filepath.Join(t.TempDir(), "bad.hcl")
	os.WriteFile(bad, []byte("lab \"x\" {}\nrouter \"r1\" {}\nlink \"r1\" \"r9\" {}\n"), 0o644)
	imp := topo.Impairment{Delay: 40 * time.Millisecond, Jitter: 5 * time.Millisecond, Loss: 1, Rate: 10_000_000}
	if err := (&impair.File{Kernel: &impair.Kernel{Netem: false}, Links: []impair.LinkState{{A: "home-core", AIface: "eth2", B: "transit-a", BIface: "eth0",
		Impairment: imp, Mechanism: "netemu (cls_bpf loss, delay line, tbf)", Since: up}}}).Save(st.Dir); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args  []string
		code  int
		into  func() any
		check func(t *testing.T, v any)
	}{
		{[]string{"version"}, 0, func() any { return &lab.VersionReport{} }, func(t *testing.T, v any) {
			if r := v.(*lab.VersionReport); r.Version == "" || r.SchemaVersion != lab.ReportSchemaVersion {
				t.Errorf("%+v", r)
			}
		}},
		{[]string{"examples"}, 0, func() any { return &[]lab.ExampleReport{} }, func(t *testing.T, v any) {
			if r := *v.(*[]lab.ExampleReport); len(r) < 2 || r[0].Description == "" {
				t.Errorf("%+v", r)
			}
		}},
		{[]string{"validate", "aws-ssh"}, 0, func() any { return &lab.ValidateReport{} }, func(t *testing.T, v any) {
			if r := v.(*lab.ValidateReport); !r.OK || r.Nodes != 10 || len(r.Errors) != 0 {
				t.Errorf("%+v", r)
			}
		}},
		{[]string{"validate", bad}, exitFailure, func() any { return &lab.ValidateReport{} }, func(t *testing.T, v any) {
			if r := v.(*lab.ValidateReport); r.OK || len(r.Errors) != 2 || r.Errors[0].Line != 2 {
				t.Errorf("%+v", r)
			}
		}},
		{[]string{"status", "jsonseed"}, 0, func() any { return &lab.LabReport{} }, func(t *testing.T, v any) {
			r := v.(*lab.LabReport)
			if r.Lab != "jsonseed" || len(r.Nodes) != 10 {
				t.Errorf("%+v", r)
			}
			for _, n := range r.Nodes {
				if n.Name == "web" && n.PrivateIP != "10.0.1.10" {
					t.Errorf("web: %+v", n)
				}
			}
		}},
		{[]string{"status"}, 0, func() any { return &[]lab.LabReport{} }, nil},
		{[]string{"bgp", "home-core"}, 0, func() any { return &lab.BGPReport{} }, func(t *testing.T, v any) {
			r := v.(*lab.BGPReport)
			if len(r.Peers) != 1 || r.Peers[0].UptimeMS < 59_000 || r.Daemon != "netemu" {
				t.Errorf("%+v", r)
			}
		}},
		{[]string{"rip", "home-gw"}, 0, func() any { return &lab.RIPReport{} }, func(t *testing.T, v any) {
			if r := v.(*lab.RIPReport); len(r.Routes) != 1 || r.Routes[0].AgeMS != 1500 ||
				len(r.Interfaces) != 1 || r.Interfaces[0].SendErrors != 4 || r.Interfaces[0].SendDrops != 2 || r.Interfaces[0].Address != "10.0.2.1/30" {
				t.Errorf("%+v", r)
			}
		}},
		{[]string{"ospf", "transit-a"}, 0, func() any { return &lab.OSPFReport{} }, func(t *testing.T, v any) {
			r := v.(*lab.OSPFReport)
			if r.Daemon != "netemu" || len(r.Neighbours) != 1 || r.Neighbours[0].DeadMS != 35_000 || r.Neighbours[0].Address != "10.0.0.2" ||
				r.Interfaces[0].Address != "10.0.0.1/30" || r.Database[0].AgeMS != 12_000 || r.Routes[0].Kind != "intra-area" ||
				r.Routes[0].NextHops[0].Address != "10.0.0.2" || r.BadPackets["bad checksum"] != 2 {
				t.Errorf("%+v", r)
			}
		}},
		{[]string{"bfd", "transit-b"}, 0, func() any { return &lab.BFDReport{} }, func(t *testing.T, v any) {
			r := v.(*lab.BFDReport)
			if len(r.Sessions) != 1 || r.Sessions[0].State != "Up" || r.Sessions[0].DetectTimeMS != 300 || r.Sessions[0].Address != "10.0.0.9" ||
				r.Sessions[0].SinceAt.IsZero() {
				t.Errorf("%+v", r)
			}
		}},
		{[]string{"link", "show"}, 0, func() any { return &lab.LinkShowReport{} }, func(t *testing.T, v any) {
			r := v.(*lab.LinkShowReport)
			if r.Kernel == nil || r.Kernel.Netem || len(r.Links) != 1 || r.Links[0].A != "home-core:eth2" || r.Links[0].DelayMS != 40 ||
				r.Links[0].JitterMS != 5 || r.Links[0].LossPercent != 1 || r.Links[0].RateBPS != 10_000_000 || r.Links[0].SinceAt.IsZero() {
				t.Errorf("%+v", r)
			}
		}},
		{[]string{"placement", "aws-ssh"}, 0, func() any { return &lab.Placement{} }, nil},
		{[]string{"down", "nosuchlab", "--missing-ok"}, 0, func() any { return &lab.DownReportJSON{} }, nil},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := runCLI(t, append(tc.args, "-o", "json")...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errs)
			}
			v := tc.into()
			dec := json.NewDecoder(strings.NewReader(out))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Fatalf("%v does not decode into %T: %v\n%s", tc.args, v, err, out)
			}
			if tc.check != nil {
				tc.check(t, v)
			}
		})
	}
}

func TestVersionFlag(t *testing.T) {
	code, out, _ := runCLI(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "netemu ") {
		t.Errorf("--version: %d %q", code, out)
	}
}

// Completion offers the running labs, nodes of the right kind, a link's
// far ends and the examples.
func TestCompletion(t *testing.T) {
	fakeLab(t, "compseed", nil)
	for _, tc := range []struct {
		args []string
		want []string
		not  []string
	}{
		{[]string{"__complete", "status", ""}, []string{"compseed"}, nil},
		{[]string{"__complete", "bgp", ""}, []string{"home-core", "aws-edge"}, []string{"web", "mac"}},
		{[]string{"__complete", "ssh", ""}, []string{"web", "db"}, []string{"home-core"}},
		{[]string{"__complete", "link", "down", "transit-a", ""}, []string{"home-core", "aws-edge"}, []string{"mac"}},
		{[]string{"__complete", "up", ""}, []string{"aws-ssh", "bgp-chain"}, nil},
		{[]string{"__complete", "--lab", ""}, []string{"compseed"}, nil},
	} {
		_, out, _ := runCLI(t, tc.args...)
		lines := strings.Split(out, "\n")
		has := func(s string) bool {
			for _, l := range lines {
				if strings.SplitN(l, "\t", 2)[0] == s {
					return true
				}
			}
			return false
		}
		for _, w := range tc.want {
			if !has(w) {
				t.Errorf("%v: no %q in\n%s", tc.args, w, out)
			}
		}
		for _, w := range tc.not {
			if has(w) {
				t.Errorf("%v: %q offered:\n%s", tc.args, w, out)
			}
		}
	}
}

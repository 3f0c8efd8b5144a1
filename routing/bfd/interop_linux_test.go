package bfd

// Interop on real namespaces: netemu's BFD against FRR's bfdd and BIRD's
// bfd protocol. Each comes Up, and a silent link (nftables drop in
// netemu's namespace) takes both ends Down.

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// frr runs zebra and bfdd in node with bfdConf, every socket, pid file
// and log in a directory of the test (never /var/run/frr); it returns a
// vtysh runner.
func (l *nsLab) frr(node, bfdConf string) func(cmd string) (string, error) {
	l.t.Helper()
	u, err := user.Lookup("frr")
	if err != nil {
		l.t.Skipf("FRR not installed (no frr user): %v", err)
	}
	if _, err := os.Stat("/usr/lib/frr/bfdd"); err != nil {
		l.t.Skipf("FRR's bfdd not installed: %v", err)
	}
	dir := filepath.Join(l.dir, "frr-"+node)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		l.t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	// The test's temp dir is root's 0700: let frr through to its own.
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	_ = os.Chown(dir, uid, gid)
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o640); err != nil {
			l.t.Fatal(err)
		}
		_ = os.Chown(p, uid, gid)
		return p
	}
	zconf := write("zebra.conf", "hostname "+node+"\n")
	bconf := write("bfdd.conf", bfdConf)
	zsock := filepath.Join(dir, "zserv.api")
	l.start(node, node+"-zebra.log", "/usr/lib/frr/zebra", "-f", zconf, "-i", filepath.Join(dir, "zebra.pid"),
		"-z", zsock, "--vty_socket", dir, "-P", "0", "-u", "frr", "-g", "frr", "--log", "stdout")
	waitFor(l.t, 10*time.Second, "zebra socket", func() error { _, err := os.Stat(zsock); return err })
	l.start(node, node+"-bfdd.log", "/usr/lib/frr/bfdd", "-f", bconf, "-i", filepath.Join(dir, "bfdd.pid"),
		"-z", zsock, "--vty_socket", dir, "-P", "0", "--bfdctl", filepath.Join(dir, "bfdd.sock"),
		"-u", "frr", "-g", "frr", "--log", "stdout", "--log-level", "debug")
	vtysh := func(c string) (string, error) {
		out, err := l.Command(node, "vtysh", "--vty_socket", dir, "-c", c).CombinedOutput()
		return string(out), err
	}
	waitFor(l.t, 10*time.Second, "bfdd answers vtysh", func() error {
		out, err := vtysh("show bfd peers")
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	})
	return vtysh
}

// frrPeer is the part of `show bfd peer X json` the test reads.
type frrPeer struct {
	Status           string `json:"status"`
	Diagnostic       string `json:"diagnostic"`
	RemoteDiagnostic string `json:"remote-diagnostic"`
	ReceiveInterval  int    `json:"receive-interval"`
	TransmitInterval int    `json:"transmit-interval"`
	RemoteReceive    int    `json:"remote-receive-interval"`
	RemoteTransmit   int    `json:"remote-transmit-interval"`
}

func frrPeerStatus(vtysh func(string) (string, error), peer string) (frrPeer, error) {
	out, err := vtysh("show bfd peer " + peer + " json")
	if err != nil {
		return frrPeer{}, fmt.Errorf("%v: %s", err, out)
	}
	var p frrPeer
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		return frrPeer{}, fmt.Errorf("%v: %s", err, out)
	}
	return p, nil
}

func TestInteropFRR(t *testing.T) {
	l := newNSLab(t)
	l.node("ne")
	l.node("frr")
	l.link("ne", "10.202.0.1/30", "frr", "10.202.0.2/30")
	// Loopbacks for a multihop session (RFC 5883), as iBGP would use.
	l.IP("ne", "addr", "add", "192.0.2.1/32", "dev", "lo")
	l.IP("frr", "addr", "add", "192.0.2.2/32", "dev", "lo")
	l.IP("ne", "route", "add", "192.0.2.2/32", "via", "10.202.0.2")
	l.IP("frr", "route", "add", "192.0.2.1/32", "via", "10.202.0.1")
	vtysh := l.frr("frr", `hostname frr
bfd
 peer 10.202.0.1 local-address 10.202.0.2
  receive-interval 100
  transmit-interval 100
  detect-multiplier 5
 !
 peer 192.0.2.1 multihop local-address 192.0.2.2
  receive-interval 200
  transmit-interval 200
  detect-multiplier 5
 !
!
`)
	d := l.daemon("ne")
	k, err := d.Add(SessionConfig{Key: Key{Peer: netip.MustParseAddr("10.202.0.2"), Iface: "eth0"},
		MinTx: 100 * time.Millisecond, MinRx: 100 * time.Millisecond, Multiplier: 5})
	if err != nil {
		t.Fatal(err)
	}
	mh, err := d.Add(SessionConfig{Key: Key{Peer: netip.MustParseAddr("192.0.2.2"), Local: netip.MustParseAddr("192.0.2.1"), Multihop: true},
		MinTx: 100 * time.Millisecond, MinRx: 100 * time.Millisecond, Multiplier: 5})
	if err != nil {
		t.Fatal(err)
	}
	inState(t, d, k, StateUp, 15*time.Second)
	inState(t, d, mh, StateUp, 15*time.Second)
	// The multihop session agrees on FRR's slower 200 ms both ways.
	waitFor(t, 10*time.Second, "multihop timers", func() error {
		s, _ := d.Session(mh)
		if s.TxInterval != 200*time.Millisecond || s.DetectTime != time.Second {
			return fmt.Errorf("tx %v detect %v", s.TxInterval, s.DetectTime)
		}
		return nil
	})
	frrState := func(want string) func() error {
		return func() error {
			p, err := frrPeerStatus(vtysh, "10.202.0.1")
			if err != nil {
				return err
			}
			if p.Status != want {
				return fmt.Errorf("FRR sees %+v", p)
			}
			return nil
		}
	}
	waitFor(t, 10*time.Second, "FRR sees the session up", frrState("up"))
	// Both ends settle on 100 ms after the poll sequences.
	waitFor(t, 10*time.Second, "100 ms timers agreed", func() error {
		s, _ := d.Session(k)
		p, err := frrPeerStatus(vtysh, "10.202.0.1")
		if err != nil {
			return err
		}
		if s.TxInterval != 100*time.Millisecond || s.DetectTime != 500*time.Millisecond || s.Poll || p.RemoteTransmit != 100 {
			return fmt.Errorf("ours tx %v detect %v poll %v; FRR %+v", s.TxInterval, s.DetectTime, s.Poll, p)
		}
		return nil
	})
	if st := d.Status(); len(st.BadPackets) != 0 {
		t.Fatalf("dropped FRR's packets: %v", st.BadPackets)
	}
	// Silent link: both ends detect it.
	l.silence("ne", true)
	s := inState(t, d, k, StateDown, 5*time.Second)
	if s.LastDownDiag != DiagControlDetectExpired {
		t.Fatalf("went down with %s: %s", s.LastDownDiag, describe(s))
	}
	waitFor(t, 5*time.Second, "FRR sees the session down", frrState("down"))
	if s := inState(t, d, mh, StateDown, 5*time.Second); s.LastDownDiag != DiagControlDetectExpired {
		t.Fatalf("multihop went down with %s: %s", s.LastDownDiag, describe(s))
	}
	l.silence("ne", false)
	inState(t, d, mh, StateUp, 15*time.Second)
	inState(t, d, k, StateUp, 15*time.Second)
	waitFor(t, 10*time.Second, "FRR sees the session up again", frrState("up"))
	// FRR shutting the peer down is AdminDown for us: Down with diag 3,
	// flagged as the peer's choice.
	if out, err := vtysh("configure terminal\nbfd\npeer 10.202.0.1 local-address 10.202.0.2\nshutdown"); err != nil {
		t.Fatalf("shutdown: %v %s", err, out)
	}
	if s := inState(t, d, k, StateDown, 5*time.Second); s.RemoteState != StateAdminDown || s.LocalDiag != DiagNeighborDown {
		t.Fatalf("after FRR's shutdown: %s", describe(s))
	}
}

func TestInteropBIRD(t *testing.T) {
	if _, err := exec.LookPath("bird"); err != nil {
		t.Skip("BIRD not installed")
	}
	l := newNSLab(t)
	l.node("ne")
	l.node("bird")
	l.link("ne", "10.203.0.1/30", "bird", "10.203.0.2/30")
	dir := filepath.Join(l.dir, "bird")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "bird.conf")
	if err := os.WriteFile(conf, []byte(`router id 10.203.0.2;
protocol device {}
protocol bfd {
	interface "eth0" { interval 100 ms; multiplier 5; };
	neighbor 10.203.0.1 dev "eth0" local 10.203.0.2;
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "bird.ctl")
	l.start("bird", "bird.log", "bird", "-f", "-c", conf, "-s", sock, "-P", filepath.Join(dir, "bird.pid"))
	birdc := func(c string) (string, error) {
		out, err := exec.Command("birdc", "-s", sock, c).CombinedOutput()
		return string(out), err
	}
	waitFor(t, 10*time.Second, "bird answers", func() error {
		out, err := birdc("show status")
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	})
	birdState := func(want string) func() error {
		return func() error {
			out, err := birdc("show bfd sessions")
			if err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
			for _, line := range strings.Split(out, "\n") {
				f := strings.Fields(line)
				if len(f) >= 3 && f[0] == "10.203.0.1" && f[2] == want {
					return nil
				}
			}
			return fmt.Errorf("BIRD: %s", out)
		}
	}
	d := l.daemon("ne")
	k, err := d.Add(SessionConfig{Key: Key{Peer: netip.MustParseAddr("10.203.0.2"), Iface: "eth0"},
		MinTx: 100 * time.Millisecond, MinRx: 100 * time.Millisecond, Multiplier: 5})
	if err != nil {
		t.Fatal(err)
	}
	inState(t, d, k, StateUp, 15*time.Second)
	waitFor(t, 10*time.Second, "BIRD sees the session up", birdState("Up"))
	waitFor(t, 10*time.Second, "100 ms timers agreed", func() error {
		s, _ := d.Session(k)
		if s.TxInterval != 100*time.Millisecond || s.DetectTime != 500*time.Millisecond || s.Poll {
			return fmt.Errorf("tx %v detect %v poll %v", s.TxInterval, s.DetectTime, s.Poll)
		}
		return nil
	})
	if st := d.Status(); len(st.BadPackets) != 0 {
		t.Fatalf("dropped BIRD's packets: %v", st.BadPackets)
	}
	l.silence("ne", true)
	s := inState(t, d, k, StateDown, 5*time.Second)
	if s.LastDownDiag != DiagControlDetectExpired {
		t.Fatalf("went down with %s: %s", s.LastDownDiag, describe(s))
	}
	waitFor(t, 5*time.Second, "BIRD sees the session down", birdState("Down"))
	l.silence("ne", false)
	inState(t, d, k, StateUp, 15*time.Second)
	waitFor(t, 10*time.Second, "BIRD sees the session up again", birdState("Up"))
}

package tests

// The AWS half on the static seed lab, driven through the CLI as a user
// drives it: `netemu up`, `exec`, `sg`, `instance stop|start`, `down`. The
// servers are the real sshd (22 on web and db) and MariaDB (3306 on db)
// that the services stage starts.

import (
	"encoding/json"
	"errors"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/tests/labtest"
)

// awsSG returns `netemu sg INSTANCE -o json`.
func awsSG(t *testing.T, lab, instance string) (pub netip.Addr, rules []fw.EffectiveRule) {
	t.Helper()
	var out struct {
		PublicIP string             `json:"public_ip"`
		Rules    []fw.EffectiveRule `json:"rules"`
	}
	if err := json.Unmarshal([]byte(netemu(t, "--lab", lab, "sg", instance, "-o", "json")), &out); err != nil {
		t.Fatalf("netemu sg %s -o json: %v", instance, err)
	}
	if out.PublicIP != "" {
		pub = netip.MustParseAddr(out.PublicIP)
	}
	return pub, out.Rules
}

// awsTCP connects from node to addr:port with socat and returns what the
// server sent first, or an error whose text says "timed out" (dropped) or
// "refused".
func awsTCP(t *testing.T, lab, node string, addr netip.Addr, port string) (string, error) {
	t.Helper()
	out, errs, err := runNetemu(t, "--lab", lab, "exec", node, "--",
		"socat", "-T3", "-", "TCP:"+addr.String()+":"+port+",connect-timeout=3")
	if err != nil {
		return out, &awsErr{err: err, stderr: errs}
	}
	return out, nil
}

type awsErr struct {
	err    error
	stderr string
}

func (e *awsErr) Error() string { return e.err.Error() + ": " + strings.TrimSpace(e.stderr) }

func awsBanner(t *testing.T, lab, node string, addr netip.Addr, port, want string) func() error {
	return func() error {
		out, err := awsTCP(t, lab, node, addr, port)
		if err != nil {
			return err
		}
		if !strings.Contains(out, want) {
			return &awsErr{err: errNoBanner, stderr: out}
		}
		return nil
	}
}

var errNoBanner = errors.New("unexpected answer")

func TestAWSSeedStatic(t *testing.T) {
	labtest.RequireRoot(t)
	file, _ := labtest.ExampleFile(t, "aws-ssh-static", "awsseed")
	lab := upLab(t, file)

	webPub, _ := awsSG(t, lab, "web")
	dbPub, _ := awsSG(t, lab, "db")
	if !webPub.IsValid() || !dbPub.IsValid() {
		t.Fatalf("public IPs: web %s, db %s", webPub, dbPub)
	}
	mac := netip.MustParseAddr("198.51.100.2")
	webIP, dbIP := netip.MustParseAddr("10.0.1.10"), netip.MustParseAddr("10.0.1.20")
	if table := netemu(t, "status", "--lab", lab); !strings.Contains(table, webPub.String()) || !strings.Contains(table, dbPub.String()) {
		t.Errorf("status does not show the public IPs %s, %s:\n%s", webPub, dbPub, table)
	}

	// An unused address of the public pool ends at the gateway, which
	// drops it as AWS does, rather than bouncing it to the edge and back.
	// trace exits 1 when the destination is not reached.
	if out, errs, err := runNetemu(t, "--lab", lab, "trace", "mac", "203.0.113.200"); err == nil || !strings.Contains(out, "blackhole (prod-igw drops it") {
		t.Errorf("trace to an unused public IP (err %v):\n%s%s", err, out, errs)
	}

	// mac → web:22 over the Internet, through the gateway's 1:1 NAT.
	labtest.Eventually(t, 30*time.Second, labtest.Named("mac -> web public :22", awsBanner(t, lab, "mac", webPub, "22", "SSH-2.0")))

	// web's sshd sees mac's own address.
	hold := exec.Command(buildNetemu(t), "--lab", lab, "exec", "mac", "--",
		"socat", "-T20", "-", "TCP:"+webPub.String()+":22,connect-timeout=3")
	stdin, err := hold.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := hold.Start(); err != nil {
		t.Fatal(err)
	}
	labtest.Eventually(t, 30*time.Second, labtest.Named("web sees mac's address", func() error {
		out := execIn(t, lab, "web", "ss", "-Htn", "state", "established", "( sport = :22 )")
		if !strings.Contains(out, mac.String()+":") {
			return &awsErr{err: errNoBanner, stderr: "web's established connections: " + out}
		}
		return nil
	}))
	stdin.Close()
	_ = hold.Wait()

	// Internet → db:3306 is dropped (times out), not refused.
	if _, err := awsTCP(t, lab, "mac", dbPub, "3306"); err == nil {
		t.Error("mac reached db's public IP on 3306")
	} else if strings.Contains(err.Error(), "refused") {
		t.Errorf("mac -> db:3306 refused, want dropped: %v", err)
	}
	// web → db's private IP on 3306: MariaDB's greeting.
	labtest.Eventually(t, 30*time.Second, labtest.Named("web -> db private :3306", awsBanner(t, lab, "web", dbIP, "3306", "MariaDB")))

	// ICMP follows the rules.
	execIn(t, lab, "mac", "ping", "-c1", "-W2", webPub.String())
	execIn(t, lab, "web", "ping", "-c1", "-W2", dbIP.String())
	if _, err := execErr(t, lab, "mac", "ping", "-c1", "-W2", dbPub.String()); err == nil {
		t.Error("mac pings db: db-sg allows ICMP only from web-sg")
	}

	// Root inside db cannot open it: the rules are in the VPC router.
	for _, b := range []string{"iptables-nft", "iptables-legacy"} {
		_, _ = execErr(t, lab, "db", b, "-F")
		_, _ = execErr(t, lab, "db", b, "-P", "INPUT", "ACCEPT")
	}
	if _, err := awsTCP(t, lab, "mac", dbPub, "3306"); err == nil {
		t.Error("after iptables -F inside db, mac reaches db:3306")
	}

	// The instances never carry their public IP.
	for _, n := range []string{"web", "db"} {
		if out := execIn(t, lab, n, "ip", "-4", "addr"); strings.Contains(out, "203.0.113.") {
			t.Errorf("%s carries a public address:\n%s", n, out)
		}
	}

	// `netemu sg db` shows which rule let web in and that mac was dropped.
	_, rules := awsSG(t, lab, "db")
	var drops, allowed uint64
	for _, r := range rules {
		switch {
		case r.Kind == "drop" && r.Direction == "ingress":
			drops = r.Packets
		case r.Kind == "sg" && r.Group == "db-sg" && r.Number == 1 && strings.Contains(r.Rule, webIP.String()):
			allowed = r.Packets
		}
	}
	if drops == 0 || allowed == 0 {
		t.Errorf("sg db: ingress drop counted %d, db-sg #1 from web counted %d; both must be > 0: %+v", drops, allowed, rules)
	}
	if table := netemu(t, "--lab", lab, "sg", "db"); !strings.Contains(table, "no rule matched: drop") {
		t.Errorf("sg table:\n%s", table)
	}

	// Stop/start: web's auto public IP changes, db's Elastic IP stays.
	if out := netemu(t, "--lab", lab, "instance", "stop", "web"); !strings.Contains(out, "released") {
		t.Errorf("instance stop web said %q", out)
	}
	if _, err := awsTCP(t, lab, "mac", webPub, "22"); err == nil {
		t.Error("stopped web still answers on its old public IP")
	}
	if out := netemu(t, "--lab", lab, "instance", "stop", "db"); !strings.Contains(out, "Elastic IP "+dbPub.String()+" kept") {
		t.Errorf("instance stop db said %q", out)
	}
	out := netemu(t, "--lab", lab, "instance", "start", "web")
	newPub, _ := awsSG(t, lab, "web")
	if newPub == webPub || !newPub.IsValid() || !strings.Contains(out, newPub.String()) {
		t.Errorf("web restarted with %s (said %q), had %s: want a new address, printed", newPub, out, webPub)
	}
	netemu(t, "--lab", lab, "instance", "start", "db")
	if eip, _ := awsSG(t, lab, "db"); eip != dbPub {
		t.Errorf("db's Elastic IP %s became %s", dbPub, eip)
	}
	labtest.Eventually(t, 30*time.Second, labtest.Named("mac -> web's new public IP :22", awsBanner(t, lab, "mac", newPub, "22", "SSH-2.0")))
	labtest.Eventually(t, 30*time.Second, labtest.Named("web -> db :3306 after restarts", awsBanner(t, lab, "web", dbIP, "3306", "MariaDB")))
	if _, err := awsTCP(t, lab, "mac", webPub, "22"); err == nil {
		t.Errorf("web's released address %s still reaches web", webPub)
	}
}

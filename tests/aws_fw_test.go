package tests

// Root tests of the AWS half on namespaces built here by hand from
// fwtest.Lab (no builder, no CLI): fw's rulesets, NAT and route tables
// applied for real, real TCP listeners (socat) and ping.

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/fw/fwtest"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

func awsRequireRoot(t *testing.T) {
	t.Helper()
	labtest.RequireRoot(t)
	for _, p := range []string{"ip", "socat", "ping", "nsenter"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("needs %s: %v", p, err)
		}
	}
}

func awsNS(lab, node string) string { return labpath.NetnsName(lab, node) }

// awsBuild builds the lab's namespaces, links, addresses and routes with
// ip(8), the way the builder does, and removes them (and every process in
// them) when the test ends.
func awsBuild(t *testing.T, lab *topo.Lab) {
	t.Helper()
	net := labtest.NewNet(t, lab.Name)
	for _, n := range lab.Nodes {
		net.Node(n.Name, n.Forwarding)
	}
	for _, k := range lab.Links {
		net.Link(k.A.Node, k.A.Iface, "", k.B.Node, k.B.Iface, "")
	}
	for _, n := range lab.Nodes {
		for _, i := range n.Interfaces {
			if i.HostRoute {
				net.IP(n.Name, "addr", "add", i.Addr.String(), "dev", i.Name, "noprefixroute")
				net.Run(n.Name, "sysctl", "-qw", "net.ipv4.conf."+i.Name+".proxy_arp=1")
				peer := lab.Node(i.Peer).Interface(i.PeerIface).Addr.Addr()
				net.IP(n.Name, "route", "add", peer.String()+"/32", "dev", i.Name)
			} else {
				net.IP(n.Name, "addr", "add", i.Addr.String(), "dev", i.Name)
			}
		}
	}
	for _, n := range lab.Nodes {
		for _, r := range n.Routes {
			net.IP(n.Name, "route", "add", r.To.String(), "via", r.Via.String())
		}
	}
}

// awsListen starts a TCP listener inside a node that answers every
// connection with "<node> saw <peer address>".
func awsListen(t *testing.T, lab, node string, port int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", awsNS(lab, node), "socat",
		fmt.Sprintf("TCP-LISTEN:%d,reuseaddr,fork", port), "SYSTEM:echo "+node+" saw $SOCAT_PEERADDR")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	labtest.Eventually(t, 10*time.Second, labtest.Until(fmt.Sprintf("listener on %s:%d", node, port), func() bool {
		out, _ := exec.Command("ip", "netns", "exec", awsNS(lab, node), "ss", "-Hltn", fmt.Sprintf("sport = :%d", port)).Output()
		return strings.Contains(string(out), "LISTEN")
	}))
}

// awsConnect connects from a node and returns what the server said, or the
// error text ("timed out" when dropped, "refused" when refused).
func awsConnect(t *testing.T, lab, from string, to netip.Addr, port int) (string, error) {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", awsNS(lab, from), "socat", "-T2", "-",
		fmt.Sprintf("TCP:%s:%d,connect-timeout=2", to, port))
	cmd.Stdin = strings.NewReader("")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

func awsPing(lab, from string, to netip.Addr) error {
	out, err := exec.Command("ip", "netns", "exec", awsNS(lab, from), "ping", "-c1", "-W2", to.String()).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

func TestAWSFirewallHandBuilt(t *testing.T) {
	awsRequireRoot(t)
	lab := fwtest.Lab(fmt.Sprintf("awsfw%d", os.Getpid()%100000))
	awsBuild(t, lab)
	ns := func(node string) string { return labpath.NetnsPath(lab.Name, node) }
	log := hclog.NewNullLogger()
	ctx := context.Background()
	st := fw.NewState()
	if err := fw.Up(ctx, lab, st, func(string) bool { return true }, ns, log); err != nil {
		t.Fatal(err)
	}
	webPub, dbPub := st.PublicIP("web"), st.PublicIP("db")
	macIP := lab.Node("mac").Interfaces[0].Addr.Addr()
	webIP, dbIP := lab.Node("web").Instance.PrivateIP, lab.Node("db").Instance.PrivateIP
	t.Logf("web %s -> %s, db %s -> %s (Elastic)", webIP, webPub, dbIP, dbPub)

	awsListen(t, lab.Name, "web", 22)
	awsListen(t, lab.Name, "db", 3306)
	awsListen(t, lab.Name, "db", 22)
	awsListen(t, lab.Name, "mac", 80)
	awsListen(t, lab.Name, "app", 22)
	appIP := lab.Node("app").Instance.PrivateIP

	t.Run("internet to web ssh connects, client address preserved", func(t *testing.T) {
		got, err := awsConnect(t, lab.Name, "mac", webPub, 22)
		if err != nil {
			t.Fatalf("mac -> web %s:22: %v", webPub, err)
		}
		if want := "web saw " + macIP.String(); !strings.HasPrefix(got, want) {
			t.Errorf("web's listener said %q, want %q (1:1 NAT must keep the client's address)", got, want)
		}
	})
	t.Run("internet to db 3306 is dropped, not refused", func(t *testing.T) {
		_, err := awsConnect(t, lab.Name, "mac", dbPub, 3306)
		if err == nil {
			t.Fatal("mac reached db's public IP on 3306")
		}
		if strings.Contains(err.Error(), "refused") {
			t.Fatalf("refused, want dropped: %v", err)
		}
	})
	t.Run("web to db private 3306 connects", func(t *testing.T) {
		got, err := awsConnect(t, lab.Name, "web", dbIP, 3306)
		if err != nil {
			t.Fatal(err)
		}
		if want := "db saw " + webIP.String(); !strings.HasPrefix(got, want) {
			t.Errorf("db said %q, want %q", got, want)
		}
	})
	t.Run("web leaves with its public IP", func(t *testing.T) {
		got, err := awsConnect(t, lab.Name, "web", macIP, 80)
		if err != nil {
			t.Fatal(err)
		}
		if want := "mac saw " + webPub.String(); !strings.HasPrefix(got, want) {
			t.Errorf("mac said %q, want %q", got, want)
		}
	})
	t.Run("hairpin through the gateway", func(t *testing.T) {
		// To a public IP of the VPC, traffic goes out through the gateway
		// and comes back translated both ways, as on AWS: the server sees
		// the client's public IP.
		got, err := awsConnect(t, lab.Name, "web", webPub, 22)
		if err != nil {
			t.Fatalf("web -> its own public IP: %v", err)
		}
		if want := "web saw " + webPub.String(); !strings.HasPrefix(got, want) {
			t.Errorf("web said %q, want %q", got, want)
		}
		// So a rule referencing web-sg (private IPs) does not match it.
		if _, err := awsConnect(t, lab.Name, "web", dbPub, 3306); err == nil {
			t.Error("web reached db:3306 through db's public IP: db-sg admits web-sg's private IPs only")
		}
	})
	t.Run("icmp follows the rules", func(t *testing.T) {
		if err := awsPing(lab.Name, "mac", webPub); err != nil {
			t.Errorf("mac ping web (web-sg allows icmp from anywhere): %v", err)
		}
		if err := awsPing(lab.Name, "mac", dbPub); err == nil {
			t.Error("mac ping db answered: db-sg allows icmp only from web-sg")
		}
		if err := awsPing(lab.Name, "web", dbIP); err != nil {
			t.Errorf("web ping db: %v", err)
		}
	})
	t.Run("private subnet: no Internet route, network ACL in number order", func(t *testing.T) {
		if err := awsPing(lab.Name, "app", macIP); err == nil {
			t.Error("app (private subnet) reached the Internet")
		}
		// app is in web-sg and app-sg allows 3306 to db-sg: inside the VPC
		// it works.
		if _, err := awsConnect(t, lab.Name, "app", dbIP, 3306); err != nil {
			t.Errorf("app -> db 3306: %v", err)
		}
		// priv-acl #100 denies ssh from db into the private subnet, #200
		// allows the rest of the VPC: numbered order, before the SGs (app is
		// in web-sg, which allows 22 from anywhere).
		if _, err := awsConnect(t, lab.Name, "web", appIP, 22); err != nil {
			t.Errorf("web -> app:22 (ACL #200 allows): %v", err)
		}
		if _, err := awsConnect(t, lab.Name, "db", appIP, 22); err == nil {
			t.Error("db -> app:22 connected: ACL #100 denies it")
		}
		out, err := exec.Command("ip", "-n", awsNS(lab.Name, "prod-router"), "rule").Output()
		if err != nil || !strings.Contains(string(out), "from 10.0.2.0/24 lookup 102") {
			t.Errorf("ip rule in the VPC router: %v\n%s", err, out)
		}
	})
	t.Run("iptables -F inside db opens nothing", func(t *testing.T) {
		for _, b := range []string{"iptables-nft", "iptables-legacy"} {
			if p, err := exec.LookPath(b); err == nil {
				_ = exec.Command("ip", "netns", "exec", awsNS(lab.Name, "db"), p, "-F").Run()
			}
		}
		if _, err := awsConnect(t, lab.Name, "mac", dbPub, 3306); err == nil {
			t.Fatal("after iptables -F in db, mac reaches db:3306")
		}
	})
	t.Run("sg counters show the drop", func(t *testing.T) {
		save, err := fw.Save(ctx, st.Backend, ns("prod-router"), "filter")
		if err != nil {
			t.Fatal(err)
		}
		counters, err := fw.ParseCounters(save, "filter")
		if err != nil {
			t.Fatal(err)
		}
		rules, err := fw.Effective(lab, st, "db", counters)
		if err != nil {
			t.Fatal(err)
		}
		var drop, allow3306 uint64
		for _, r := range rules {
			if r.Kind == "drop" && r.Direction == "ingress" {
				drop = r.Packets
			}
			if r.Kind == "sg" && r.Group == "db-sg" && r.Number == 1 {
				allow3306 += r.Packets
			}
		}
		if drop == 0 || allow3306 == 0 {
			t.Errorf("db ingress drop counter %d, db-sg #1 counter %d: both must have counted", drop, allow3306)
		}
	})
	t.Run("instances never carry the public IP", func(t *testing.T) {
		for _, n := range []string{"web", "db"} {
			out := labtest.Cmd(t, "ip", "-n", awsNS(lab.Name, n), "-4", "addr")
			if strings.Contains(out, "203.0.113.") {
				t.Errorf("%s carries a public address:\n%s", n, out)
			}
		}
	})
	t.Run("stop start changes auto IP keeps Elastic IP", func(t *testing.T) {
		if err := fw.StopInstance(ctx, lab, st, "web", ns, log); err != nil {
			t.Fatal(err)
		}
		if _, err := awsConnect(t, lab.Name, "mac", webPub, 22); err == nil {
			t.Error("stopped web still answers on its old public IP")
		}
		// With web stopped, web-sg has no member: db's rules follow.
		if _, err := awsConnect(t, lab.Name, "app", dbIP, 3306); err != nil {
			t.Errorf("app is still in web-sg, app -> db must work: %v", err)
		}
		if err := fw.StopInstance(ctx, lab, st, "db", ns, log); err != nil {
			t.Fatal(err)
		}
		newPub, err := fw.StartInstance(ctx, lab, st, "web", ns, log)
		if err != nil {
			t.Fatal(err)
		}
		if newPub == webPub || !newPub.IsValid() {
			t.Errorf("web restarted with %s, old %s: want a different address", newPub, webPub)
		}
		eip, err := fw.StartInstance(ctx, lab, st, "db", ns, log)
		if err != nil {
			t.Fatal(err)
		}
		if eip != dbPub {
			t.Errorf("db's Elastic IP %s became %s", dbPub, eip)
		}
		got, err := awsConnect(t, lab.Name, "mac", newPub, 22)
		if err != nil {
			t.Fatalf("mac -> web's new public IP %s: %v", newPub, err)
		}
		if !strings.HasPrefix(got, "web saw "+macIP.String()) {
			t.Errorf("web said %q", got)
		}
		if _, err := awsConnect(t, lab.Name, "web", dbIP, 3306); err != nil {
			t.Errorf("after restarts, web -> db 3306: %v", err)
		}
	})
}

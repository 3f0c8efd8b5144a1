package svc

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/netemu/netemu/topo"
)

const vpcLab = `
lab "t" { region = "%s" }
autonomous_system "aws" {
  asn = 16509
  igp = "static"
}
router "edge" { as = "aws" }
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "edge"
  public_ip_pool = "203.0.113.128/25"
}
subnet "public" {
  cidr   = "10.0.1.0/24"
  public = true
}
subnet "private" { cidr = "10.0.2.0/24" }
instance "web" {
  subnet          = "public"
  private_ip      = "10.0.1.10"
  security_groups = []
  user_data       = "#!/bin/sh\n"
}
instance "db" {
  subnet     = "private"
  private_ip = "10.0.2.20"
  imds       = "v1"
}
`

func loadVPCLab(t *testing.T, region string) *topo.Lab {
	t.Helper()
	lab, err := topo.Parse([]byte(strings.ReplaceAll(vpcLab, "%s", region)), "t.hcl")
	if err != nil {
		t.Fatal(err)
	}
	return lab
}

func webOnly(name string) netip.Addr {
	if name == "web" {
		return netip.MustParseAddr("203.0.113.129")
	}
	return netip.Addr{}
}

func TestDHCPConf(t *testing.T) {
	lab := loadVPCLab(t, "us-east-1")
	v := lab.VPCs[0]
	got := DHCPConf(lab, v, lab.Node(v.Router), "/l", "/p")
	for _, want := range []string{
		"port=0\n", // no DNS in this dnsmasq
		"dhcp-range=set:public,10.0.1.0,static,255.255.255.0,3600\n",
		"dhcp-range=set:private,10.0.2.0,static,255.255.255.0,3600\n",
		"dhcp-option=option:dns-server,10.0.0.2\n",
		"dhcp-option=option:domain-name,ec2.internal\n",
		"dhcp-host=0e:00:0a:00:01:0a,10.0.1.10,ip-10-0-1-10\n",
		"dhcp-host=0e:00:0a:00:02:14,10.0.2.20,ip-10-0-2-20\n",
		"dhcp-leasefile=/l\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("DHCPConf lacks %q:\n%s", want, got)
		}
	}
	// One interface line per instance port of the router.
	if n := strings.Count(got, "\ninterface=eth"); n != 2 {
		t.Errorf("%d interface lines, want 2:\n%s", n, got)
	}
	if other := DHCPConf(loadVPCLab(t, "eu-west-3"), v, lab.Node(v.Router), "/l", "/p"); !strings.Contains(other, "option:domain-name,eu-west-3.compute.internal\n") {
		t.Errorf("eu-west-3 domain:\n%s", other)
	}
}

func TestNames(t *testing.T) {
	lab := loadVPCLab(t, "us-east-1")
	v := lab.VPCs[0]
	priv := PrivateHosts(lab, v, webOnly)
	for _, want := range []string{
		"10.0.1.10\tip-10-0-1-10.ec2.internal ip-10-0-1-10 ec2-203-0-113-129.compute-1.amazonaws.com\n",
		"10.0.2.20\tip-10-0-2-20.ec2.internal ip-10-0-2-20\n",
	} {
		if !strings.Contains(priv, want) {
			t.Errorf("PrivateHosts lacks %q:\n%s", want, priv)
		}
	}
	pub := PublicHosts(lab, webOnly)
	if !strings.Contains(pub, "203.0.113.129\tec2-203-0-113-129.compute-1.amazonaws.com\n") || strings.Contains(pub, "10.0.") {
		t.Errorf("PublicHosts:\n%s", pub)
	}
	// Stopped (no public IP): no public name anywhere.
	none := func(string) netip.Addr { return netip.Addr{} }
	if p := PublicHosts(lab, none); strings.Contains(p, "amazonaws") {
		t.Errorf("PublicHosts of stopped instances:\n%s", p)
	}
	res := ResolverConf([]netip.Addr{topo.VPCResolver(v), topo.ResolverLinkLocal}, []string{"ec2.internal", publicDomain(lab.Region)}, "/h", "/p")
	for _, want := range []string{"listen-address=10.0.0.2\n", "listen-address=169.254.169.253\n", "local=/ec2.internal/\n",
		"local=/compute-1.amazonaws.com/\n", "no-resolv\n", "addn-hosts=/h\n", "bind-interfaces\n"} {
		if !strings.Contains(res, want) {
			t.Errorf("ResolverConf lacks %q:\n%s", want, res)
		}
	}
	if d := publicDomain("eu-west-3"); d != "eu-west-3.compute.amazonaws.com" {
		t.Errorf("publicDomain(eu-west-3) = %q", d)
	}
	if h := HostResolvConf(lab); !strings.Contains(h, "nameserver 203.0.113.128\n") {
		t.Errorf("HostResolvConf:\n%s", h)
	}
}

func TestIMDSConfig(t *testing.T) {
	lab := loadVPCLab(t, "us-east-1")
	cfg := IMDSConfig(lab, lab.VPCs[0], webOnly)
	if cfg.Listen != "169.254.169.254:80" {
		t.Errorf("listen %q", cfg.Listen)
	}
	web, db := cfg.Instances["10.0.1.10"], cfg.Instances["10.0.2.20"]
	if web.PublicIPv4 != "203.0.113.129" || web.PublicHostname != "ec2-203-0-113-129.compute-1.amazonaws.com" ||
		web.LocalHostname != "ip-10-0-1-10.ec2.internal" || web.IMDS != "v2" || web.UserData != "#!/bin/sh\n" ||
		web.AvailabilityZone != "us-east-1a" || web.MAC != "0e:00:0a:00:01:0a" || web.InstanceID != topo.InstanceID("t", "web") {
		t.Errorf("web: %+v", web)
	}
	if db.PublicIPv4 != "" || db.PublicHostname != "" || db.IMDS != "v1" {
		t.Errorf("db: %+v", db)
	}
}

func TestChronyConfs(t *testing.T) {
	lab := loadVPCLab(t, "us-east-1")
	srv := ChronyServerConf(lab.VPCs[0], "/p")
	for _, want := range []string{"bindaddress 169.254.169.123\n", "allow 10.0.0.0/16\n", "local stratum 3\n", "cmdport 0\n", "bindcmdaddress /\n"} {
		if !strings.Contains(srv, want) {
			t.Errorf("server conf lacks %q:\n%s", want, srv)
		}
	}
	cl := ChronyClientConf()
	for _, want := range []string{"server 169.254.169.123 prefer iburst", "bindcmdaddress 127.0.0.1\n", "cmdport 323\n"} {
		if !strings.Contains(cl, want) {
			t.Errorf("client conf lacks %q:\n%s", want, cl)
		}
	}
}

func TestHasDefaultRoute(t *testing.T) {
	const table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
		"eth0\t00000000\t0101000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n" +
		"eth0\t0001000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
	if !HasDefaultRoute(table, "eth0") || HasDefaultRoute(table, "eth1") {
		t.Error("default route via eth0 not recognised")
	}
	if HasDefaultRoute(strings.SplitN(table, "\n", 2)[0], "eth0") {
		t.Error("header only has no default route")
	}
}

func TestAccountsWheel(t *testing.T) {
	vf, err := BuildAccounts("root:x:0:0:root:/root:/bin/bash\n", "root:x:0:\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(vf.Group, "\nwheel:x:1001:ec2-user\n") {
		t.Errorf("group lacks wheel with ec2-user:\n%s", vf.Group)
	}
	vf, err = BuildAccounts("root:x:0:0:root:/root:/bin/bash\n", "root:x:0:\nwheel:x:10:alice\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(vf.Group, "wheel:x:10:alice,ec2-user\n") || strings.Count(vf.Group, "wheel:") != 1 {
		t.Errorf("existing wheel not extended:\n%s", vf.Group)
	}
	if s := Sudoers(); !strings.Contains(s, "ec2-user ALL=(ALL) NOPASSWD:ALL\n") || !strings.Contains(s, "%wheel ALL=(ALL) NOPASSWD: ALL\n") {
		t.Errorf("sudoers:\n%s", s)
	}
}

func TestSendmailMC(t *testing.T) {
	mc := SendmailMC("/cf", "/ml")
	for _, want := range []string{"include(`/cf/m4/cf.m4')", "Addr=127.0.0.1')", "LOCAL_MAILER_PATH', `/ml')", "confREFUSE_LA', `1000')"} {
		if !strings.Contains(mc, want) {
			t.Errorf("sendmail.mc lacks %q:\n%s", want, mc)
		}
	}
}

func TestBoundUDPPorts(t *testing.T) {
	const udp = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n" +
		"  1: 00000000:0043 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0000000000000000 0\n" +
		"  2: 7BA9FEA9:007B 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0000000000000000 0\n" +
		"  3: 0A01000A:9C40 7BA9FEA9:007B 01 00000000:00000000 00:00000000 00000000     0        0 1 2 0000000000000000 0\n"
	got := BoundUDPPorts(udp)
	if !got[67] || !got[123] || got[40000] || len(got) != 2 {
		t.Errorf("BoundUDPPorts = %v, want 67 and 123 (not the connected 40000)", got)
	}
}

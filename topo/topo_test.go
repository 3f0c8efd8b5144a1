package topo

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, src string) *Lab {
	t.Helper()
	l, err := ParseWith([]byte(src), "test.hcl", Options{LookPath: testLookPath})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return l
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

func TestAllocationDeterministicAndSkipsTaken(t *testing.T) {
	src := `
lab "alloc" {}
autonomous_system "isp" {
  asn = 64500
  prefixes = ["100.64.0.8/29"] # the allocator must skip 100.64.0.8 - .15
}
router "r1" { as = "isp" }
router "r2" {
  as = "isp"
  loopback = "100.127.0.2"
}
router "r3" { as = "isp" }
link "r1" "r2" {}
link "r2" "r3" { subnet = "100.64.0.4/30" } # explicit, inside the pool
link "r3" "r1" {}
link "r1:wan" "r3" {}
`
	l := mustParse(t, src)
	for i, want := range []string{"100.64.0.0/30", "100.64.0.4/30", "100.64.0.16/30", "100.64.0.20/30"} {
		if got := l.Links[i].Subnet; got != pfx(want) {
			t.Errorf("link %d subnet = %s, want %s", i, got, want)
		}
	}
	for name, want := range map[string]string{"r1": "100.127.0.1/32", "r2": "100.127.0.2/32", "r3": "100.127.0.3/32"} {
		if got := l.Node(name).Loopback; got != pfx(want) {
			t.Errorf("%s loopback = %s, want %s", name, got, want)
		}
		if !l.Node(name).Forwarding {
			t.Errorf("%s: Forwarding = false", name)
		}
	}
	// Interfaces: r1 gets eth0 (r1-r2), eth1 (r3-r1), wan; r3 eth0, eth1, eth2.
	r1 := l.Node("r1")
	var got []string
	for _, i := range r1.Interfaces {
		got = append(got, i.Name+"="+i.Addr.String())
	}
	want := []string{"eth0=100.64.0.1/30", "eth1=100.64.0.18/30", "wan=100.64.0.21/30"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("r1 interfaces = %v, want %v", got, want)
	}
	if i := l.Node("r3").Interface("eth2"); i == nil || i.Peer != "r1" || i.PeerIface != "wan" {
		t.Errorf("r3 eth2 = %+v, want the end of r1:wan", i)
	}
	// Same file, same model.
	l2 := mustParse(t, src)
	if !reflect.DeepEqual(l, l2) {
		t.Error("parsing the same file twice gave different models")
	}
}

func TestAutomaticNamesSkipExplicitOnes(t *testing.T) {
	l := mustParse(t, `
lab "names" {}
autonomous_system "isp" { asn = 64500 }
router "a" { as = "isp" }
router "b" { as = "isp" }
link "a" "b" {}
link "a" "b:eth0" {}
link "a:eth1" "b" {}
`)
	var got []string
	for _, n := range []string{"a", "b"} {
		for _, i := range l.Node(n).Interfaces {
			got = append(got, n+":"+i.Name)
		}
	}
	want := []string{"a:eth0", "a:eth2", "a:eth1", "b:eth1", "b:eth0", "b:eth2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("interfaces = %v, want %v", got, want)
	}
}

func TestLinkAddresses(t *testing.T) {
	tests := []struct {
		subnet, a, b string
	}{
		{"192.0.2.0/30", "192.0.2.1/30", "192.0.2.2/30"},
		{"192.0.2.0/31", "192.0.2.0/31", "192.0.2.1/31"},
		{"198.51.100.0/29", "198.51.100.1/29", "198.51.100.2/29"},
		{"10.0.0.0/8", "10.0.0.1/8", "10.0.0.2/8"},
	}
	for _, tt := range tests {
		l := mustParse(t, `lab "x" {}
autonomous_system "isp" { asn = 1 }
router "r" { as = "isp" }
host "h" {}
link "r" "h" { subnet = "`+tt.subnet+`" }`)
		k := l.Links[0]
		if k.A.Addr != pfx(tt.a) || k.B.Addr != pfx(tt.b) {
			t.Errorf("subnet %s: ends %s, %s; want %s, %s", tt.subnet, k.A.Addr, k.B.Addr, tt.a, tt.b)
		}
	}
}

func TestSeedVPCExpansion(t *testing.T) {
	l, err := LoadExampleWith(Seed, Options{LookPath: testLookPath})
	if err != nil {
		t.Fatal(err)
	}
	if l.Name != "aws-ssh" || l.ClientHost != "mac" || l.TimersName != TimersFast || l.Daemons != DaemonsNetemu {
		t.Errorf("lab = %q client %q timers %q daemons %q", l.Name, l.ClientHost, l.TimersName, l.Daemons)
	}
	for _, n := range []string{"mac", "home-gw", "home-core", "transit-a", "transit-b", "aws-edge", "web", "db", "prod-igw", "prod-router"} {
		if l.Node(n) == nil {
			t.Errorf("node %q missing", n)
		}
	}
	igw, vr, edge := l.Node("prod-igw"), l.Node("prod-router"), l.Node("aws-edge")
	if igw.Kind != KindIGW || vr.Kind != KindVPCRouter || !igw.Forwarding || !vr.Forwarding || igw.VPC != "prod" || vr.VPC != "prod" {
		t.Errorf("implicit nodes: igw %+v, router %+v", igw, vr)
	}
	ei := l.LinkBetween("aws-edge", "prod-igw")
	ir := l.LinkBetween("prod-igw", "prod-router")
	if ei < 0 || ir < 0 || !l.Links[ei].Implicit || !l.Links[ir].Implicit {
		t.Fatalf("implicit links missing: %d %d", ei, ir)
	}
	if !pfx(DefaultLinkPool).Contains(l.Links[ei].Subnet.Addr()) || l.Links[ei].Subnet.Bits() != 30 {
		t.Errorf("edge-igw subnet %s not a /30 of the link pool", l.Links[ei].Subnet)
	}
	edgeAddr, igwAddr := l.Links[ei].A.Addr.Addr(), l.Links[ei].B.Addr.Addr()
	igwIn, vrAddr := l.Links[ir].A.Addr.Addr(), l.Links[ir].B.Addr.Addr()
	wantRoutes := map[string][]Route{
		"aws-edge":    {{To: pfx("203.0.113.128/25"), Via: igwAddr}},
		"prod-igw":    {{To: pfx("10.0.0.0/16"), Via: vrAddr}, {To: pfx("0.0.0.0/0"), Via: edgeAddr}},
		"prod-router": {{To: pfx("0.0.0.0/0"), Via: igwIn}},
		"web":         {{To: pfx("0.0.0.0/0"), Via: ip("10.0.1.1")}},
		"db":          {{To: pfx("0.0.0.0/0"), Via: ip("10.0.1.1")}},
		"mac":         {{To: pfx("0.0.0.0/0"), Via: ip("198.51.100.1")}},
	}
	for n, want := range wantRoutes {
		var got []Route
		for _, r := range l.Node(n).Routes {
			got = append(got, Route{To: r.To, Via: r.Via})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s routes = %v, want %v", n, got, want)
		}
	}
	_ = edge
	// One VPC port per instance; the router side is .1/24 as a host route.
	for _, inst := range []struct{ name, addr, host string }{{"web", "10.0.1.10/24", "ip-10-0-1-10"}, {"db", "10.0.1.20/24", "ip-10-0-1-20"}} {
		li := l.LinkBetween("prod-router", inst.name)
		if li < 0 {
			t.Fatalf("no port for %s", inst.name)
		}
		k := l.Links[li]
		if k.Kind != LinkVPCPort || k.A.Node != "prod-router" || k.A.Addr != pfx("10.0.1.1/24") || k.B.Addr != pfx(inst.addr) || k.Subnet != pfx("10.0.1.0/24") {
			t.Errorf("%s port = %+v", inst.name, k)
		}
		if i := vr.Interface(k.A.Iface); i == nil || !i.HostRoute {
			t.Errorf("%s: router side %q is not a host-route port", inst.name, k.A.Iface)
		}
		n := l.Node(inst.name)
		if n.Hostname != inst.host || n.Instance.PrivateIP != pfx(inst.addr).Addr() || n.Interfaces[0].Name != "eth0" {
			t.Errorf("%s: hostname %q, ip %s, iface %s", inst.name, n.Hostname, n.Instance.PrivateIP, n.Interfaces[0].Name)
		}
	}
	if e := l.ElasticIP("db-eip"); e == nil || e.Address != ip("203.0.113.254") || e.VPC != "prod" {
		t.Errorf("db-eip = %+v, want 203.0.113.254 from the top of the pool", e)
	}
	if l.Node("home-gw").Hostname != "home-gw" {
		t.Errorf("router hostname = %q", l.Node("home-gw").Hostname)
	}
	// The seed's db-sg admits only web-sg members.
	db := l.SecurityGroup("db-sg")
	if db == nil || len(db.Ingress) != 3 || db.Ingress[0].SecurityGroup != "web-sg" || db.Ingress[0].FromPort != 3306 {
		t.Errorf("db-sg = %+v", db)
	}
}

func TestPrivateIPAllocation(t *testing.T) {
	l := mustParse(t, `
lab "alloc" {}
autonomous_system "aws" { asn = 16509 }
router "edge" { as = "aws" }
vpc "v" {
  cidr = "10.0.0.0/16"
  edge = "edge"
  public_ip_pool = "203.0.113.0/28"
}
subnet "s" { cidr = "10.0.1.0/28" }
instance "a" { subnet = "s" }
instance "b" {
  subnet = "s"
  private_ip = "10.0.1.5"
}
instance "c" { subnet = "s" }
elastic_ip "e1" {}
elastic_ip "e2" { address = "203.0.113.14" }
elastic_ip "e3" {}
`)
	for n, want := range map[string]string{"a": "10.0.1.4", "b": "10.0.1.5", "c": "10.0.1.6"} {
		if got := l.Node(n).Instance.PrivateIP; got != ip(want) {
			t.Errorf("%s private ip = %s, want %s", n, got, want)
		}
	}
	for n, want := range map[string]string{"e1": "203.0.113.13", "e2": "203.0.113.14", "e3": "203.0.113.12"} {
		if got := l.ElasticIP(n).Address; got != ip(want) {
			t.Errorf("%s address = %s, want %s", n, got, want)
		}
	}
}

// TestPublicIPDefault: as AWS's map-public-ip-on-launch, an instance has a
// public IP by default only in a public subnet; public_ip or an Elastic IP
// overrides the default either way.
func TestPublicIPDefault(t *testing.T) {
	l := mustParse(t, `
lab "pub" {}
autonomous_system "aws" { asn = 16509 }
router "edge" { as = "aws" }
vpc "v" {
  cidr = "10.0.0.0/16"
  edge = "edge"
  public_ip_pool = "203.0.113.0/28"
}
subnet "pub" {
  cidr = "10.0.1.0/24"
  public = true
}
subnet "priv" { cidr = "10.0.2.0/24" }
elastic_ip "e" {}
instance "web" { subnet = "pub" }
instance "web-none" {
  subnet = "pub"
  public_ip = "none"
}
instance "app" { subnet = "priv" }
instance "app-auto" {
  subnet = "priv"
  public_ip = "auto"
}
instance "app-eip" {
  subnet = "priv"
  elastic_ip = "e"
}
`)
	for _, tc := range []struct{ node, want string }{
		{"web", PublicIPAuto},
		{"web-none", PublicIPNone},
		{"app", PublicIPNone},
		{"app-auto", PublicIPAuto},
		{"app-eip", PublicIPAuto},
	} {
		if got := l.Node(tc.node).Instance.PublicIP; got != tc.want {
			t.Errorf("%s public_ip = %q, want %q", tc.node, got, tc.want)
		}
	}
}
func TestGateways(t *testing.T) {
	tests := []struct {
		name, src string
		want      []Route
	}{
		{"one link: the other end", `host "h" {}
link "r1" "h" { subnet = "192.0.2.0/30" }`, []Route{{To: pfx("0.0.0.0/0"), Via: ip("192.0.2.1")}}},
		{"explicit gateway", `host "h" { gateway = "192.0.2.5" }
link "h" "r1" { subnet = "192.0.2.0/30" }
link "r2" "h" { subnet = "192.0.2.4/30" }`, []Route{{To: pfx("0.0.0.0/0"), Via: ip("192.0.2.5")}}},
		{"two links, no gateway: none", `host "h" {}
link "h" "r1" {}
link "h" "r2" {}`, nil},
		{"explicit default route wins", `host "h" {
  route {
    to = "0.0.0.0/0"
    via = "192.0.2.1"
  }
  route {
    to = "10.0.0.0/8"
    via = "192.0.2.1"
  }
}
link "r1" "h" { subnet = "192.0.2.0/30" }`, []Route{{To: pfx("0.0.0.0/0"), Via: ip("192.0.2.1")}, {To: pfx("10.0.0.0/8"), Via: ip("192.0.2.1")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := mustParse(t, `lab "gw" {}
autonomous_system "isp" { asn = 64500 }
router "r1" { as = "isp" }
router "r2" { as = "isp" }
`+tt.src)
			var got []Route
			for _, r := range l.Node("h").Routes {
				got = append(got, Route{To: r.To, Via: r.Via})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("routes = %v, want %v", got, tt.want)
			}
			if l.ClientHost != "h" {
				t.Errorf("ClientHost = %q, want the first host", l.ClientHost)
			}
		})
	}
}

func TestTimers(t *testing.T) {
	tests := []struct {
		src  string
		name string
		want Timers
	}{
		{`lab "t" {}`, TimersRFC, Timers{30 * time.Second, 180 * time.Second, 120 * time.Second, 90 * time.Second, 30 * time.Second, 120 * time.Second}},
		{`lab "t" { timers = "rfc" }`, TimersRFC, Timers{30 * time.Second, 180 * time.Second, 120 * time.Second, 90 * time.Second, 30 * time.Second, 120 * time.Second}},
		{`lab "t" { timers = "fast" }`, TimersFast, Timers{5 * time.Second, 30 * time.Second, 20 * time.Second, 9 * time.Second, 3 * time.Second, 2 * time.Second}},
	}
	for _, tt := range tests {
		l := mustParse(t, tt.src)
		if l.TimersName != tt.name || l.Timers != tt.want {
			t.Errorf("%s: %s %+v, want %s %+v", tt.src, l.TimersName, l.Timers, tt.name, tt.want)
		}
		if l.Daemons != DaemonsNetemu || l.ClientHost != "" {
			t.Errorf("%s: daemons %q client %q", tt.src, l.Daemons, l.ClientHost)
		}
	}
}

func TestLinkAttributes(t *testing.T) {
	l := mustParse(t, `lab "attrs" {}
autonomous_system "a" { asn = 1 }
autonomous_system "b" { asn = 2 }
router "a1" { as = "a" }
router "b1" {
  as = "b"
  bgp {
    neighbor "a1" { import = "in" }
    neighbor "192.0.2.200" {
      asn = 65000
      passive = true
    }
  }
}
link "a1" "b1" {
  bandwidth = "100mbit"
  delay = "10ms"
  loss = 0.5
  relationship = "customer"
  igp = true
}
policy "in" {
  term "t" {
    community = "65000:1"
    set_local_pref = 200
    action = "next"
  }
}
`)
	k := l.Links[0]
	if k.Bandwidth != 100_000_000 || k.Delay != 10*time.Millisecond || k.Loss != 0.5 || k.Relationship != "customer" || !k.IGP {
		t.Errorf("link = %+v", k)
	}
	nb := l.Node("b1").BGPNeighbors
	if len(nb) != 2 || nb[0].Peer != "a1" || nb[0].ASN != 1 || nb[0].Import != "in" || nb[1].Address != ip("192.0.2.200") || nb[1].ASN != 65000 || !nb[1].Passive {
		t.Errorf("neighbors = %+v %+v", nb[0], nb[1])
	}
	p := l.Policies[0]
	if p.Default != "accept" || p.Terms[0].Action != "next" || p.Terms[0].SetLocalPref == nil || *p.Terms[0].SetLocalPref != 200 {
		t.Errorf("policy = %+v", p)
	}
}

func TestParseBandwidth(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"100mbit", 100e6, true}, {"1gbit", 1e9, true}, {"500kbit", 500e3, true}, {"64000", 64000, true},
		{"1.5Gbit", 1.5e9, true}, {"10bit", 10, true}, {"fast", 0, false}, {"", 0, false}, {"-1mbit", 0, false},
		{"0mbit", 0, false}, {"1e3kbit", 0, false}, {"mbit", 0, false},
	}
	for _, tt := range tests {
		got, prob := parseBandwidth(tt.in)
		if (prob == "") != tt.ok || got != tt.want {
			t.Errorf("parseBandwidth(%q) = %d, %q; want %d ok=%v", tt.in, got, prob, tt.want, tt.ok)
		}
	}
}

func TestParsePorts(t *testing.T) {
	tests := []struct {
		in       string
		from, to uint16
		ok       bool
	}{
		{"22", 22, 22, true}, {"1024-65535", 1024, 65535, true}, {"0", 0, 0, false}, {"65536", 0, 0, false},
		{"20-10", 0, 0, false}, {"ssh", 0, 0, false}, {"1-", 0, 0, false},
	}
	for _, tt := range tests {
		from, to, prob := parsePorts(tt.in)
		if (prob == "") != tt.ok || (tt.ok && (from != tt.from || to != tt.to)) {
			t.Errorf("parsePorts(%q) = %d-%d %q", tt.in, from, to, prob)
		}
	}
}

func TestCheckCommunity(t *testing.T) {
	for _, c := range []string{"64500:100", "0:0", "65535:65535", "no-export", "no-advertise", "no-export-subconfed", "4200000000:1:2"} {
		if p := checkCommunity(c); p != "" {
			t.Errorf("checkCommunity(%q) = %q, want ok", c, p)
		}
	}
	for _, c := range []string{"65536:1", "1", "a:b", "1:2:3:4", "", "NO_EXPORT"} {
		if p := checkCommunity(c); p == "" {
			t.Errorf("checkCommunity(%q) accepted", c)
		}
	}
}

func TestDiagErrorRendersAll(t *testing.T) {
	_, err := ParseWith([]byte("lab \"x\" {}\nrouter \"a\" {}\nrouter \"b\" {}\n"), "two.hcl", Options{LookPath: testLookPath})
	if err == nil {
		t.Fatal("no error")
	}
	s := err.Error()
	if strings.Count(s, "Missing AS") != 2 || !strings.Contains(s, "two.hcl:2:8: error") || !strings.Contains(s, "two.hcl:3:8: error") {
		t.Errorf("rendered:\n%s", s)
	}
}

// TestReferenceFile parses the language reference (every block and
// attribute once) and spot-checks what each turned into.
func TestReferenceFile(t *testing.T) {
	l, err := LoadWith("testdata/good/reference.hcl", Options{LookPath: testLookPath})
	if err != nil {
		t.Fatal(err)
	}
	checkModel(t, l)
	if l.VXLANPort != 4789 || l.ClientHost != "mac" || l.TimersName != TimersFast {
		t.Errorf("lab: vxlan_port %d client %q timers %q", l.VXLANPort, l.ClientHost, l.TimersName)
	}
	if a := l.AS("home-isp"); a.RIPAuth == nil || a.RIPAuth.Type != "md5" || a.RIPAuth.KeyID != 1 || a.IGP != IGPRIP {
		t.Errorf("home-isp = %+v", a)
	}
	gw := l.Node("home-gw")
	if gw.Interface("wan0") == nil || gw.Machine != "m1" || gw.Placed || len(gw.BGPNeighbors) != 2 {
		t.Errorf("home-gw = %+v", gw)
	}
	if p := l.Node("mac").Processes; len(p) != 1 || p[0].Env["LANG"] != "C" || p[0].User != "nobody" {
		t.Errorf("mac processes = %+v", p)
	}
	web := l.Node("web")
	if web.Machine != "m2" || len(web.Services) != 2 || web.Instance.KeyPair != "my-key" {
		t.Errorf("web = %+v", web)
	}
	if db := l.Node("db"); db.Instance.PrivateIP != ip("10.0.1.4") || db.Machine != l.Node("aws-edge").Machine || !db.Placed {
		t.Errorf("db = %+v on %s, edge on %s", db.Instance, db.Machine, l.Node("aws-edge").Machine)
	}
	if s := l.Subnet("public"); s.NetworkACL != "public-acl" || !s.Public {
		t.Errorf("subnet = %+v", s)
	}
	sg := l.SecurityGroup("web-sg")
	if len(sg.Ingress) != 3 || len(sg.Ingress[1].CIDRs) != 2 || sg.Ingress[1].FromPort != 1024 || len(sg.Egress) != 1 {
		t.Errorf("web-sg = %+v", sg)
	}
	if pl := l.PrefixLists[0].Entries[0]; pl.GE != 24 || pl.LE != 28 {
		t.Errorf("prefix list entry = %+v", pl)
	}
	if l.Links[1].Relationship != "provider" || l.Links[2].IGP != true {
		t.Errorf("links = %+v %+v", l.Links[1], l.Links[2])
	}
}

// TestReferenceOSPFSwitch spot-checks the reference file's switch and
// OSPF blocks.
func TestReferenceOSPFSwitch(t *testing.T) {
	l, err := LoadWith("testdata/good/reference.hcl", Options{LookPath: testLookPath})
	if err != nil {
		t.Fatal(err)
	}
	sw := l.Node("campus-lan")
	if sw == nil || sw.Kind != KindSwitch || sw.Machine != "m1" {
		t.Fatalf("campus-lan = %+v", sw)
	}
	pc := l.Node("campus-pc")
	if pc.Interfaces[0].Addr.String() != "10.50.0.1/29" || len(pc.Routes) != 1 || pc.Routes[0].Via.String() != "10.50.0.6" {
		t.Errorf("campus-pc = %+v routes %+v", pc.Interfaces[0], pc.Routes)
	}
	as := l.AS("campus")
	if as.IGP != IGPOSPF || !as.OSPF.Stub(1) || as.OSPF.Auth.Key != "campus" || !as.OSPF.Redistributes(RedistributeStatic) {
		t.Errorf("campus = %+v", as.OSPF)
	}
}

// Package fwtest builds small, fully expanded VPC models by hand, the way
// topo expands a vpc block, so fw's unit and root tests do not depend on the
// language.
package fwtest

import (
	"net/netip"

	"github.com/netemu/netemu/topo"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

// Lab returns a lab named name with one client host "mac" behind the AWS
// edge router "edge", VPC "prod" (10.0.0.0/16, pool 203.0.113.128/29), a
// public subnet with web (auto public IP, web-sg) and db (Elastic IP
// db-eip, db-sg), and a private subnet "private" with app (no public IP,
// app-sg and web-sg, network ACL priv-acl).
func Lab(name string) *topo.Lab {
	l := &topo.Lab{Name: name, TimersName: "fast", Daemons: "none", ClientHost: "mac"}
	link := func(kind topo.LinkKind, a, ai, aa, b, bi, ba, subnet string) {
		l.Links = append(l.Links, &topo.Link{
			Kind:     kind,
			A:        topo.Endpoint{Node: a, Iface: ai, Addr: pfx(aa)},
			B:        topo.Endpoint{Node: b, Iface: bi, Addr: pfx(ba)},
			Subnet:   pfx(subnet),
			Implicit: kind == topo.LinkVPCPort || a == "prod-igw" || b == "prod-igw",
		})
	}
	link(topo.LinkP2P, "edge", "eth0", "198.51.100.1/30", "mac", "eth0", "198.51.100.2/30", "198.51.100.0/30")
	link(topo.LinkP2P, "edge", "eth1", "100.64.0.1/30", "prod-igw", "eth0", "100.64.0.2/30", "100.64.0.0/30")
	link(topo.LinkP2P, "prod-igw", "eth1", "100.64.0.5/30", "prod-router", "eth0", "100.64.0.6/30", "100.64.0.4/30")
	link(topo.LinkVPCPort, "prod-router", "eth1", "10.0.1.1/24", "web", "eth0", "10.0.1.10/24", "10.0.1.0/24")
	link(topo.LinkVPCPort, "prod-router", "eth2", "10.0.1.1/24", "db", "eth0", "10.0.1.20/24", "10.0.1.0/24")
	link(topo.LinkVPCPort, "prod-router", "eth3", "10.0.2.1/24", "app", "eth0", "10.0.2.10/24", "10.0.2.0/24")

	node := func(name string, kind topo.NodeKind, fwd bool) *topo.Node {
		n := &topo.Node{Name: name, Kind: kind, Hostname: name, Forwarding: fwd}
		l.Nodes = append(l.Nodes, n)
		return n
	}
	node("edge", topo.KindRouter, true).AS = "aws"
	node("mac", topo.KindHost, false)
	igw := node("prod-igw", topo.KindIGW, true)
	igw.VPC = "prod"
	rt := node("prod-router", topo.KindVPCRouter, true)
	rt.VPC = "prod"
	for _, name := range []string{"web", "db", "app"} {
		n := node(name, topo.KindInstance, false)
		n.VPC = "prod"
	}
	// Interfaces from the links, as topo wires them.
	for i, k := range l.Links {
		for _, e := range []struct{ me, peer topo.Endpoint }{{k.A, k.B}, {k.B, k.A}} {
			n := l.Node(e.me.Node)
			n.Interfaces = append(n.Interfaces, &topo.Interface{
				Name: e.me.Iface, Addr: e.me.Addr, Link: i, Peer: e.peer.Node, PeerIface: e.peer.Iface,
				HostRoute: k.Kind == topo.LinkVPCPort && n.Kind == topo.KindVPCRouter,
			})
		}
	}
	l.Node("mac").Routes = []topo.Route{{To: pfx("0.0.0.0/0"), Via: addr("198.51.100.1")}}
	l.Node("edge").Routes = []topo.Route{{To: pfx("203.0.113.128/29"), Via: addr("100.64.0.2")}}
	igw.Routes = []topo.Route{
		{To: pfx("10.0.0.0/16"), Via: addr("100.64.0.6")},
		{To: pfx("0.0.0.0/0"), Via: addr("100.64.0.1")},
	}
	rt.Routes = []topo.Route{{To: pfx("0.0.0.0/0"), Via: addr("100.64.0.5")}}

	l.VPCs = []*topo.VPC{{Name: "prod", CIDR: pfx("10.0.0.0/16"), Edge: "edge",
		PublicIPPool: pfx("203.0.113.128/29"), Router: "prod-router", IGW: "prod-igw"}}
	l.Subnets = []*topo.Subnet{
		{Name: "public", VPC: "prod", CIDR: pfx("10.0.1.0/24"), Public: true},
		{Name: "private", VPC: "prod", CIDR: pfx("10.0.2.0/24"), NetworkACL: "priv-acl"},
	}
	l.ElasticIPs = []*topo.ElasticIP{{Name: "db-eip", Address: addr("203.0.113.134")}}
	l.KeyPairs = []*topo.KeyPair{{Name: "my-key"}}
	inst := func(name, subnet, ip, pub, eip string, sgs ...string) {
		n := l.Node(name)
		n.Hostname = "ip-" + ip
		n.Instance = &topo.Instance{Subnet: subnet, PrivateIP: addr(ip), PublicIP: pub, ElasticIP: eip,
			KeyPair: "my-key", SecurityGroups: sgs}
		n.Routes = []topo.Route{{To: pfx("0.0.0.0/0"), Via: addr(subnetGW(subnet))}}
	}
	inst("web", "public", "10.0.1.10", "auto", "", "web-sg")
	inst("db", "public", "10.0.1.20", "auto", "db-eip", "db-sg")
	inst("app", "private", "10.0.2.10", "none", "", "app-sg", "web-sg")

	all := []netip.Prefix{pfx("0.0.0.0/0")}
	l.SecurityGroups = []*topo.SecurityGroup{
		{Name: "web-sg", VPC: "prod",
			Ingress: []topo.SGRule{
				{Protocol: "tcp", FromPort: 22, ToPort: 22, CIDRs: all, Description: "ssh"},
				{Protocol: "icmp", CIDRs: all},
			}},
		{Name: "db-sg", VPC: "prod",
			Ingress: []topo.SGRule{
				{Protocol: "tcp", FromPort: 3306, ToPort: 3306, SecurityGroup: "web-sg"},
				{Protocol: "icmp", SecurityGroup: "web-sg"},
				{Protocol: "tcp", FromPort: 22, ToPort: 22, SecurityGroup: "web-sg"},
			}},
		{Name: "app-sg", VPC: "prod",
			Ingress: []topo.SGRule{
				{Protocol: "tcp", FromPort: 8000, ToPort: 8099, CIDRs: []netip.Prefix{pfx("10.0.1.0/24"), pfx("10.0.3.0/24")}},
				{Protocol: "udp", FromPort: 53, ToPort: 53, SecurityGroup: "db-sg"},
			},
			Egress: []topo.SGRule{
				{Protocol: "tcp", FromPort: 3306, ToPort: 3306, SecurityGroup: "db-sg"},
				{Protocol: "icmp", CIDRs: []netip.Prefix{pfx("10.0.0.0/16")}},
			}},
	}
	l.NetworkACLs = []*topo.NetworkACL{{Name: "priv-acl", VPC: "prod",
		// Written out of order on purpose: evaluation follows the numbers.
		Inbound: []topo.ACLRule{
			{Number: 200, Action: "allow", Protocol: "all", CIDR: pfx("10.0.0.0/16")},
			{Number: 100, Action: "deny", Protocol: "tcp", FromPort: 22, ToPort: 22, CIDR: pfx("10.0.1.20/32")},
		},
		Outbound: []topo.ACLRule{
			{Number: 100, Action: "allow", Protocol: "all", CIDR: pfx("10.0.0.0/16")},
		},
	}}
	return l
}

func subnetGW(subnet string) string {
	if subnet == "public" {
		return "10.0.1.1"
	}
	return "10.0.2.1"
}

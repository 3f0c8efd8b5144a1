package topo

import (
	"net/netip"
	"regexp"
	"testing"
)

func TestAWSNames(t *testing.T) {
	priv, pub := netip.MustParseAddr("10.0.1.20"), netip.MustParseAddr("203.0.113.129")
	for _, tc := range []struct {
		region, private, public, az string
	}{
		{"", "ip-10-0-1-20.ec2.internal", "ec2-203-0-113-129.compute-1.amazonaws.com", "us-east-1a"},
		{"us-east-1", "ip-10-0-1-20.ec2.internal", "ec2-203-0-113-129.compute-1.amazonaws.com", "us-east-1a"},
		{"eu-west-3", "ip-10-0-1-20.eu-west-3.compute.internal", "ec2-203-0-113-129.eu-west-3.compute.amazonaws.com", "eu-west-3a"},
	} {
		if got := PrivateDNSName(tc.region, priv); got != tc.private {
			t.Errorf("PrivateDNSName(%q) = %q, want %q", tc.region, got, tc.private)
		}
		if got := PublicDNSName(tc.region, pub); got != tc.public {
			t.Errorf("PublicDNSName(%q) = %q, want %q", tc.region, got, tc.public)
		}
		if got := AvailabilityZone(tc.region); got != tc.az {
			t.Errorf("AvailabilityZone(%q) = %q, want %q", tc.region, got, tc.az)
		}
	}
	v := &VPC{CIDR: netip.MustParsePrefix("10.0.0.0/16"), PublicIPPool: netip.MustParsePrefix("203.0.113.128/25")}
	if got := VPCResolver(v); got != netip.MustParseAddr("10.0.0.2") {
		t.Errorf("VPCResolver = %s, want 10.0.0.2", got)
	}
	if got := PublicDNSAddr(v); got != netip.MustParseAddr("203.0.113.128") {
		t.Errorf("PublicDNSAddr = %s", got)
	}
	if got := InstanceMAC(priv); got != "0e:00:0a:00:01:14" {
		t.Errorf("InstanceMAC = %s", got)
	}
	id := InstanceID("aws-ssh", "web")
	if !regexp.MustCompile(`^i-0[0-9a-f]{16}$`).MatchString(id) || id == InstanceID("aws-ssh", "db") || id != InstanceID("aws-ssh", "web") {
		t.Errorf("InstanceID = %s: not stable, unique and AWS-shaped", id)
	}
}

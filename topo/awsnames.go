package topo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
)

// AWS's names and addresses for a lab's instances and VPC services, in one
// place: nodes builds the addresses, nodes/svc serves the names.

// Well-known link-local addresses of a VPC's services, as on AWS.
var (
	// IMDSAddr is the instance metadata service.
	IMDSAddr = netip.MustParseAddr("169.254.169.254")
	// ResolverLinkLocal is the Amazon-provided DNS resolver's other address.
	ResolverLinkLocal = netip.MustParseAddr("169.254.169.253")
	// TimeSyncAddr is the Amazon Time Sync Service.
	TimeSyncAddr = netip.MustParseAddr("169.254.169.123")
)

// VPCResolver is the Amazon-provided DNS resolver of a VPC: its base
// address plus two (10.0.0.2 for 10.0.0.0/16).
func VPCResolver(v *VPC) netip.Addr {
	a := v.CIDR.Masked().Addr()
	return a.Next().Next()
}

// VPCServiceAddrs are the addresses the VPC router answers for its VPC's
// services: the resolver at base+2, and the link-local ones.
func VPCServiceAddrs(v *VPC) []netip.Addr {
	return []netip.Addr{VPCResolver(v), ResolverLinkLocal, IMDSAddr, TimeSyncAddr}
}

// PublicDNSAddr is where the Internet side of the lab asks for the VPC's
// public names (AWS's public DNS, Route 53, answers them on the real
// Internet): the first address of the VPC's public_ip_pool, which no
// instance gets, held by the internet gateway.
func PublicDNSAddr(v *VPC) netip.Addr {
	if !v.PublicIPPool.IsValid() {
		return netip.Addr{}
	}
	return v.PublicIPPool.Masked().Addr()
}

// PrivateDomain is the domain of a region's private DNS names:
// ec2.internal in us-east-1, REGION.compute.internal elsewhere.
func PrivateDomain(region string) string {
	if region == "" || region == DefaultRegion {
		return "ec2.internal"
	}
	return region + ".compute.internal"
}

// PrivateDNSName is an instance's private DNS name
// (ip-10-0-1-20.ec2.internal).
func PrivateDNSName(region string, private netip.Addr) string {
	return instanceHostname(private) + "." + PrivateDomain(region)
}

// PublicDNSName is the public DNS name of a public IPv4:
// ec2-203-0-113-129.compute-1.amazonaws.com in us-east-1,
// ec2-…​.REGION.compute.amazonaws.com elsewhere.
func PublicDNSName(region string, public netip.Addr) string {
	host := "ec2-" + strings.ReplaceAll(public.String(), ".", "-")
	if region == "" || region == DefaultRegion {
		return host + ".compute-1.amazonaws.com"
	}
	return host + "." + region + ".compute.amazonaws.com"
}

// AvailabilityZone is the zone the lab's instances run in: the region's
// first.
func AvailabilityZone(region string) string {
	if region == "" {
		region = DefaultRegion
	}
	return region + "a"
}

// InstanceID is an instance's stable id (i- and 17 hex digits, as AWS's),
// derived from the lab and the instance's name.
func InstanceID(lab, name string) string {
	sum := sha256.Sum256([]byte(lab + "\x00" + name))
	return "i-0" + hex.EncodeToString(sum[:])[:16]
}

// InstanceMAC is the MAC address of an instance's interface: locally
// administered (0e:, as AWS's often are) and derived from its private IP,
// so DHCP and the metadata service know it before the instance exists.
func InstanceMAC(private netip.Addr) string {
	b := private.As4()
	return fmt.Sprintf("0e:00:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3])
}

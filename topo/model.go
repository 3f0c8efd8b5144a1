// Package topo is netemu's topology language: it turns an HCL file into a
// validated, fully addressed Lab model. It knows nothing of the kernel, so it
// builds and tests anywhere without root.
//
// The model is the contract between packages: nodes builds it, fw filters it,
// routing runs daemons from it. Everything implicit in the file (allocated
// link subnets, loopbacks, the VPC's router and internet gateway) is explicit
// here, so no consumer re-derives topology on its own.
package topo

import (
	"net/netip"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Lab is a validated topology. References between objects are by name; use
// the lookup methods rather than walking the slices.
type Lab struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Source is the file the lab came from ("" or "embedded:NAME" for an
	// embedded example).
	Source string `json:"source"`
	// TimersName is "rfc" or "fast"; Timers holds the values it selects.
	TimersName string `json:"timers_name"`
	Timers     Timers `json:"timers"`
	// Daemons selects the routing implementation run inside routers:
	// "netemu" (ours, the default), "frr", or "none" (no routing agents:
	// static routes only).
	Daemons string `json:"daemons"`
	// ClientHost is the node `netemu ssh` connects from ("" when the lab has
	// no host).
	ClientHost string `json:"client_host,omitempty"`
	// VXLANPort is the UDP port of the lab's cross-machine tunnels (0: the
	// IANA port 4789).
	VXLANPort uint16 `json:"vxlan_port,omitempty"`
	// Region is the AWS region the lab's VPCs pretend to be in; it picks
	// the instances' DNS names (see nodes/svc's names), as on AWS.
	Region string `json:"region"`

	ASes []*AS `json:"ases,omitempty"`
	// Nodes are in file order, then each VPC's implicit IGW and router.
	Nodes []*Node `json:"nodes"`
	// Links are the link blocks in file order, then per VPC: edge–IGW,
	// IGW–router, and one port per instance.
	Links          []*Link          `json:"links,omitempty"`
	VPCs           []*VPC           `json:"vpcs,omitempty"`
	Subnets        []*Subnet        `json:"subnets,omitempty"`
	SecurityGroups []*SecurityGroup `json:"security_groups,omitempty"`
	NetworkACLs    []*NetworkACL    `json:"network_acls,omitempty"`
	KeyPairs       []*KeyPair       `json:"key_pairs,omitempty"`
	ElasticIPs     []*ElasticIP     `json:"elastic_ips,omitempty"`
	Machines       []*Machine       `json:"machines,omitempty"`
	PrefixLists    []*PrefixList    `json:"prefix_lists,omitempty"`
	Policies       []*Policy        `json:"policies,omitempty"`

	// BFD is the lab's bfd block (nil: none); BFDForLink and BFDForAS say
	// which block covers a session.
	BFD *BFD `json:"bfd,omitempty"`
}

// Timers are the protocol timers a lab runs with.
type Timers struct {
	RIPUpdate       time.Duration `json:"rip_update"`
	RIPTimeout      time.Duration `json:"rip_timeout"`
	RIPGarbage      time.Duration `json:"rip_garbage"`
	BGPHold         time.Duration `json:"bgp_hold"`
	BGPKeepalive    time.Duration `json:"bgp_keepalive"`
	BGPConnectRetry time.Duration `json:"bgp_connect_retry"`
}

// IGP kinds of an autonomous system.
const (
	IGPRIP    = "rip"
	IGPStatic = "static"
	IGPOSPF   = "ospf"
)

// AS is an autonomous system.
type AS struct {
	Name     string         `json:"name"`
	ASN      uint32         `json:"asn"`
	IGP      string         `json:"igp"`
	Prefixes []netip.Prefix `json:"prefixes,omitempty"`
	// RIPAuth is nil when RIP runs without authentication.
	RIPAuth *RIPAuth `json:"rip_auth,omitempty"`
	// RouteReflectors are the AS's iBGP route reflectors (RFC 4456): every
	// other router of the AS is a client of each, the reflectors mesh
	// among themselves. Empty: a full iBGP mesh. Set from the file's
	// route_reflectors or, for an AS above FullMeshMax routers, picked
	// (ReflectorsPicked).
	RouteReflectors  []string  `json:"route_reflectors,omitempty"`
	ReflectorsPicked bool      `json:"route_reflectors_picked,omitempty"`
	Range            hcl.Range `json:"-"`
	// BFD is the AS's bfd block: its inside links and iBGP sessions.
	BFD *BFD `json:"bfd,omitempty"`
	// OSPF is the AS's ospf block (nil: none; IGP says whether OSPF runs).
	OSPF *ASOSPF `json:"ospf,omitempty"`
}

// RIPAuth is RIPv2 authentication for every router of an AS.
type RIPAuth struct {
	Type  string `json:"type"` // "plain" or "md5"
	Key   string `json:"key"`
	KeyID uint8  `json:"key_id"`
}

// NodeKind says what a node is.
type NodeKind string

// Node kinds. VPCRouter and IGW are implicit: topo creates them for a vpc.
const (
	KindRouter    NodeKind = "router"
	KindHost      NodeKind = "host"
	KindInstance  NodeKind = "instance"
	KindVPCRouter NodeKind = "vpc-router"
	KindIGW       NodeKind = "igw"
	// KindSwitch is a shared segment: a Linux bridge in a namespace of its
	// own, whose interfaces are the ports of its member links.
	KindSwitch NodeKind = "switch"
)

// Node is a network namespace of the lab.
type Node struct {
	Name     string   `json:"name"`
	Kind     NodeKind `json:"kind"`
	Hostname string   `json:"hostname"`
	// Machine is where the node runs in a multi-host lab ("" when the lab
	// has no machines).
	Machine string `json:"machine,omitempty"`
	// Placed is set when Place chose Machine (the file did not pin it).
	Placed bool `json:"placed,omitempty"`
	// AS is the autonomous system of a router ("" otherwise).
	AS string `json:"as,omitempty"`
	// Loopback is a router's /32 on lo (invalid when none).
	Loopback netip.Prefix `json:"loopback,omitzero"`
	// Forwarding turns on IPv4 forwarding (routers, VPC routers, gateways).
	Forwarding bool `json:"forwarding"`
	// Interfaces are in eth0, eth1, … order.
	Interfaces []*Interface `json:"interfaces,omitempty"`
	// Routes are static routes; a host's or instance's default gateway is
	// one of them (To 0.0.0.0/0).
	Routes []Route `json:"routes,omitempty"`
	// BGPNeighbors are the router's explicit bgp neighbor blocks: external
	// peers by address, or per-session policy for topology peers by name.
	BGPNeighbors []*BGPNeighbor `json:"bgp_neighbors,omitempty"`
	Instance     *Instance      `json:"instance,omitempty"`
	Services     []*Service     `json:"services,omitempty"`
	Processes    []*Process     `json:"processes,omitempty"`
	// VPC is set on a VPC's implicit nodes and on instances.
	VPC string `json:"vpc,omitempty"`
	// Switch is set on a switch (KindSwitch).
	Switch *Switch   `json:"switch,omitempty"`
	Range  hcl.Range `json:"-"`
}

// Interface is one end of a link inside a node.
type Interface struct {
	Name string `json:"name"` // eth0, eth1, … or the name the file gave
	// Addr is the interface address with the link's prefix length.
	Addr netip.Prefix `json:"addr"`
	// Link is the index of the link in Lab.Links.
	Link int `json:"link"`
	// Peer and PeerIface name the other end.
	Peer      string `json:"peer"`
	PeerIface string `json:"peer_iface"`
	// HostRoute is set on a VPC router's port towards an instance: the
	// address is added without its prefix route, the instance is reached by
	// a /32 route and answered by proxy ARP, as AWS's VPC router does.
	HostRoute bool `json:"host_route,omitempty"`
}

// Switch is what only a switch has: the segment's subnet, from which its
// members' addresses come.
type Switch struct {
	Subnet netip.Prefix `json:"subnet"`
}

// Route is a static route.
type Route struct {
	To    netip.Prefix `json:"to"`
	Via   netip.Addr   `json:"via"`
	Range hcl.Range    `json:"-"`
}

// LinkKind says how a link is built.
type LinkKind string

// Link kinds.
const (
	LinkP2P     LinkKind = "p2p"      // a veth pair (or VXLAN across machines)
	LinkVPCPort LinkKind = "vpc-port" // instance ↔ VPC router, see Interface.HostRoute
	// LinkSwitch is a member's port on a switch: A is the member (with its
	// address on the switch's subnet), B the switch (no address).
	LinkSwitch LinkKind = "switch"
)

// Link is a point-to-point link between two nodes.
type Link struct {
	Kind   LinkKind     `json:"kind"`
	A      Endpoint     `json:"a"`
	B      Endpoint     `json:"b"`
	Subnet netip.Prefix `json:"subnet"`
	// IGP runs the AS's IGP on the link even if one end is a host.
	IGP bool `json:"igp,omitempty"`
	// Bandwidth in bits per second (0: unlimited): the file's rate (or
	// bandwidth, its other name).
	Bandwidth uint64        `json:"bandwidth,omitempty"`
	Delay     time.Duration `json:"delay,omitempty"`
	Jitter    time.Duration `json:"jitter,omitempty"`
	// Loss, Duplicate, Reorder and Corrupt in percent (0–100), each
	// direction; Impairment() gathers them all.
	Loss      float64 `json:"loss,omitempty"`
	Duplicate float64 `json:"duplicate,omitempty"`
	Reorder   float64 `json:"reorder,omitempty"`
	Corrupt   float64 `json:"corrupt,omitempty"`
	// Relationship is B's role seen from A for BGP policy:
	// "customer", "peer", "provider" or "".
	Relationship string `json:"relationship,omitempty"`
	// BFD is the link's own bfd block.
	BFD *BFD `json:"bfd,omitempty"`
	// OSPF is the link's ospf block (nil: the defaults, area 0, cost 10).
	OSPF *LinkOSPF `json:"ospf,omitempty"`
	// Implicit links come from a vpc, not from a link block.
	Implicit bool      `json:"implicit,omitempty"`
	Range    hcl.Range `json:"-"`
}

// Endpoint is one end of a link.
type Endpoint struct {
	Node  string       `json:"node"`
	Iface string       `json:"iface"`
	Addr  netip.Prefix `json:"addr"`
}

// VPC is an address space behind its own router and internet gateway.
type VPC struct {
	Name         string       `json:"name"`
	CIDR         netip.Prefix `json:"cidr"`
	Edge         string       `json:"edge"`
	PublicIPPool netip.Prefix `json:"public_ip_pool"`
	// Router and IGW are the names of the implicit nodes.
	Router string    `json:"router"`
	IGW    string    `json:"igw"`
	Range  hcl.Range `json:"-"`
}

// Subnet is a VPC subnet.
type Subnet struct {
	Name   string       `json:"name"`
	VPC    string       `json:"vpc"`
	CIDR   netip.Prefix `json:"cidr"`
	Public bool         `json:"public"`
	// NetworkACL names the subnet's network ACL ("" when none).
	NetworkACL string    `json:"network_acl,omitempty"`
	Range      hcl.Range `json:"-"`
}

// SecurityGroup is a stateful allow-list.
type SecurityGroup struct {
	Name    string    `json:"name"`
	VPC     string    `json:"vpc"`
	Ingress []SGRule  `json:"ingress,omitempty"`
	Egress  []SGRule  `json:"egress,omitempty"`
	Range   hcl.Range `json:"-"`
}

// SGRule allows traffic; exactly one of CIDRs and SecurityGroup is set.
type SGRule struct {
	Protocol string `json:"protocol"` // tcp, udp, icmp, all
	// FromPort..ToPort; both 0 for icmp and all.
	FromPort      uint16         `json:"from_port,omitempty"`
	ToPort        uint16         `json:"to_port,omitempty"`
	CIDRs         []netip.Prefix `json:"cidrs,omitempty"`
	SecurityGroup string         `json:"security_group,omitempty"`
	Description   string         `json:"description,omitempty"`
	Range         hcl.Range      `json:"-"`
}

// NetworkACL is a stateless, ordered list of numbered rules.
type NetworkACL struct {
	Name     string    `json:"name"`
	VPC      string    `json:"vpc"`
	Inbound  []ACLRule `json:"inbound,omitempty"`
	Outbound []ACLRule `json:"outbound,omitempty"`
	Range    hcl.Range `json:"-"`
}

// ACLRule is one numbered network ACL rule.
type ACLRule struct {
	Number   int          `json:"number"`
	Action   string       `json:"action"` // allow or deny
	Protocol string       `json:"protocol"`
	FromPort uint16       `json:"from_port,omitempty"`
	ToPort   uint16       `json:"to_port,omitempty"`
	CIDR     netip.Prefix `json:"cidr"`
	Range    hcl.Range    `json:"-"`
}

// KeyPair is an SSH key pair generated once per lab.
type KeyPair struct {
	Name  string    `json:"name"`
	Range hcl.Range `json:"-"`
}

// ElasticIP is a fixed public address from a VPC's pool.
type ElasticIP struct {
	Name string `json:"name"`
	// VPC is the VPC whose pool the address comes from.
	VPC string `json:"vpc"`
	// Address is allocated from the pool when the file leaves it out.
	Address netip.Addr `json:"address"`
	Range   hcl.Range  `json:"-"`
}

// Instance holds what only an EC2-like instance has.
type Instance struct {
	Subnet    string     `json:"subnet"`
	PrivateIP netip.Addr `json:"private_ip"`
	// PublicIP is "auto" or "none".
	PublicIP       string   `json:"public_ip"`
	ElasticIP      string   `json:"elastic_ip,omitempty"`
	KeyPair        string   `json:"key_pair,omitempty"`
	SecurityGroups []string `json:"security_groups,omitempty"`
	// UserData is served by the metadata service at latest/user-data
	// (at most MaxUserData bytes, as on AWS).
	UserData string `json:"user_data,omitempty"`
	// IMDS is "v2" (a session token is required, the default on new AWS
	// accounts) or "v1" (token optional).
	IMDS  string    `json:"imds"`
	Range hcl.Range `json:"-"`
}

// Instance metadata service versions and AWS's limits.
const (
	IMDSv1 = "v1"
	IMDSv2 = "v2"
	// MaxUserData is AWS's limit on an instance's user data (16 KiB).
	MaxUserData = 16 * 1024
	// DefaultRegion is the region of a lab without region.
	DefaultRegion = "us-east-1"
)

// Service is a well-known program netemu knows how to run (sshd, smtp,
// mariadb).
type Service struct {
	Kind string `json:"kind"`
	// MTA is the smtp service's program: "sendmail" (the default, as the
	// article's Amazon Linux) or "opensmtpd"; "" for other kinds.
	MTA   string    `json:"mta,omitempty"`
	Range hcl.Range `json:"-"`
}

// Mail transfer agents of the smtp service.
const (
	MTASendmail  = "sendmail"
	MTAOpenSMTPD = "opensmtpd"
)

// Process is any program run and supervised inside a node.
type Process struct {
	Name    string            `json:"name"`
	Command []string          `json:"command"`
	User    string            `json:"user,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	Range   hcl.Range         `json:"-"`
}

// Machine is a physical machine of a multi-host lab.
type Machine struct {
	Name    string     `json:"name"`
	Address netip.Addr `json:"address"`
	Range   hcl.Range  `json:"-"`
}

// BGPNeighbor is an explicit neighbor block. Either Address is valid (a
// peer netemu does not run) or Peer names a node the topology already peers
// with (to attach policy to that session).
type BGPNeighbor struct {
	Address     netip.Addr `json:"address,omitzero"`
	Peer        string     `json:"peer,omitempty"`
	ASN         uint32     `json:"asn,omitempty"`
	Description string     `json:"description,omitempty"`
	Import      string     `json:"import,omitempty"` // policy name
	Export      string     `json:"export,omitempty"` // policy name
	Passive     bool       `json:"passive,omitempty"`
	Range       hcl.Range  `json:"-"`
}

// PrefixList is an ordered list of prefix matches.
type PrefixList struct {
	Name    string            `json:"name"`
	Entries []PrefixListEntry `json:"entries"`
	Range   hcl.Range         `json:"-"`
}

// PrefixListEntry matches Prefix and, with GE/LE, longer prefixes inside
// it whose length is in [GE, LE]. Zero GE/LE mean an exact match.
type PrefixListEntry struct {
	Prefix netip.Prefix `json:"prefix"`
	GE     int          `json:"ge,omitempty"`
	LE     int          `json:"le,omitempty"`
	Action string       `json:"action"` // permit or deny
}

// Policy is an ordered list of terms; the first term that matches decides.
type Policy struct {
	Name  string       `json:"name"`
	Terms []PolicyTerm `json:"terms"`
	// Default is "accept" or "reject" for routes no term matched.
	Default string    `json:"default"`
	Range   hcl.Range `json:"-"`
}

// PolicyTerm matches routes and accepts, rejects or modifies them.
type PolicyTerm struct {
	Name       string `json:"name"`
	PrefixList string `json:"prefix_list,omitempty"`
	// ASPath is a regular expression over the AS path written as
	// space-separated ASNs.
	ASPath    string `json:"as_path,omitempty"`
	Community string `json:"community,omitempty"` // "ASN:VALUE" or a well-known name
	// Action is "accept", "reject" or "next" (apply Set, go on).
	Action         string   `json:"action"`
	SetLocalPref   *uint32  `json:"set_local_pref,omitempty"`
	SetMED         *uint32  `json:"set_med,omitempty"`
	AddCommunities []string `json:"add_communities,omitempty"`
	Prepend        int      `json:"prepend,omitempty"`
}

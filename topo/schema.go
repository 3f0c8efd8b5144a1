package topo

import "github.com/hashicorp/hcl/v2"

// The structs below mirror the file's syntax one to one; gohcl decodes into
// them and the builder turns them into the model. Optional attributes are
// pointers so "absent" differs from "zero", and every block keeps its body
// so diagnostics can point at the offending attribute.

type fileHCL struct {
	Labs           []*labHCL        `hcl:"lab,block"`
	ASes           []*asHCL         `hcl:"autonomous_system,block"`
	Routers        []*routerHCL     `hcl:"router,block"`
	Hosts          []*hostHCL       `hcl:"host,block"`
	Links          []*linkHCL       `hcl:"link,block"`
	VPCs           []*vpcHCL        `hcl:"vpc,block"`
	Subnets        []*subnetHCL     `hcl:"subnet,block"`
	SecurityGroups []*sgHCL         `hcl:"security_group,block"`
	NetworkACLs    []*aclHCL        `hcl:"network_acl,block"`
	KeyPairs       []*keyPairHCL    `hcl:"key_pair,block"`
	ElasticIPs     []*eipHCL        `hcl:"elastic_ip,block"`
	Instances      []*instanceHCL   `hcl:"instance,block"`
	Machines       []*machineHCL    `hcl:"machine,block"`
	PrefixLists    []*prefixListHCL `hcl:"prefix_list,block"`
	Policies       []*policyHCL     `hcl:"policy,block"`
	Switches       []*switchHCL     `hcl:"switch,block"`
}

type labHCL struct {
	Name         string    `hcl:"name,label"`
	Description  *string   `hcl:"description,optional"`
	Timers       *string   `hcl:"timers,optional"`
	Daemons      *string   `hcl:"daemons,optional"`
	Client       *string   `hcl:"client,optional"`
	LinkPool     *string   `hcl:"link_pool,optional"`
	LoopbackPool *string   `hcl:"loopback_pool,optional"`
	VXLANPort    *int      `hcl:"vxlan_port,optional"`
	Region       *string   `hcl:"region,optional"`
	BFD          *bfdHCL   `hcl:"bfd,block"`
	Body         hcl.Body  `hcl:",body"`
	DefRange     hcl.Range `hcl:",def_range"`
}

type asHCL struct {
	Name     string      `hcl:"name,label"`
	ASN      *int64      `hcl:"asn,optional"`
	IGP      *string     `hcl:"igp,optional"`
	Prefixes []string    `hcl:"prefixes,optional"`
	RIPAuth  *ripAuthHCL `hcl:"rip_auth,block"`
	BFD      *bfdHCL     `hcl:"bfd,block"`
	OSPF     *asOSPFHCL  `hcl:"ospf,block"`
	// RouteReflectors: nil takes the default (buildReflectors); an
	// empty list forces a full mesh.
	RouteReflectors *[]string `hcl:"route_reflectors,optional"`
	Body            hcl.Body  `hcl:",body"`
	DefRange        hcl.Range `hcl:",def_range"`
}

type ripAuthHCL struct {
	Type     *string   `hcl:"type,optional"`
	Key      *string   `hcl:"key,optional"`
	KeyID    *int64    `hcl:"key_id,optional"`
	Body     hcl.Body  `hcl:",body"`
	DefRange hcl.Range `hcl:",def_range"`
}

type routeHCL struct {
	To       string    `hcl:"to"`
	Via      string    `hcl:"via"`
	Body     hcl.Body  `hcl:",body"`
	DefRange hcl.Range `hcl:",def_range"`
}

type processHCL struct {
	Name     string            `hcl:"name,label"`
	Command  []string          `hcl:"command"`
	User     *string           `hcl:"user,optional"`
	Env      map[string]string `hcl:"env,optional"`
	Body     hcl.Body          `hcl:",body"`
	DefRange hcl.Range         `hcl:",def_range"`
}

type routerHCL struct {
	Name      string        `hcl:"name,label"`
	AS        *string       `hcl:"as,optional"`
	Loopback  *string       `hcl:"loopback,optional"`
	Machine   *string       `hcl:"machine,optional"`
	Routes    []*routeHCL   `hcl:"route,block"`
	BGP       *bgpHCL       `hcl:"bgp,block"`
	Processes []*processHCL `hcl:"process,block"`
	Body      hcl.Body      `hcl:",body"`
	DefRange  hcl.Range     `hcl:",def_range"`
}

type bgpHCL struct {
	Neighbors []*neighborHCL `hcl:"neighbor,block"`
	DefRange  hcl.Range      `hcl:",def_range"`
}

type neighborHCL struct {
	Label       string    `hcl:"name,label"`
	ASN         *int64    `hcl:"asn,optional"`
	Import      *string   `hcl:"import,optional"`
	Export      *string   `hcl:"export,optional"`
	Description *string   `hcl:"description,optional"`
	Passive     *bool     `hcl:"passive,optional"`
	Body        hcl.Body  `hcl:",body"`
	DefRange    hcl.Range `hcl:",def_range"`
}

type hostHCL struct {
	Name      string        `hcl:"name,label"`
	Gateway   *string       `hcl:"gateway,optional"`
	Machine   *string       `hcl:"machine,optional"`
	Routes    []*routeHCL   `hcl:"route,block"`
	Processes []*processHCL `hcl:"process,block"`
	Body      hcl.Body      `hcl:",body"`
	DefRange  hcl.Range     `hcl:",def_range"`
}

type linkHCL struct {
	A         string  `hcl:"a,label"`
	B         string  `hcl:"b,label"`
	Subnet    *string `hcl:"subnet,optional"`
	IGP       *bool   `hcl:"igp,optional"`
	Bandwidth *string `hcl:"bandwidth,optional"`
	Delay     *string `hcl:"delay,optional"`
	Jitter    *string `hcl:"jitter,optional"`
	Rate      *string `hcl:"rate,optional"`
	// Percentages: a number or a string such as "1%".
	Loss         *string `hcl:"loss,optional"`
	Duplicate    *string `hcl:"duplicate,optional"`
	Reorder      *string `hcl:"reorder,optional"`
	Corrupt      *string `hcl:"corrupt,optional"`
	Relationship *string `hcl:"relationship,optional"`
	BFD          *bfdHCL `hcl:"bfd,block"`
	// Address is a member's address on a switch (links to a switch only).
	Address  *string      `hcl:"address,optional"`
	OSPF     *linkOSPFHCL `hcl:"ospf,block"`
	Body     hcl.Body     `hcl:",body"`
	DefRange hcl.Range    `hcl:",def_range"`
}

type vpcHCL struct {
	Name         string    `hcl:"name,label"`
	CIDR         string    `hcl:"cidr"`
	Edge         string    `hcl:"edge"`
	PublicIPPool string    `hcl:"public_ip_pool"`
	Body         hcl.Body  `hcl:",body"`
	DefRange     hcl.Range `hcl:",def_range"`
}

type subnetHCL struct {
	Name       string    `hcl:"name,label"`
	VPC        *string   `hcl:"vpc,optional"`
	CIDR       string    `hcl:"cidr"`
	Public     *bool     `hcl:"public,optional"`
	NetworkACL *string   `hcl:"network_acl,optional"`
	Body       hcl.Body  `hcl:",body"`
	DefRange   hcl.Range `hcl:",def_range"`
}

type sgRuleHCL struct {
	Protocol      string    `hcl:"protocol"`
	Ports         *string   `hcl:"ports,optional"`
	CIDR          *string   `hcl:"cidr,optional"`
	CIDRs         []string  `hcl:"cidrs,optional"`
	SecurityGroup *string   `hcl:"security_group,optional"`
	Description   *string   `hcl:"description,optional"`
	Body          hcl.Body  `hcl:",body"`
	DefRange      hcl.Range `hcl:",def_range"`
}

type sgHCL struct {
	Name        string       `hcl:"name,label"`
	VPC         *string      `hcl:"vpc,optional"`
	Description *string      `hcl:"description,optional"`
	Ingress     []*sgRuleHCL `hcl:"ingress,block"`
	Egress      []*sgRuleHCL `hcl:"egress,block"`
	Body        hcl.Body     `hcl:",body"`
	DefRange    hcl.Range    `hcl:",def_range"`
}

type aclRuleHCL struct {
	Number   int64     `hcl:"number"`
	Action   string    `hcl:"action"`
	Protocol string    `hcl:"protocol"`
	Ports    *string   `hcl:"ports,optional"`
	CIDR     string    `hcl:"cidr"`
	Body     hcl.Body  `hcl:",body"`
	DefRange hcl.Range `hcl:",def_range"`
}

type aclHCL struct {
	Name     string        `hcl:"name,label"`
	VPC      *string       `hcl:"vpc,optional"`
	Inbound  []*aclRuleHCL `hcl:"inbound,block"`
	Outbound []*aclRuleHCL `hcl:"outbound,block"`
	Body     hcl.Body      `hcl:",body"`
	DefRange hcl.Range     `hcl:",def_range"`
}

type keyPairHCL struct {
	Name     string    `hcl:"name,label"`
	DefRange hcl.Range `hcl:",def_range"`
}

type eipHCL struct {
	Name     string    `hcl:"name,label"`
	Address  *string   `hcl:"address,optional"`
	VPC      *string   `hcl:"vpc,optional"`
	Body     hcl.Body  `hcl:",body"`
	DefRange hcl.Range `hcl:",def_range"`
}

type serviceHCL struct {
	Kind     string    `hcl:"kind,label"`
	MTA      *string   `hcl:"mta,optional"`
	Body     hcl.Body  `hcl:",body"`
	DefRange hcl.Range `hcl:",def_range"`
}

type instanceHCL struct {
	Name           string        `hcl:"name,label"`
	Subnet         string        `hcl:"subnet"`
	PrivateIP      *string       `hcl:"private_ip,optional"`
	PublicIP       *string       `hcl:"public_ip,optional"`
	ElasticIP      *string       `hcl:"elastic_ip,optional"`
	KeyPair        *string       `hcl:"key_pair,optional"`
	SecurityGroups []string      `hcl:"security_groups,optional"`
	Machine        *string       `hcl:"machine,optional"`
	UserData       *string       `hcl:"user_data,optional"`
	IMDS           *string       `hcl:"imds,optional"`
	Services       []*serviceHCL `hcl:"service,block"`
	Processes      []*processHCL `hcl:"process,block"`
	Body           hcl.Body      `hcl:",body"`
	DefRange       hcl.Range     `hcl:",def_range"`
}

type machineHCL struct {
	Name     string    `hcl:"name,label"`
	Address  string    `hcl:"address"`
	Body     hcl.Body  `hcl:",body"`
	DefRange hcl.Range `hcl:",def_range"`
}

type prefixListEntryHCL struct {
	Prefix   string    `hcl:"prefix"`
	GE       *int64    `hcl:"ge,optional"`
	LE       *int64    `hcl:"le,optional"`
	Action   *string   `hcl:"action,optional"`
	Body     hcl.Body  `hcl:",body"`
	DefRange hcl.Range `hcl:",def_range"`
}

type prefixListHCL struct {
	Name     string                `hcl:"name,label"`
	Entries  []*prefixListEntryHCL `hcl:"entry,block"`
	DefRange hcl.Range             `hcl:",def_range"`
}

type policyTermHCL struct {
	Name           string    `hcl:"name,label"`
	PrefixList     *string   `hcl:"prefix_list,optional"`
	ASPath         *string   `hcl:"as_path,optional"`
	Community      *string   `hcl:"community,optional"`
	Action         *string   `hcl:"action,optional"`
	SetLocalPref   *int64    `hcl:"set_local_pref,optional"`
	SetMED         *int64    `hcl:"set_med,optional"`
	AddCommunities []string  `hcl:"add_communities,optional"`
	Prepend        *int64    `hcl:"prepend,optional"`
	Body           hcl.Body  `hcl:",body"`
	DefRange       hcl.Range `hcl:",def_range"`
}

type policyHCL struct {
	Name     string           `hcl:"name,label"`
	Terms    []*policyTermHCL `hcl:"term,block"`
	Default  *string          `hcl:"default,optional"`
	Body     hcl.Body         `hcl:",body"`
	DefRange hcl.Range        `hcl:",def_range"`
}

type switchHCL struct {
	Name     string    `hcl:"name,label"`
	Subnet   *string   `hcl:"subnet,optional"`
	Machine  *string   `hcl:"machine,optional"`
	Body     hcl.Body  `hcl:",body"`
	DefRange hcl.Range `hcl:",def_range"`
}

// asOSPFHCL is an AS's ospf block. Areas are strings so that both 1 and
// "0.0.0.1" are accepted (HCL converts a number to a string).
type asOSPFHCL struct {
	StubAreas []string `hcl:"stub_areas,optional"`
	// Auth is an object { type, key, key_id }, checked by hand so each
	// bad key gets its own position.
	Auth         hcl.Expression `hcl:"auth,optional"`
	Redistribute []string       `hcl:"redistribute,optional"`
	Body         hcl.Body       `hcl:",body"`
	DefRange     hcl.Range      `hcl:",def_range"`
}

type linkOSPFHCL struct {
	Area     *string   `hcl:"area,optional"`
	Cost     *int64    `hcl:"cost,optional"`
	Passive  *bool     `hcl:"passive,optional"`
	Body     hcl.Body  `hcl:",body"`
	DefRange hcl.Range `hcl:",def_range"`
}

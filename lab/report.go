package lab

// The JSON every read command prints with -o json: one documented set of
// types (README "The command line"), so scripts get the same names and units
// everywhere. Conventions, checked by cmd/netemu's tests, which decode
// every command's output into these types with unknown fields disallowed:
//
//   - names are snake_case; an address is "address" (a netip.Addr, or a
//     prefix "10.0.1.10/24" where the field says so), an interface name
//     "iface", a node "node", an AS number "asn";
//   - durations are integer milliseconds in fields ending in "_ms";
//   - points in time are RFC 3339 strings in fields ending in "_at" or
//     named "time";
//   - kernel routing tables by name: "main", "local", else the number;
//   - BGP has "peers" (sessions) and RIP "neighbours", as the protocols
//     name them;
//   - a command about one thing (status --lab, wait, bgp NODE) prints one
//     object, never a one-element array.

import (
	"time"
)

// ReportSchemaVersion is printed by `netemu version -o json`; it grows
// when a field changes meaning or goes away (adding fields does not).
const ReportSchemaVersion = 2 // 2: ospf, bfd, link show, status --kubeconfig in this schema

// ms is d in whole milliseconds, the unit of every *_ms field.
func ms(d time.Duration) int64 { return d.Milliseconds() }

// LabReport is one running share: `status`, `up` (its nodes once built).
type LabReport struct {
	Lab       string         `json:"lab"`
	Machine   string         `json:"machine,omitempty"`
	Dir       string         `json:"dir"`
	Phase     string         `json:"phase"`
	CreatedAt time.Time      `json:"created_at"`
	Nodes     []NodeReport   `json:"nodes"`
	Tunnels   []TunnelReport `json:"tunnels,omitempty"`
	Converged *WaitReport    `json:"converged,omitempty"` // up only
	KeyFiles  []string       `json:"key_files,omitempty"` // up only: private keys written
	// Resources and RouteReflectors: status only (ShareStatus's).
	Resources       *Resources          `json:"resources,omitempty"`
	RouteReflectors map[string][]string `json:"route_reflectors,omitempty"`
}

// NodeReport is one node of a share.
type NodeReport struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Machine  string `json:"machine,omitempty"`
	Hostname string `json:"hostname,omitempty"`
	Netns    string `json:"netns,omitempty"`
	// PrivateIP and PublicIP: instances only; PublicIP is empty for a
	// stopped instance or one without a public IP.
	PrivateIP  string          `json:"private_ip,omitempty"`
	PublicIP   string          `json:"public_ip,omitempty"`
	Loopback   string          `json:"loopback,omitempty"` // routers, as a prefix
	Interfaces []IfaceReport   `json:"interfaces"`
	Processes  []ProcessReport `json:"processes,omitempty"`
	Error      string          `json:"error,omitempty"` // the namespace could not be read
}

// IfaceReport is an interface of a node.
type IfaceReport struct {
	Iface     string   `json:"iface"`
	Up        bool     `json:"up"`
	Addresses []string `json:"addresses,omitempty"` // prefixes, "10.0.1.10/24"
	Peer      string   `json:"peer,omitempty"`      // "node:iface" at the other end
}

// ProcessReport is a process netemu supervises in a node.
type ProcessReport struct {
	Name          string    `json:"name"`
	Command       []string  `json:"command"`
	State         string    `json:"state"` // starting, running, backoff, exited, stopped, dead
	Running       bool      `json:"running"`
	PID           int       `json:"pid,omitempty"`
	SupervisorPID int       `json:"supervisor_pid,omitempty"`
	Restarts      int       `json:"restarts"`
	LastExit      string    `json:"last_exit,omitempty"`
	SinceAt       time.Time `json:"since_at,omitzero"`
	LogFile       string    `json:"log_file"`
}

// TunnelReport is a link cut between two machines (a VXLAN tunnel).
type TunnelReport struct {
	Name          string `json:"name"`
	VNI           uint32 `json:"vni"`
	BaseVNI       uint32 `json:"base_vni,omitempty"` // the hashed VNI, when it collided and was moved
	Port          uint16 `json:"port"`
	LocalNode     string `json:"local_node"`
	LocalIface    string `json:"local_iface"`
	RemoteNode    string `json:"remote_node"`
	RemoteIface   string `json:"remote_iface"`
	LocalMachine  string `json:"local_machine"`
	RemoteMachine string `json:"remote_machine"`
	LocalAddress  string `json:"local_address"`
	RemoteAddress string `json:"remote_address"`
	MTU           int    `json:"mtu,omitempty"`
}

// RoutesReport is `routes NODE`: the node's kernel tables.
type RoutesReport struct {
	Node   string        `json:"node"`
	Routes []RouteReport `json:"routes"`
}

// RouteReport is one kernel route.
type RouteReport struct {
	Table       string `json:"table"` // "main", "local" or the number
	Destination string `json:"destination"`
	Via         string `json:"via,omitempty"` // gateway address
	Iface       string `json:"iface,omitempty"`
	Protocol    string `json:"protocol"`
	Metric      int    `json:"metric,omitempty"`
	Scope       string `json:"scope,omitempty"`
	Source      string `json:"source,omitempty"`
	Type        string `json:"type"` // unicast, blackhole, unreachable, …
}

// BGPReport is `bgp NODE`: the speaker and its sessions, from netemu's
// agent or FRR's bgpd (Daemon says which).
type BGPReport struct {
	Node     string          `json:"node"`
	Daemon   string          `json:"daemon"` // "netemu" or "frr"
	ASN      uint32          `json:"asn"`
	RouterID string          `json:"router_id"`
	Prefixes int             `json:"prefixes"`
	Peers    []BGPPeerReport `json:"peers"`
}

// BGPPeerReport is one BGP session.
type BGPPeerReport struct {
	Address          string    `json:"address"`
	Name             string    `json:"name,omitempty"` // the lab's node, if any
	LocalAddress     string    `json:"local_address,omitempty"`
	ASN              uint32    `json:"asn"`
	Type             string    `json:"type"` // "ebgp", "ibgp", "ebgp/customer"…
	State            string    `json:"state"`
	External         bool      `json:"external,omitempty"` // a speaker netemu does not run
	UpSinceAt        time.Time `json:"up_since_at,omitzero"`
	UptimeMS         int64     `json:"uptime_ms,omitempty"`
	PrefixesReceived int       `json:"prefixes_received"`
	PrefixesAccepted int       `json:"prefixes_accepted"`
	PrefixesSent     int       `json:"prefixes_sent"`
	RouterID         string    `json:"router_id,omitempty"`
	LastError        string    `json:"last_error,omitempty"`
	Flaps            int       `json:"flaps"`
	Description      string    `json:"description,omitempty"`
}

// BGPRoutesReport is `bgp NODE routes`.
type BGPRoutesReport struct {
	Node   string           `json:"node"`
	Routes []BGPRouteReport `json:"routes"`
}

// BGPRouteReport is one BGP path.
type BGPRouteReport struct {
	Prefix           string    `json:"prefix"`
	Best             bool      `json:"best"`
	From             string    `json:"from"` // peer address or "local"
	FromName         string    `json:"from_name,omitempty"`
	IBGP             bool      `json:"ibgp"`
	NextHop          string    `json:"next_hop,omitempty"`
	Reachable        bool      `json:"reachable"`
	ASPath           string    `json:"as_path"`
	Origin           string    `json:"origin"`
	MED              *uint32   `json:"med,omitempty"`
	LocalPref        uint32    `json:"local_pref"`
	Communities      []string  `json:"communities,omitempty"`
	LargeCommunities []string  `json:"large_communities,omitempty"`
	SinceAt          time.Time `json:"since_at,omitzero"`
}

// RIPReport is `rip NODE`, from netemu's agent or FRR's ripd.
type RIPReport struct {
	Node       string               `json:"node"`
	Daemon     string               `json:"daemon"`
	Interfaces []RIPIfaceReport     `json:"interfaces,omitempty"` // netemu's agent only
	Neighbours []RIPNeighbourReport `json:"neighbours"`
	Routes     []RIPRouteReport     `json:"routes"`
	BadPackets map[string]uint64    `json:"bad_packets,omitempty"` // by reason
}

// RIPIfaceReport is an interface of a RIP router, with its send path's
// counters: packets the kernel refused (full send buffer), those queued
// for a retry, and queued packets given up.
type RIPIfaceReport struct {
	Iface      string `json:"iface"`
	Address    string `json:"address,omitempty"` // a prefix
	Up         bool   `json:"up"`
	RIP        bool   `json:"rip"` // RIP runs on it
	SendErrors uint64 `json:"send_errors"`
	Queued     int    `json:"queued"`
	SendDrops  uint64 `json:"send_drops"`
}

// RIPNeighbourReport is a RIP router heard from.
type RIPNeighbourReport struct {
	Address     string            `json:"address"`
	Iface       string            `json:"iface,omitempty"`
	Up          bool              `json:"up"`
	LastHeardAt time.Time         `json:"last_heard_at,omitzero"`
	Packets     uint64            `json:"packets"`
	BadPackets  map[string]uint64 `json:"bad_packets,omitempty"`
}

// RIPRouteReport is one RIP table entry.
type RIPRouteReport struct {
	Prefix  string `json:"prefix"`
	Metric  uint32 `json:"metric"`
	NextHop string `json:"next_hop,omitempty"`
	Iface   string `json:"iface,omitempty"`
	AgeMS   int64  `json:"age_ms"`
	State   string `json:"state"` // local, active, garbage (FRR: its type code)
}

// WaitReport is `wait` (and `up`'s converged field).
type WaitReport struct {
	Converged  bool      `json:"converged"`
	TookMS     int64     `json:"took_ms"`
	StaticOnly bool      `json:"static_only,omitempty"`
	LastChange time.Time `json:"last_change_at,omitzero"`
	// AfterFault is the fault the last change followed, and how long after.
	AfterFault   string `json:"after_fault,omitempty"`
	AfterFaultMS int64  `json:"after_fault_ms,omitempty"`
	// External lists sessions to speakers netemu does not run that are
	// not up: they do not hold convergence back.
	External []ProblemReport `json:"external,omitempty"`
}

// ProblemReport is something not (yet) in its converged state.
type ProblemReport struct {
	Node  string `json:"node"`
	What  string `json:"what"`
	State string `json:"state"`
}

// ValidateReport is `validate FILE`.
type ValidateReport struct {
	File   string             `json:"file"`
	Lab    string             `json:"lab,omitempty"`
	OK     bool               `json:"ok"`
	Nodes  int                `json:"nodes"`
	Links  int                `json:"links"`
	Errors []DiagnosticReport `json:"errors"`
	Warn   []DiagnosticReport `json:"warnings,omitempty"`
	// RouteReflectors: the ASes with iBGP route reflectors (named or
	// picked by default).
	RouteReflectors []ReflectorReport `json:"route_reflectors,omitempty"`
}

// DiagnosticReport is one error (or warning) in a lab file.
type DiagnosticReport struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Summary string `json:"summary"`
	Detail  string `json:"detail,omitempty"`
}

// LogsReport is `logs NODE [PROCESS]`.
type LogsReport struct {
	Node      string             `json:"node"`
	Processes []ProcessLogReport `json:"processes"`
}

// ProcessLogReport is one process's log.
type ProcessLogReport struct {
	Name    string `json:"name"`
	LogFile string `json:"log_file"`
	Log     string `json:"log"`
}

// ChangeReport is what a change command did: `instance stop|start`,
// `link down|up`, `node stop|start`, `down`.
type ChangeReport struct {
	Command string `json:"command"` // e.g. "instance stop", "link down"
	Target  string `json:"target"`  // the instance, node, link "A–B" or lab
	Message string `json:"message"`
	// PublicIP: instance start, the instance's new public IP.
	PublicIP string `json:"public_ip,omitempty"`
	// Hint names what remains to do elsewhere (other machines).
	Hint    string `json:"hint,omitempty"`
	Warning string `json:"warning,omitempty"`
}

// DownReportJSON is `down`: every share removed (or found not up).
type DownReportJSON struct {
	Shares []DownShareReport `json:"shares"`
}

// DownShareReport is one share `down` looked at.
type DownShareReport struct {
	Share string `json:"share"`
	WasUp bool   `json:"was_up"`
}

// EventsReport is `events`: the timeline relative to the last failure.
type EventsReport struct {
	RefAt         time.Time     `json:"ref_at,omitzero"`
	RefLabel      string        `json:"ref_label,omitempty"`
	Entries       []EventReport `json:"entries"`
	LastChangeAt  time.Time     `json:"last_change_at,omitzero"`
	ConvergenceMS int64         `json:"convergence_ms,omitempty"`
}

// EventReport is one routing event; `events -f -o json` prints one per line.
type EventReport struct {
	Time   time.Time `json:"time"`
	RelMS  int64     `json:"rel_ms"`
	Node   string    `json:"node"`
	Daemon string    `json:"daemon"`
	Kind   string    `json:"kind"`
	Prefix string    `json:"prefix,omitempty"`
	Peer   string    `json:"peer,omitempty"`
	Iface  string    `json:"iface,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// TraceReport is `trace A B`.
type TraceReport struct {
	From        string      `json:"from"`
	Source      string      `json:"source,omitempty"`
	Destination string      `json:"destination"`
	Hops        []HopReport `json:"hops"`
	Result      string      `json:"result"` // arrived, blackhole, unreachable, loop, left the lab, …
	Reached     bool        `json:"reached"`
	Detail      string      `json:"detail,omitempty"`
}

// HopReport is one node a traced packet passes.
type HopReport struct {
	Node        string `json:"node"`
	InIface     string `json:"in_iface,omitempty"`
	OutIface    string `json:"out_iface,omitempty"`
	Via         string `json:"via,omitempty"`
	Destination string `json:"destination"`
	Note        string `json:"note,omitempty"`
}

// VersionReport is `version`.
type VersionReport struct {
	Version       string `json:"version"`
	Commit        string `json:"commit,omitempty"`
	GoVersion     string `json:"go_version"`
	SchemaVersion int    `json:"schema_version"`
}

// ExampleReport is one embedded example lab (`examples`).
type ExampleReport struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Nodes       int    `json:"nodes"`
	Links       int    `json:"links"`
}

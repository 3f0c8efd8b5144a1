package lab

// The -o json reports of `ospf NODE` and `bfd NODE`, converted from the
// daemons' status types so that their names and units follow report.go's
// conventions (the status types are the agent's wire format and keep
// Go durations, "addr" and numeric kinds).

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/netemu/netemu/routing/bfd"
	"github.com/netemu/netemu/routing/ospf"
)

// OSPFReport is `ospf NODE`, from netemu's agent or FRR's ospfd.
type OSPFReport struct {
	Node       string                `json:"node"`
	Daemon     string                `json:"daemon"` // "netemu" or "frr"
	RouterID   string                `json:"router_id"`
	ABR        bool                  `json:"abr"`
	ASBR       bool                  `json:"asbr"`
	SPFRuns    uint64                `json:"spf_runs"`
	Interfaces []OSPFIfaceReport     `json:"interfaces"`
	Neighbours []OSPFNeighbourReport `json:"neighbours"`
	Database   []OSPFLSAReport       `json:"database"`
	Routes     []OSPFRouteReport     `json:"routes"`
	BadPackets map[string]uint64     `json:"bad_packets,omitempty"` // by reason

	status *ospf.Status // what the text table prints
}

// OSPFIfaceReport is one OSPF interface.
type OSPFIfaceReport struct {
	Iface      string `json:"iface"`
	Address    string `json:"address,omitempty"` // a prefix, "10.0.0.1/30"
	Area       string `json:"area"`
	Type       string `json:"type"` // broadcast, point-to-point
	State      string `json:"state"`
	Cost       uint16 `json:"cost"`
	Passive    bool   `json:"passive,omitempty"`
	DR         string `json:"dr,omitempty"` // router IDs
	BDR        string `json:"bdr,omitempty"`
	Neighbours int    `json:"neighbours"`
	Adjacent   int    `json:"adjacent"`
}

// OSPFNeighbourReport is one OSPF neighbour.
type OSPFNeighbourReport struct {
	RouterID string `json:"router_id"`
	Address  string `json:"address"`
	Iface    string `json:"iface"`
	Priority uint8  `json:"priority"`
	State    string `json:"state"`
	Role     string `json:"role,omitempty"` // DR, Backup, DROther on broadcast networks
	DeadMS   int64  `json:"dead_ms"`        // until the neighbour is declared down
	// RetransmitQueue and RequestQueue are the lengths of the
	// retransmission and link-state request lists.
	RetransmitQueue int `json:"retransmit_queue"`
	RequestQueue    int `json:"request_queue"`
}

// OSPFLSAReport is one LSA of the link-state database.
type OSPFLSAReport struct {
	Area      string `json:"area,omitempty"` // none for AS-external-LSAs
	Type      uint8  `json:"type"`
	ID        string `json:"id"`
	AdvRouter string `json:"adv_router"`
	AgeMS     int64  `json:"age_ms"` // LS age (whole seconds on the wire)
	Seq       string `json:"seq"`    // hex, "0x80000001"
	Checksum  string `json:"checksum"`
	Length    uint16 `json:"length"`
}

// OSPFRouteReport is one route of the OSPF routing table.
type OSPFRouteReport struct {
	Prefix   string              `json:"prefix"`
	Kind     string              `json:"kind"` // connected, intra-area, inter-area, external-1, external-2
	Area     string              `json:"area,omitempty"`
	Cost     uint32              `json:"cost"`
	Cost2    uint32              `json:"cost2,omitempty"` // the type-2 external metric
	NextHops []OSPFNextHopReport `json:"next_hops"`
}

// OSPFNextHopReport is one of a route's equal-cost next hops.
type OSPFNextHopReport struct {
	Iface   string `json:"iface"`
	Address string `json:"address,omitempty"` // none on a directly attached network
}

// OSPFReportOf converts an OSPF status (netemu's or FRR's, daemon says).
func OSPFReportOf(node, daemon string, s *ospf.Status) OSPFReport {
	r := OSPFReport{Node: node, Daemon: daemon, RouterID: s.RouterID, ABR: s.ABR, ASBR: s.ASBR, SPFRuns: s.SPFRuns,
		Interfaces: []OSPFIfaceReport{}, Neighbours: []OSPFNeighbourReport{}, Database: []OSPFLSAReport{}, Routes: []OSPFRouteReport{},
		BadPackets: stringKeys(s.BadPackets), status: s}
	for _, i := range s.Interfaces {
		ir := OSPFIfaceReport{Iface: i.Name, Area: i.Area, Type: string(i.Type), State: i.State, Cost: i.Cost, Passive: i.Passive,
			DR: i.DR, BDR: i.BDR, Neighbours: i.Neighbours, Adjacent: i.Adjacent}
		if i.Addr.IsValid() {
			ir.Address = i.Addr.String()
		}
		r.Interfaces = append(r.Interfaces, ir)
	}
	for _, n := range s.Neighbours {
		r.Neighbours = append(r.Neighbours, OSPFNeighbourReport{RouterID: n.RouterID, Address: addrText(n.Addr), Iface: n.Iface,
			Priority: n.Priority, State: n.State, Role: n.Role, DeadMS: ms(n.DeadTime), RetransmitQueue: n.Retransmit, RequestQueue: n.Request})
	}
	for _, l := range s.Database {
		r.Database = append(r.Database, OSPFLSAReport{Area: l.Area, Type: l.Type, ID: l.ID, AdvRouter: l.Adv,
			AgeMS: ms(time.Duration(l.Age) * time.Second), Seq: l.Seq, Checksum: l.Checksum, Length: l.Length})
	}
	for _, rt := range s.Routes {
		or := OSPFRouteReport{Prefix: rt.Prefix.String(), Kind: rt.Kind.String(), Cost: rt.Cost, Cost2: rt.Cost2, NextHops: []OSPFNextHopReport{}}
		if rt.Area != 0 || rt.Kind < ospf.KindExt1 {
			or.Area = rt.Area.String()
		}
		for _, nh := range rt.NextHops {
			or.NextHops = append(or.NextHops, OSPFNextHopReport{Iface: nh.Iface, Address: addrText(nh.Addr)})
		}
		r.Routes = append(r.Routes, or)
	}
	return r
}

// WriteText is `ospf NODE`'s table, unchanged by the report.
func (r *OSPFReport) WriteText(w io.Writer) error { return r.status.WriteText(w) }

// OSPFSummary is `ospf NODE`: its agent's (or FRR's ospfd's) state as a report.
func OSPFSummary(ctx context.Context, labFlag, node string) (*OSPFReport, error) {
	s, err := OSPF(ctx, labFlag, node)
	if err != nil {
		return nil, err
	}
	daemon := "netemu"
	if st, err := routerShare(labFlag, node); err == nil && runsFRR(st, node) {
		daemon = "frr"
	}
	r := OSPFReportOf(node, daemon, s)
	return &r, nil
}

// BFDReport is `bfd NODE`: a router's BFD sessions, from its agent.
type BFDReport struct {
	Node       string             `json:"node"`
	Sessions   []BFDSessionReport `json:"sessions"`
	BadPackets map[string]uint64  `json:"bad_packets,omitempty"` // by reason, sessions' and strangers'

	status *bfd.Status // what the text table prints
}

// BFDSessionReport is one BFD session. Intervals are the RFC 5880 timers
// in milliseconds: what we asked for, what the peer asked for, and what
// is in force.
type BFDSessionReport struct {
	Address             string            `json:"address"` // the peer
	LocalAddress        string            `json:"local_address,omitempty"`
	Iface               string            `json:"iface,omitempty"`
	Multihop            bool              `json:"multihop,omitempty"`
	State               string            `json:"state"` // AdminDown, Down, Init, Up
	RemoteState         string            `json:"remote_state"`
	LocalDiscriminator  uint32            `json:"local_discriminator"`
	RemoteDiscriminator uint32            `json:"remote_discriminator"`
	LocalDiag           string            `json:"local_diag"`
	LastDownDiag        string            `json:"last_down_diag"` // why the session last left Up
	RemoteDiag          string            `json:"remote_diag"`
	SinceAt             time.Time         `json:"since_at,omitzero"` // in this state since
	Downs               int               `json:"downs"`
	MinTxMS             int64             `json:"min_tx_ms"`
	MinRxMS             int64             `json:"min_rx_ms"`
	Multiplier          uint8             `json:"multiplier"`
	RemoteMinTxMS       int64             `json:"remote_min_tx_ms"`
	RemoteMinRxMS       int64             `json:"remote_min_rx_ms"`
	RemoteMultiplier    uint8             `json:"remote_multiplier"`
	TxIntervalMS        int64             `json:"tx_interval_ms"`
	DetectTimeMS        int64             `json:"detect_time_ms"`
	Poll                bool              `json:"poll,omitempty"`
	Passive             bool              `json:"passive,omitempty"`
	Auth                string            `json:"auth"`
	RxPackets           uint64            `json:"rx_packets"`
	TxPackets           uint64            `json:"tx_packets"`
	LastRxAt            time.Time         `json:"last_rx_at,omitzero"`
	BadPackets          map[string]uint64 `json:"bad_packets,omitempty"`
}

// BFDReportOf converts the agent's BFD status.
func BFDReportOf(node string, s *bfd.Status) BFDReport {
	r := BFDReport{Node: node, Sessions: []BFDSessionReport{}, BadPackets: stringKeys(s.BadPackets), status: s}
	for _, x := range s.Sessions {
		r.Sessions = append(r.Sessions, BFDSessionReport{Address: addrText(x.Peer), LocalAddress: addrText(x.Local), Iface: x.Iface,
			Multihop: x.Multihop, State: x.State.String(), RemoteState: x.RemoteState.String(),
			LocalDiscriminator: x.LocalDiscr, RemoteDiscriminator: x.RemoteDiscr,
			LocalDiag: x.LocalDiag.String(), LastDownDiag: x.LastDownDiag.String(), RemoteDiag: x.RemoteDiag.String(),
			SinceAt: x.Since, Downs: x.Downs, MinTxMS: ms(x.MinTx), MinRxMS: ms(x.MinRx), Multiplier: x.Multiplier,
			RemoteMinTxMS: ms(x.RemoteMinTx), RemoteMinRxMS: ms(x.RemoteMinRx), RemoteMultiplier: x.RemoteMultiplier,
			TxIntervalMS: ms(x.TxInterval), DetectTimeMS: ms(x.DetectTime), Poll: x.Poll, Passive: x.Passive,
			Auth: x.Auth.String(), RxPackets: x.RxPackets, TxPackets: x.TxPackets, LastRxAt: x.LastRx, BadPackets: stringKeys(x.BadPackets)})
	}
	return r
}

// WriteText is `bfd NODE`'s table, unchanged by the report.
func (r *BFDReport) WriteText(w io.Writer) error { return r.status.WriteText(w) }

// BFDSummary is `bfd NODE`: its agent's sessions as a report.
func BFDSummary(ctx context.Context, labFlag, node string) (*BFDReport, error) {
	s, err := BFD(ctx, labFlag, node)
	if err != nil {
		return nil, err
	}
	r := BFDReportOf(node, s)
	return &r, nil
}

// stringKeys is a by-reason counter map with plain string keys, nil when
// empty (so the field is left out).
func stringKeys[K ~string](m map[K]uint64) map[string]uint64 {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]uint64, len(m))
	for k, v := range m {
		out[fmt.Sprint(k)] = v
	}
	return out
}

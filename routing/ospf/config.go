package ospf

import (
	"net/netip"
	"time"
)

// Config is one router's OSPF configuration, in OSPF's own terms (the
// agent converts the lab's model into it).
type Config struct {
	RouterID   ID          `json:"router_id"`
	Areas      []Area      `json:"areas"`
	Interfaces []Interface `json:"interfaces"`
	// External are routes redistributed as AS-external-LSAs (type 5);
	// empty unless the lab asks for redistribution.
	External []External `json:"external,omitempty"`
	// SPFDelay is the least time between two SPF runs: a change after a
	// quiet spell runs SPF at once, a flood of changes is batched.
	SPFDelay time.Duration `json:"spf_delay"`
	// MinLSInterval is the least time between two originations of one
	// LSA (RFC 2328: 5 s); MinLSArrival the least between two accepted
	// instances (1 s). Fast labs shorten both.
	MinLSInterval time.Duration `json:"min_ls_interval"`
	MinLSArrival  time.Duration `json:"min_ls_arrival"`
	// Refresh is LSRefreshTime (30 min).
	Refresh time.Duration `json:"refresh"`
}

// Area is one area the router attaches to.
type Area struct {
	ID ID `json:"id"`
	// Stub areas carry no AS-external-LSAs; their ABRs originate a
	// default summary with DefaultCost instead.
	Stub        bool   `json:"stub,omitempty"`
	NoSummary   bool   `json:"no_summary,omitempty"` // totally stubby: only the default summary
	DefaultCost uint32 `json:"default_cost,omitempty"`
}

// NetType is an interface's network type.
type NetType string

// Network types.
const (
	PointToPoint NetType = "point-to-point"
	Broadcast    NetType = "broadcast"
)

// Interface is one interface OSPF knows: Passive interfaces (and
// loopbacks) are advertised as stub networks and send nothing.
type Interface struct {
	Name    string       `json:"name"`
	Addr    netip.Prefix `json:"addr"`
	Area    ID           `json:"area"`
	Type    NetType      `json:"type"`
	Cost    uint16       `json:"cost"`
	Passive bool         `json:"passive,omitempty"`
	// Priority is the router's DR priority on a broadcast network (0
	// means the default, 1; Ineligible makes the router never DR/BDR).
	Priority   uint8         `json:"priority,omitempty"`
	Ineligible bool          `json:"ineligible,omitempty"`
	Hello      time.Duration `json:"hello"`
	Dead       time.Duration `json:"dead"`
	// Retransmit is RxmtInterval: DD, LSR and unacknowledged LSAs are
	// sent again after it.
	Retransmit time.Duration `json:"retransmit"`
	MTU        uint16        `json:"mtu,omitempty"`
	Auth       *Auth         `json:"auth,omitempty"`
}

// External is one redistributed route.
type External struct {
	Prefix netip.Prefix `json:"prefix"`
	Metric uint32       `json:"metric"`
	Type1  bool         `json:"type1,omitempty"` // else type 2 (the default)
	Tag    uint32       `json:"tag,omitempty"`
}

// withDefaults fills what the configuration leaves zero with RFC 2328's
// values.
func (c Config) withDefaults() Config {
	if c.SPFDelay <= 0 {
		c.SPFDelay = 50 * time.Millisecond
	}
	if c.MinLSInterval <= 0 {
		c.MinLSInterval = 5 * time.Second
	}
	if c.MinLSArrival <= 0 {
		c.MinLSArrival = time.Second
	}
	if c.Refresh <= 0 {
		c.Refresh = 30 * time.Minute
	}
	ifs := make([]Interface, len(c.Interfaces))
	for i, f := range c.Interfaces {
		if f.Type == "" {
			f.Type = Broadcast
		}
		if f.Cost == 0 {
			f.Cost = 10
		}
		if f.Hello <= 0 {
			f.Hello = 10 * time.Second
		}
		if f.Dead <= 0 {
			f.Dead = 4 * f.Hello
		}
		if f.Retransmit <= 0 {
			f.Retransmit = 5 * time.Second
		}
		if f.Priority == 0 {
			f.Priority = 1
		}
		if f.Ineligible {
			f.Priority = 0
		}
		if f.MTU == 0 {
			f.MTU = 1500
		}
		ifs[i] = f
	}
	c.Interfaces = ifs
	areas := make([]Area, len(c.Areas))
	for i, a := range c.Areas {
		if a.DefaultCost == 0 {
			a.DefaultCost = 1
		}
		areas[i] = a
	}
	c.Areas = areas
	return c
}

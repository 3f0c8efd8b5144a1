package topo

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Defaults of the lab block.
const (
	DefaultLinkPool     = "100.64.0.0/16"
	DefaultLoopbackPool = "100.127.0.0/16"
	TimersRFC           = "rfc"
	TimersFast          = "fast"
	DaemonsNetemu       = "netemu"
	DaemonsFRR          = "frr"
	DaemonsNone         = "none"
	PublicIPAuto        = "auto"
	PublicIPNone        = "none"
)

// TimersFor returns the timer values of a timers name ("rfc" or "fast").
func TimersFor(name string) Timers {
	if name == TimersFast {
		return Timers{
			RIPUpdate: 5 * time.Second, RIPTimeout: 30 * time.Second, RIPGarbage: 20 * time.Second,
			BGPHold: 9 * time.Second, BGPKeepalive: 3 * time.Second, BGPConnectRetry: 2 * time.Second,
		}
	}
	return Timers{
		RIPUpdate: 30 * time.Second, RIPTimeout: 180 * time.Second, RIPGarbage: 120 * time.Second,
		BGPHold: 90 * time.Second, BGPKeepalive: 30 * time.Second, BGPConnectRetry: 120 * time.Second,
	}
}

// builder turns the decoded file into a Lab, collecting every diagnostic.
type builder struct {
	opts   Options
	diags  hcl.Diagnostics
	blocks map[int]*hclsyntax.Block // by the byte offset of DefRange
	start  hcl.Range                // the file's first position, for file-level errors
	lab    *Lab

	nodeDecl map[string]hcl.Range // every node name → where it was declared
	linkPool netip.Prefix
	loPool   netip.Prefix

	// pending data between phases
	routerRaw    map[string]*routerHCL
	hostRaw      map[string]*hostHCL
	switchRaw    map[string]*switchHCL
	instRaw      map[string]*instanceHCL
	vpcOf        map[string]string // subnet → vpc
	explicitLo   map[string]bool   // routers whose loopback the file gave
	links        []*pendingLink
	linkAlloc    *allocator
	edgeIGWLink  map[string]int // vpc → link index
	igwRouterLnk map[string]int
	// badNodes are node names already reported invalid: what refers to
	// them is not reported once more per use.
	badNodes map[string]bool
}

// pendingLink is a link block parsed but not yet addressed.
type pendingLink struct {
	raw         *linkHCL
	link        *Link
	aIf, bIf    string // explicit interface names ("" = automatic)
	subnetGiven bool
	subnetSubj  *hcl.Range
	// sw is the switch of a member's port ("" on a point-to-point link),
	// addr the member's address on it; swapped: the file put the switch
	// first.
	sw      string
	addr    netip.Addr
	swapped bool
}

func newBuilder(f *hcl.File, opts Options) *builder {
	b := &builder{
		opts:         opts,
		blocks:       map[int]*hclsyntax.Block{},
		nodeDecl:     map[string]hcl.Range{},
		routerRaw:    map[string]*routerHCL{},
		hostRaw:      map[string]*hostHCL{},
		switchRaw:    map[string]*switchHCL{},
		instRaw:      map[string]*instanceHCL{},
		vpcOf:        map[string]string{},
		explicitLo:   map[string]bool{},
		edgeIGWLink:  map[string]int{},
		igwRouterLnk: map[string]int{},
		badNodes:     map[string]bool{},
	}
	if body, ok := f.Body.(*hclsyntax.Body); ok {
		b.indexBlocks(body)
		b.start = hcl.Range{Filename: body.SrcRange.Filename, Start: body.SrcRange.Start, End: body.SrcRange.Start}
	}
	return b
}

func (b *builder) indexBlocks(body *hclsyntax.Body) {
	for _, blk := range body.Blocks {
		b.blocks[blk.DefRange().Start.Byte] = blk
		b.indexBlocks(blk.Body)
	}
}

// errf records an error diagnostic.
func (b *builder) errf(subject *hcl.Range, summary, format string, args ...any) {
	r := *subject
	detail := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(detail, ".") && !strings.HasSuffix(detail, "?") {
		detail += "."
	}
	b.diags = append(b.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   detail,
		Subject:  &r,
	})
}

// attr is the range of attribute name's value in body, or def when the
// attribute is absent.
func attr(body hcl.Body, name string, def hcl.Range) *hcl.Range {
	if sb, ok := body.(*hclsyntax.Body); ok {
		if a, ok := sb.Attributes[name]; ok {
			r := a.Expr.Range()
			return &r
		}
	}
	return &def
}

// elem is the range of element i of the list attribute name.
func elem(body hcl.Body, name string, i int, def hcl.Range) *hcl.Range {
	if sb, ok := body.(*hclsyntax.Body); ok {
		if a, ok := sb.Attributes[name]; ok {
			if t, ok := a.Expr.(*hclsyntax.TupleConsExpr); ok && i < len(t.Exprs) {
				r := t.Exprs[i].Range()
				return &r
			}
			r := a.Expr.Range()
			return &r
		}
	}
	return &def
}

// label is the range of the block's label i.
func (b *builder) label(def hcl.Range, i int) *hcl.Range {
	if blk, ok := b.blocks[def.Start.Byte]; ok && i < len(blk.LabelRanges) {
		r := blk.LabelRanges[i]
		return &r
	}
	return &def
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func where(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line)
}

// names tracks names of one kind for duplicate detection.
type names map[string]hcl.Range

func (b *builder) unique(seen names, kind, name string, def hcl.Range, max int) bool {
	if p := checkName(name, max); p != "" {
		b.errf(b.label(def, 0), "Invalid name", "%s %s", kind, p)
		return false
	}
	if prev, dup := seen[name]; dup {
		b.errf(b.label(def, 0), "Duplicate name", "%s %q is already defined at %s.", kind, name, where(prev))
		return false
	}
	seen[name] = def
	return true
}

func (b *builder) build(f *fileHCL) *Lab {
	b.lab = &Lab{Source: b.opts.Source}
	b.buildLab(f)
	b.buildMachines(f)
	b.buildASes(f)
	b.buildPrefixLists(f)
	b.buildPolicies(f)
	b.declareNodes(f)
	b.buildVPCs(f)
	b.buildACLs(f)
	b.buildSubnets(f)
	b.buildKeyPairs(f)
	b.buildSecurityGroups(f)
	b.buildElasticIPs(f)
	b.buildNodes(f)
	b.buildLinks(f)
	b.allocate()
	b.addressSwitches()
	b.expandVPCs()
	b.wireInterfaces()
	b.buildOSPF()
	b.checkSwitchASes()
	b.buildRoutes()
	b.buildBGPNeighbors()
	b.buildReflectors(f)
	b.checkStaticIBGP()
	b.checkPublicPools()
	b.checkAddresses()
	b.checkMachines()
	b.buildClient(f)
	return b.lab
}

func (b *builder) buildLab(f *fileHCL) {
	l := b.lab
	l.TimersName, l.Daemons = TimersRFC, DaemonsNetemu
	b.linkPool = netip.MustParsePrefix(DefaultLinkPool)
	b.loPool = netip.MustParsePrefix(DefaultLoopbackPool)
	if len(f.Labs) == 0 {
		b.errf(&b.start, "Missing lab block", "The file needs one lab \"NAME\" { } block naming the lab.")
		l.Timers = TimersFor(l.TimersName)
		l.Region = DefaultRegion
		return
	}
	for _, extra := range f.Labs[1:] {
		b.errf(&extra.DefRange, "Duplicate lab block", "A file describes one lab; the first lab block is at %s.", where(f.Labs[0].DefRange))
	}
	raw := f.Labs[0]
	l.Name = raw.Name
	if p := checkName(raw.Name, MaxLabName); p != "" {
		b.errf(b.label(raw.DefRange, 0), "Invalid lab name", "lab %s", p)
	}
	l.Description = str(raw.Description)
	l.BFD = b.bfd(raw.BFD)
	if raw.Timers != nil {
		if p := oneOf("timers", *raw.Timers, TimersRFC, TimersFast); p != "" {
			b.errf(attr(raw.Body, "timers", raw.DefRange), "Invalid timers", "%s", p)
		} else {
			l.TimersName = *raw.Timers
		}
	}
	l.Timers = TimersFor(l.TimersName)
	b.buildRegion(raw)
	b.buildVXLANPort(raw)
	if raw.Daemons != nil {
		if p := oneOf("daemons", *raw.Daemons, DaemonsNetemu, DaemonsFRR, DaemonsNone); p != "" {
			b.errf(attr(raw.Body, "daemons", raw.DefRange), "Invalid daemons", "%s", p)
		} else {
			l.Daemons = *raw.Daemons
		}
	}
	pool := func(name string, v *string, dst *netip.Prefix, maxBits int) {
		if v == nil {
			return
		}
		p, prob := parsePrefix(*v)
		switch {
		case prob != "":
			b.errf(attr(raw.Body, name, raw.DefRange), "Invalid CIDR", "%s: %s", name, prob)
		case p.Bits() > maxBits:
			b.errf(attr(raw.Body, name, raw.DefRange), "Pool too small", "%s %s is too small: use at most a /%d.", name, p, maxBits)
		default:
			*dst = p
		}
	}
	pool("link_pool", raw.LinkPool, &b.linkPool, 30)
	pool("loopback_pool", raw.LoopbackPool, &b.loPool, 31)
	if b.linkPool.Overlaps(b.loPool) {
		b.errf(attr(raw.Body, "loopback_pool", raw.DefRange), "Overlapping pools",
			"loopback_pool %s overlaps link_pool %s.", b.loPool, b.linkPool)
	}
}

func (b *builder) buildMachines(f *fileHCL) {
	seen, addrs := names{}, map[netip.Addr]hcl.Range{}
	for _, m := range f.Machines {
		if !b.unique(seen, "machine", m.Name, m.DefRange, MaxName) {
			continue
		}
		mm := &Machine{Name: m.Name, Range: m.DefRange}
		a, prob := parseAddr(m.Address)
		if prob != "" {
			b.errf(attr(m.Body, "address", m.DefRange), "Invalid address", "machine %q: %s", m.Name, prob)
		} else if prev, dup := addrs[a]; dup {
			b.errf(attr(m.Body, "address", m.DefRange), "Duplicate machine address",
				"machine %q: address %s is already used by the machine at %s.", m.Name, a, where(prev))
		} else {
			addrs[a] = m.DefRange
			mm.Address = a
		}
		b.lab.Machines = append(b.lab.Machines, mm)
	}
}

func (b *builder) buildASes(f *fileHCL) {
	seen, asns := names{}, map[int64]hcl.Range{}
	for _, r := range f.ASes {
		if !b.unique(seen, "autonomous_system", r.Name, r.DefRange, MaxName) {
			continue
		}
		as := &AS{Name: r.Name, IGP: IGPRIP, Range: r.DefRange}
		switch {
		case r.ASN == nil:
			b.errf(&r.DefRange, "Missing asn", "autonomous_system %q needs an asn (%d to %d).", r.Name, MinASN, MaxASN)
		case *r.ASN < MinASN || *r.ASN > MaxASN:
			b.errf(attr(r.Body, "asn", r.DefRange), "ASN out of range", "asn %d is out of range: use %d to %d.", *r.ASN, MinASN, MaxASN)
		default:
			if prev, dup := asns[*r.ASN]; dup {
				b.errf(attr(r.Body, "asn", r.DefRange), "Duplicate ASN", "asn %d is already used by the autonomous_system at %s.", *r.ASN, where(prev))
			}
			asns[*r.ASN] = r.DefRange
			as.ASN = uint32(*r.ASN)
		}
		if r.IGP != nil {
			if p := oneOf("igp", *r.IGP, IGPRIP, IGPOSPF, IGPStatic); p != "" {
				b.errf(attr(r.Body, "igp", r.DefRange), "Invalid igp", "%s", p)
			} else {
				as.IGP = *r.IGP
			}
		}
		for i, s := range r.Prefixes {
			p, prob := parsePrefix(s)
			if prob != "" {
				b.errf(elem(r.Body, "prefixes", i, r.DefRange), "Invalid CIDR", "prefixes: %s", prob)
				continue
			}
			as.Prefixes = append(as.Prefixes, p)
		}
		if a := r.RIPAuth; a != nil {
			auth := &RIPAuth{}
			if p := oneOf("rip_auth type", str(a.Type), "plain", "md5"); p != "" {
				b.errf(attr(a.Body, "type", a.DefRange), "Invalid rip_auth type", "%s", p)
			}
			auth.Type = str(a.Type)
			if k := str(a.Key); k == "" || len(k) > 16 {
				b.errf(attr(a.Body, "key", a.DefRange), "Invalid rip_auth key", "rip_auth needs a key of 1 to 16 bytes.")
			}
			auth.Key = str(a.Key)
			if a.KeyID != nil {
				if *a.KeyID < 0 || *a.KeyID > 255 {
					b.errf(attr(a.Body, "key_id", a.DefRange), "Invalid rip_auth key_id", "key_id %d is out of range: use 0 to 255.", *a.KeyID)
				} else {
					auth.KeyID = uint8(*a.KeyID)
				}
			}
			as.RIPAuth = auth
		}
		as.BFD = b.bfd(r.BFD)
		b.asOSPF(as, r)
		b.lab.ASes = append(b.lab.ASes, as)
	}
}

func (b *builder) buildPrefixLists(f *fileHCL) {
	seen := names{}
	for _, r := range f.PrefixLists {
		if !b.unique(seen, "prefix_list", r.Name, r.DefRange, MaxName) {
			continue
		}
		pl := &PrefixList{Name: r.Name, Range: r.DefRange, Entries: []PrefixListEntry{}}
		for _, e := range r.Entries {
			ent := PrefixListEntry{Action: "permit"}
			p, prob := parsePrefix(e.Prefix)
			if prob != "" {
				b.errf(attr(e.Body, "prefix", e.DefRange), "Invalid CIDR", "prefix: %s", prob)
			}
			ent.Prefix = p
			bound := func(name string, v *int64) int {
				if v == nil {
					return 0
				}
				if *v < int64(p.Bits()) || *v > 32 {
					b.errf(attr(e.Body, name, e.DefRange), "Invalid prefix length", "%s %d must be between the prefix length %d and 32.", name, *v, p.Bits())
					return 0
				}
				return int(*v)
			}
			if prob == "" {
				ent.GE, ent.LE = bound("ge", e.GE), bound("le", e.LE)
				if ent.GE != 0 && ent.LE != 0 && ent.GE > ent.LE {
					b.errf(attr(e.Body, "le", e.DefRange), "Invalid prefix length", "le %d is smaller than ge %d.", ent.LE, ent.GE)
				}
			}
			if e.Action != nil {
				if p := oneOf("action", *e.Action, "permit", "deny"); p != "" {
					b.errf(attr(e.Body, "action", e.DefRange), "Invalid action", "%s", p)
				} else {
					ent.Action = *e.Action
				}
			}
			pl.Entries = append(pl.Entries, ent)
		}
		b.lab.PrefixLists = append(b.lab.PrefixLists, pl)
	}
}

func (b *builder) prefixList(name string) *PrefixList {
	for _, p := range b.lab.PrefixLists {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func (b *builder) policy(name string) *Policy {
	for _, p := range b.lab.Policies {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func (b *builder) buildPolicies(f *fileHCL) {
	seen := names{}
	for _, r := range f.Policies {
		if !b.unique(seen, "policy", r.Name, r.DefRange, MaxName) {
			continue
		}
		pol := &Policy{Name: r.Name, Default: "accept", Range: r.DefRange, Terms: []PolicyTerm{}}
		if r.Default != nil {
			if p := oneOf("default", *r.Default, "accept", "reject"); p != "" {
				b.errf(attr(r.Body, "default", r.DefRange), "Invalid default", "%s", p)
			} else {
				pol.Default = *r.Default
			}
		}
		terms := names{}
		for _, t := range r.Terms {
			if !b.unique(terms, "term", t.Name, t.DefRange, MaxName) {
				continue
			}
			term := PolicyTerm{Name: t.Name, Action: "accept", PrefixList: str(t.PrefixList), ASPath: str(t.ASPath), Community: str(t.Community)}
			if t.PrefixList != nil && b.prefixList(*t.PrefixList) == nil {
				b.errf(attr(t.Body, "prefix_list", t.DefRange), "Unknown prefix list", "No prefix_list %q is defined.", *t.PrefixList)
			}
			if t.ASPath != nil {
				if _, err := regexp.Compile(*t.ASPath); err != nil {
					b.errf(attr(t.Body, "as_path", t.DefRange), "Invalid as_path", "as_path %q is not a valid regular expression: %v", *t.ASPath, err)
				}
			}
			if t.Community != nil {
				if p := checkCommunity(*t.Community); p != "" {
					b.errf(attr(t.Body, "community", t.DefRange), "Invalid community", "%s", p)
				}
			}
			for i, c := range t.AddCommunities {
				if p := checkCommunity(c); p != "" {
					b.errf(elem(t.Body, "add_communities", i, t.DefRange), "Invalid community", "%s", p)
				}
			}
			term.AddCommunities = t.AddCommunities
			if t.Action != nil {
				if p := oneOf("action", *t.Action, "accept", "reject", "next"); p != "" {
					b.errf(attr(t.Body, "action", t.DefRange), "Invalid action", "%s", p)
				} else {
					term.Action = *t.Action
				}
			}
			u32 := func(name string, v *int64) *uint32 {
				if v == nil {
					return nil
				}
				if *v < 0 || *v > 4294967295 {
					b.errf(attr(t.Body, name, t.DefRange), "Value out of range", "%s %d is out of range: use 0 to 4294967295.", name, *v)
					return nil
				}
				x := uint32(*v)
				return &x
			}
			term.SetLocalPref, term.SetMED = u32("set_local_pref", t.SetLocalPref), u32("set_med", t.SetMED)
			if t.Prepend != nil {
				if *t.Prepend < 0 || *t.Prepend > 16 {
					b.errf(attr(t.Body, "prepend", t.DefRange), "Value out of range", "prepend %d is out of range: use 0 to 16.", *t.Prepend)
				} else {
					term.Prepend = int(*t.Prepend)
				}
			}
			pol.Terms = append(pol.Terms, term)
		}
		b.lab.Policies = append(b.lab.Policies, pol)
	}
}

// declareNodes checks node names across routers, hosts and instances, and
// orders the nodes as the file does.
func (b *builder) declareNodes(f *fileHCL) {
	type decl struct {
		name string
		kind NodeKind
		def  hcl.Range
	}
	var all []decl
	for _, r := range f.Routers {
		all = append(all, decl{r.Name, KindRouter, r.DefRange})
	}
	for _, r := range f.Hosts {
		all = append(all, decl{r.Name, KindHost, r.DefRange})
	}
	for _, r := range f.Instances {
		all = append(all, decl{r.Name, KindInstance, r.DefRange})
	}
	for _, r := range f.Switches {
		all = append(all, decl{r.Name, KindSwitch, r.DefRange})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].def.Start.Byte < all[j].def.Start.Byte })
	seen := names{}
	for _, d := range all {
		if p := checkName(d.name, MaxNodeName); p != "" {
			b.errf(b.label(d.def, 0), "Invalid name", "%s %s", d.kind, p)
			b.badNodes[d.name] = true // links to it are not reported again
			continue
		}
		if prev, dup := seen[d.name]; dup {
			b.errf(b.label(d.def, 0), "Duplicate node name", "%s %q: a node of that name is already defined at %s (routers, hosts, instances and switches share one name space).", d.kind, d.name, where(prev))
			continue
		}
		seen[d.name] = d.def
		b.nodeDecl[d.name] = d.def
		b.lab.Nodes = append(b.lab.Nodes, &Node{Name: d.name, Kind: d.kind, Hostname: d.name, Range: d.def})
	}
	for _, r := range f.Routers {
		if b.nodeDecl[r.Name] == r.DefRange {
			b.routerRaw[r.Name] = r
		}
	}
	for _, r := range f.Hosts {
		if b.nodeDecl[r.Name] == r.DefRange {
			b.hostRaw[r.Name] = r
		}
	}
	for _, r := range f.Instances {
		if b.nodeDecl[r.Name] == r.DefRange {
			b.instRaw[r.Name] = r
		}
	}
	for _, r := range f.Switches {
		if b.nodeDecl[r.Name] == r.DefRange {
			b.switchRaw[r.Name] = r
		}
	}
}

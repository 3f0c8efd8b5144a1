package bgp

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"

	"github.com/netemu/netemu/routing/bgp/wire"
)

// PrefixList is a named, ordered list of prefix matches. It mirrors the
// lab file's prefix_list (routing/agent converts one into the other) so
// the speaker does not depend on the lab model.
type PrefixList struct {
	Name    string            `json:"name"`
	Entries []PrefixListEntry `json:"entries"`
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
	Default string `json:"default"`
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

// Policies evaluates the lab's named policies and prefix lists.
type Policies struct {
	policies map[string]*Policy
	lists    map[string]*PrefixList
	paths    map[string]*regexp.Regexp
	comms    map[string]uint32
}

// NewPolicies compiles the policies' regular expressions and communities.
func NewPolicies(pols []*Policy, lists []*PrefixList) (*Policies, error) {
	p := &Policies{
		policies: map[string]*Policy{},
		lists:    map[string]*PrefixList{},
		paths:    map[string]*regexp.Regexp{},
		comms:    map[string]uint32{},
	}
	for _, l := range lists {
		p.lists[l.Name] = l
	}
	for _, pol := range pols {
		p.policies[pol.Name] = pol
		for _, t := range pol.Terms {
			if t.PrefixList != "" && p.lists[t.PrefixList] == nil {
				return nil, fmt.Errorf("policy %q term %q: unknown prefix list %q", pol.Name, t.Name, t.PrefixList)
			}
			if t.ASPath != "" {
				re, err := regexp.Compile(t.ASPath)
				if err != nil {
					return nil, fmt.Errorf("policy %q term %q: as_path: %w", pol.Name, t.Name, err)
				}
				p.paths[t.ASPath] = re
			}
			for _, c := range append([]string{t.Community}, t.AddCommunities...) {
				if c == "" {
					continue
				}
				v, err := wire.ParseCommunity(c)
				if err != nil {
					return nil, fmt.Errorf("policy %q term %q: %w", pol.Name, t.Name, err)
				}
				p.comms[c] = v
			}
		}
	}
	return p, nil
}

// Has reports whether a policy is defined.
func (p *Policies) Has(name string) bool { return p.policies[name] != nil }

// MatchPrefixList reports whether the list permits prefix: the first
// matching entry decides; no match denies.
func MatchPrefixList(l *PrefixList, prefix netip.Prefix) bool {
	for _, e := range l.Entries {
		if entryMatches(e, prefix) {
			return e.Action != "deny"
		}
	}
	return false
}

func entryMatches(e PrefixListEntry, q netip.Prefix) bool {
	p := e.Prefix
	if !p.Contains(q.Addr()) || q.Bits() < p.Bits() {
		return false
	}
	if e.GE == 0 && e.LE == 0 {
		return q.Bits() == p.Bits()
	}
	lo, hi := p.Bits(), 32
	if e.GE != 0 {
		lo = e.GE
	}
	if e.LE != 0 {
		hi = e.LE
	}
	return q.Bits() >= lo && q.Bits() <= hi
}

// Apply runs policy name over a route, modifying a in place, and reports
// whether the route is accepted. An unknown name accepts unchanged.
func (p *Policies) Apply(name string, prefix netip.Prefix, a *wire.PathAttrs, localAS uint32) bool {
	pol := p.policies[name]
	if pol == nil {
		return true
	}
	for _, t := range pol.Terms {
		if !p.matches(&t, prefix, a) {
			continue
		}
		switch t.Action {
		case "reject":
			return false
		case "accept", "":
			p.set(&t, a, localAS)
			return true
		default: // "next": modify and go on
			p.set(&t, a, localAS)
		}
	}
	return pol.Default != "reject"
}

func (p *Policies) matches(t *PolicyTerm, prefix netip.Prefix, a *wire.PathAttrs) bool {
	if t.PrefixList != "" && !MatchPrefixList(p.lists[t.PrefixList], prefix) {
		return false
	}
	if t.ASPath != "" {
		if re := p.paths[t.ASPath]; re == nil || !re.MatchString(a.ASPath.String()) {
			return false
		}
	}
	if t.Community != "" {
		if c, ok := p.comms[t.Community]; !ok || !a.HasCommunity(c) {
			return false
		}
	}
	return true
}

func (p *Policies) set(t *PolicyTerm, a *wire.PathAttrs, localAS uint32) {
	if t.SetLocalPref != nil {
		a.HasLocalPref, a.LocalPref = true, *t.SetLocalPref
	}
	if t.SetMED != nil {
		a.HasMED, a.MED = true, *t.SetMED
	}
	for _, s := range t.AddCommunities {
		if c, ok := p.comms[s]; ok && !slices.Contains(a.Communities, c) {
			a.Communities = append(a.Communities, c)
		}
	}
	if t.Prepend > 0 {
		a.ASPath = a.ASPath.Prepend(localAS, t.Prepend)
		a.HasASPath = true
	}
}

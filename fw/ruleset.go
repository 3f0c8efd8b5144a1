package fw

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Table is one iptables table as iptables-restore reads it. A whole table is
// always written at once, so applying it replaces every rule atomically.
type Table struct {
	Name   string
	Chains []*Chain
}

// Chain is a built-in chain (Policy set) or a user chain (Policy "").
type Chain struct {
	Name   string
	Policy string
	Rules  []Rule
}

// Rule is one iptables rule. Match and Target are iptables arguments; the
// comment goes between them so `iptables -L` shows it next to the rule.
type Rule struct {
	Match   []string
	Target  []string
	Comment string
	// Disabled rules are written as '#' comment lines: a reference to a
	// security group that has no running member matches nothing, but the
	// reader of the ruleset (and `netemu sg`) still sees it.
	Disabled bool
	// Ref says which security group or ACL rule this is, for `netemu sg`.
	Ref RuleRef
}

// RuleRef ties an iptables rule back to the model.
type RuleRef struct {
	// Kind is "sg", "acl", "drop" (a chain's final drop), "check" (the
	// source/destination check) or "" for plumbing.
	Kind      string `json:"kind,omitempty"`
	Group     string `json:"group,omitempty"` // security group or network ACL name
	Direction string `json:"direction,omitempty"`
	// Number is the 1-based position of the rule in its group's block, or
	// the ACL rule number.
	Number int `json:"number,omitempty"`
	// Text is the rule in words ("tcp 22 from 0.0.0.0/0").
	Text string `json:"text,omitempty"`
}

// Chain returns the table's chain named name, or nil.
func (t *Table) Chain(name string) *Chain {
	for _, c := range t.Chains {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// add appends a chain and returns it.
func (t *Table) add(name, policy string) *Chain {
	c := &Chain{Name: name, Policy: policy}
	t.Chains = append(t.Chains, c)
	return c
}

func (c *Chain) add(r Rule) { c.Rules = append(c.Rules, r) }

// Render returns the table in iptables-restore syntax, counters zeroed.
func (t *Table) Render() string {
	var b strings.Builder
	b.WriteString("*" + t.Name + "\n")
	for _, c := range t.Chains {
		p := c.Policy
		if p == "" {
			p = "-"
		}
		b.WriteString(":" + c.Name + " " + p + " [0:0]\n")
	}
	for _, c := range t.Chains {
		for _, r := range c.Rules {
			if r.Disabled {
				b.WriteString("# ")
			}
			b.WriteString("-A " + c.Name)
			for _, a := range r.Match {
				b.WriteString(" " + a)
			}
			if r.Comment != "" {
				b.WriteString(` -m comment --comment "` + sanitizeComment(r.Comment) + `"`)
			}
			for _, a := range r.Target {
				b.WriteString(" " + a)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

// RenderTables concatenates tables for one iptables-restore run.
func RenderTables(ts ...*Table) string {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.Render())
	}
	return b.String()
}

// maxComment is the kernel's limit for the comment match (256 with NUL).
const maxComment = 255

// sanitizeComment keeps a comment inside what iptables-restore's quoting
// and the comment match accept.
func sanitizeComment(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '"' || r == '\\':
			return '\''
		case r < 0x20 || r == 0x7f:
			return ' '
		}
		return r
	}, s)
	if len(s) > maxComment {
		s = s[:maxComment]
		// Do not leave half a UTF-8 sequence.
		for len(s) > 0 && s[len(s)-1]&0xc0 == 0x80 {
			s = s[:len(s)-1]
		}
		if len(s) > 0 && s[len(s)-1] >= 0xc0 {
			s = s[:len(s)-1]
		}
	}
	return s
}

// maxChain is iptables' limit on chain names (XT_EXTENSION_MAXNAMELEN-1).
const maxChain = 28

// chainName builds prefix+name+suffix; a name too long for iptables is cut
// and given a short hash so two long names never share a chain.
func chainName(prefix, name, suffix string) string {
	s := prefix + name + suffix
	if len(s) <= maxChain {
		return s
	}
	h := sha256.Sum256([]byte(name))
	tag := hex.EncodeToString(h[:3])
	keep := maxChain - len(prefix) - len(suffix) - len(tag) - 1
	return prefix + name[:keep] + "-" + tag + suffix
}

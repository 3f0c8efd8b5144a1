package lab

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agext/levenshtein"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/topo"
)

// Suggest is the closest of candidates to name, "" when none is close
// enough to be a typo (at most a third of the name's letters differ, or
// one is a prefix of the other).
func Suggest(name string, candidates []string) string {
	best, bestD := "", 0
	for _, c := range candidates {
		if c == name || c == "" {
			continue
		}
		d := levenshtein.Distance(strings.ToLower(name), strings.ToLower(c), nil)
		limit := max(len(name)/3, 1)
		if d > limit && !strings.HasPrefix(c, name) && !strings.HasPrefix(name, c) {
			continue
		}
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// DidYouMean is ` (did you mean "x"?)` for the closest candidate, or "".
func DidYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// NodeNames are every node of the labs running here (for suggestions
// and completion).
func NodeNames(states []*nodes.State) []string {
	var out []string
	for _, st := range states {
		out = append(out, st.Nodes...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// LabNames are the labs running here.
func LabNames(states []*nodes.State) []string {
	var out []string
	for _, st := range states {
		out = append(out, st.Lab)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// LinkNames are the links of a lab as `link down A B` takes them: "A B".
func LinkNames(l *topo.Lab) [][2]string {
	var out [][2]string
	for _, k := range l.Links {
		out = append(out, [2]string{k.A.Node, k.B.Node})
	}
	return out
}

package topo

import (
	"fmt"
	"sort"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// MaxFileSize is the largest lab file Load and Parse accept: far above
// any real lab (the 20,000-router benchmark file is under 3 MiB), and
// small enough that random or hostile input is refused before the HCL
// parser spends memory on it.
const MaxFileSize = 16 << 20

// errTooLarge is the refusal of a file over MaxFileSize.
func errTooLarge(name string, size int64) error {
	return fmt.Errorf("%s is %.1f MiB: a lab file may be at most %d MiB (is it the right file?)", name, float64(size)/(1<<20), MaxFileSize>>20)
}

// cascades are errors that one cause repeats for many blocks: a pool that
// ran out fails every later block that needs it. One is reported, with
// the count of the others.
var cascades = map[string][2]string{
	"Link pool exhausted":      {"link", "links"},
	"Loopback pool exhausted":  {"router", "routers"},
	"Public IP pool exhausted": {"address", "addresses"},
}

// collapse reports each error once: the uses of one unknown name become
// the first with the places of the others, and a cascade the first with
// a count. d must be sorted.
func collapse(d hcl.Diagnostics) hcl.Diagnostics {
	type group struct {
		first *hcl.Diagnostic
		lines []int
	}
	var out hcl.Diagnostics
	groups := map[string]*group{}
	for _, x := range d {
		// Each mistake stays its own error, but one unknown name used in
		// several places is one mistake.
		key := fmt.Sprintf("%p", x)
		if strings.HasPrefix(x.Summary, "Unknown ") {
			key = x.Summary + "\x00" + x.Detail
		}
		if _, ok := cascades[x.Summary]; ok {
			key = x.Summary
		}
		if g, ok := groups[key]; ok {
			if x.Subject != nil {
				g.lines = append(g.lines, x.Subject.Start.Line)
			} else {
				g.lines = append(g.lines, 0)
			}
			continue
		}
		c := *x
		groups[key] = &group{first: &c}
		out = append(out, &c)
	}
	for _, g := range groups {
		n := len(g.lines)
		if n == 0 {
			continue
		}
		if what, ok := cascades[g.first.Summary]; ok {
			g.first.Detail += fmt.Sprintf(" %d more %s found the pool empty as well.", n, plural(n, what[0], what[1]))
			continue
		}
		g.first.Detail += fmt.Sprintf(" The same error is at %d more %s (%s).", n, plural(n, "place", "places"), lineList(g.lines))
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// lineList is "lines 4, 9, 12" (the first few).
func lineList(lines []int) string {
	sort.Ints(lines)
	const show = 6
	var parts []string
	for i, l := range lines {
		if i == show {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprint(l))
	}
	return plural(len(lines), "line ", "lines ") + strings.Join(parts, ", ")
}

// afterDecodeErrors keeps the builder's diagnostics that are not inside a
// top-level block that already failed to decode: a block with a bad
// attribute is checked no further, so its one mistake is reported once,
// while the rest of the file is checked as usual.
func afterDecodeErrors(body hcl.Body, decode, built hcl.Diagnostics) hcl.Diagnostics {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	var failed []hcl.Range
	for _, d := range decode {
		if d.Subject == nil {
			continue
		}
		for _, blk := range sb.Blocks {
			if r := blk.Range(); r.ContainsOffset(d.Subject.Start.Byte) {
				failed = append(failed, r)
			}
		}
	}
	var out hcl.Diagnostics
	for _, d := range built {
		in := false
		for _, r := range failed {
			if d.Subject != nil && r.ContainsOffset(d.Subject.Start.Byte) {
				in = true
				break
			}
		}
		if !in {
			out = append(out, d)
		}
	}
	return out
}

// didYouMean is ` (did you mean "x"?)` when a candidate is close to name.
func didYouMean(name string, candidates []string) string {
	best, bestD := "", 0
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := levenshtein.Distance(strings.ToLower(name), strings.ToLower(c), nil)
		if d > max(len(name)/3, 1) {
			continue
		}
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// nodeNames are the nodes declared so far.
func (b *builder) nodeNames() []string {
	out := make([]string, 0, len(b.nodeDecl))
	for n := range b.nodeDecl {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

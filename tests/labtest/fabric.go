package labtest

import (
	"bytes"
	"fmt"
)

// FabricHCL is a lab of ases autonomous systems, each a data-centre
// fabric of spines and leaves (every leaf linked to two spines, or one
// when the AS has a single spine), RIP inside, fast timers; AS i's first
// spine has an eBGP link to AS i+1's first spine (a chain), and AS i
// originates 172.(16+i).0.0/16. Routers are named a<i>s<j> and a<i>l<j>.
// It is the shape issue 18 measures (3 ASes × (10 spines + 90 leaves)).
func FabricHCL(lab string, ases, spines, leaves int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "lab %q {\n  timers = \"fast\"\n  link_pool = \"10.128.0.0/10\"\n  loopback_pool = \"10.64.0.0/12\"\n}\n", lab)
	for a := range ases {
		fmt.Fprintf(&b, "autonomous_system \"as%d\" {\n  asn = %d\n  igp = \"rip\"\n  prefixes = [\"172.%d.0.0/16\"]\n}\n", a, 65001+a, 16+a)
		for s := range spines {
			fmt.Fprintf(&b, "router \"a%ds%d\" { as = \"as%d\" }\n", a, s, a)
		}
		for l := range leaves {
			fmt.Fprintf(&b, "router \"a%dl%d\" { as = \"as%d\" }\n", a, l, a)
		}
		for l := range leaves {
			fmt.Fprintf(&b, "link \"a%dl%d\" \"a%ds%d\" {}\n", a, l, a, l%spines)
			if spines > 1 {
				fmt.Fprintf(&b, "link \"a%dl%d\" \"a%ds%d\" {}\n", a, l, a, (l+1)%spines)
			}
		}
		if spines > 1 {
			// The spines of an AS in a ring, so the fabric stays connected
			// whatever the leaf count.
			for s := range spines {
				if spines == 2 && s == 1 {
					break
				}
				fmt.Fprintf(&b, "link \"a%ds%d\" \"a%ds%d\" {}\n", a, s, a, (s+1)%spines)
			}
		}
		if a > 0 {
			fmt.Fprintf(&b, "link \"a%ds0\" \"a%ds0\" {}\n", a-1, a)
		}
	}
	return b.Bytes()
}

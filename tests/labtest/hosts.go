package labtest

import (
	"bytes"
	"fmt"
)

// HostsHCL is a lab of n hosts, no daemons: routers r0 … in a chain
// (static routing), each with up to perRouter hosts h<i> linked to it.
// It measures how fast netemu builds namespaces and links in bulk.
func HostsHCL(lab string, n, perRouter int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "lab %q {\n  daemons = \"none\"\n  link_pool = \"10.128.0.0/10\"\n  loopback_pool = \"10.64.0.0/12\"\n}\n", lab)
	b.WriteString("autonomous_system \"core\" {\n  asn = 64512\n  igp = \"static\"\n}\n")
	routers := (n + perRouter - 1) / perRouter
	for r := range routers {
		fmt.Fprintf(&b, "router \"r%d\" { as = \"core\" }\n", r)
		if r > 0 {
			fmt.Fprintf(&b, "link \"r%d\" \"r%d\" {}\n", r-1, r)
		}
	}
	for h := range n {
		fmt.Fprintf(&b, "host \"h%d\" {}\nlink \"h%d\" \"r%d\" {}\n", h, h, h/perRouter)
	}
	return b.Bytes()
}

// LineHCL is h1 ── r1 ── h2 under static routing with no daemons, the
// smallest lab with a routed path. link1 and link2 are extra lines inside
// the h1–r1 and r1–h2 link blocks (impairments, a bandwidth); the
// subnets are fixed, 10.9.0.0/30 and 10.9.0.4/30, so h1 is 10.9.0.1 and
// h2 10.9.0.6.
func LineHCL(lab, link1, link2 string) []byte {
	return []byte(fmt.Sprintf(`lab %q { daemons = "none" }
autonomous_system "a" {
  asn = 64512
  igp = "static"
}
router "r1" { as = "a" }
host "h1" {}
host "h2" {}
link "h1" "r1" {
  subnet = "10.9.0.0/30"
%s
}
link "r1" "h2" {
  subnet = "10.9.0.4/30"
%s
}
`, lab, link1, link2))
}

package topo_test

import (
	"fmt"

	"github.com/netemu/netemu/topo"
)

// A tiny lab: two routers of one AS and a laptop. Links without a subnet get
// /30s from the link pool, routers get loopbacks, and the laptop's default
// gateway is the router at the other end of its only link.
func ExampleParse() {
	src := `
lab "tiny" { timers = "fast" }

autonomous_system "isp" {
  asn = 64500
  igp = "rip"
}

router "r1" { as = "isp" }
router "r2" { as = "isp" }
host "laptop" {}

link "r1" "r2" {}
link "r2" "laptop" { subnet = "198.51.100.0/29" }
`
	lab, err := topo.Parse([]byte(src), "tiny.hcl")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range lab.Nodes {
		fmt.Printf("%s (%s)", n.Name, n.Kind)
		if n.Loopback.IsValid() {
			fmt.Printf(" loopback %s", n.Loopback)
		}
		fmt.Println()
		for _, i := range n.Interfaces {
			fmt.Printf("  %s %s -> %s\n", i.Name, i.Addr, i.Peer)
		}
		for _, r := range n.Routes {
			fmt.Printf("  route %s via %s\n", r.To, r.Via)
		}
	}
	// Output:
	// r1 (router) loopback 100.127.0.1/32
	//   eth0 100.64.0.1/30 -> r2
	// r2 (router) loopback 100.127.0.2/32
	//   eth0 100.64.0.2/30 -> r1
	//   eth1 198.51.100.1/29 -> laptop
	// laptop (host)
	//   eth0 198.51.100.2/29 -> r2
	//   route 0.0.0.0/0 via 198.51.100.1
}

// A mistake is reported with its place in the file and the source line.
func ExampleParse_diagnostics() {
	src := `lab "oops" {}
autonomous_system "isp" { asn = 64500 }
router "r1" { as = "isp" }
link "r1" "r9" {}
`
	_, err := topo.Parse([]byte(src), "oops.hcl")
	fmt.Println(err)
	// Output:
	// oops.hcl:4:11: error: Unknown node: no router, host or switch "r9" is defined (did you mean "r1"?).
	//     4 | link "r1" "r9" {}
	//       |           ^^^^
}

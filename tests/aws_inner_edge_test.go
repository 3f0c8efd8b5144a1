package tests

import (
	"fmt"
	"testing"
	"time"

	"github.com/netemu/netemu/tests/labtest"
)

// TestVPCBehindBorderRouter: a VPC's edge router need not be its AS's
// border router. The edge originates the public pool into iBGP; the
// border must pass it to its provider like the AS's own prefixes
// (valley-free lets an AS's own routes go up), so the Internet reaches the
// instance's public IP.
func TestVPCBehindBorderRouter(t *testing.T) {
	labtest.RequireRoot(t)
	lab := labtest.UniqueName("inedge")
	src := fmt.Sprintf(`lab %q {
  timers = "fast"
}
autonomous_system "isp" {
  asn      = 64600
  prefixes = ["198.18.0.0/24"]
}
autonomous_system "cloud" { asn = 64601 }
router "isp1" { as = "isp" }
router "border" { as = "cloud" }
router "edge" { as = "cloud" }
host "pc" {}
link "isp1" "pc" { subnet = "198.18.0.0/24" }
link "border" "isp1" { relationship = "provider" }
link "border" "edge" {}
vpc "v" {
  cidr           = "10.20.0.0/16"
  edge           = "edge"
  public_ip_pool = "203.0.113.0/28"
}
subnet "pub" {
  cidr   = "10.20.1.0/24"
  public = true
}
security_group "ping" {
  ingress {
    protocol = "icmp"
    cidr     = "0.0.0.0/0"
  }
}
instance "i" {
  subnet          = "pub"
  security_groups = ["ping"]
}
`, lab)
	upLab(t, labtest.WriteFile(t, lab+".hcl", []byte(src)))
	pub, _ := awsSG(t, lab, "i")
	if !pub.IsValid() {
		t.Fatal("i has no public IP")
	}
	labtest.Eventually(t, 20*time.Second, labtest.Until("pc pings i's public IP "+pub.String(), func() bool {
		_, err := execErr(t, lab, "pc", "ping", "-c1", "-W1", pub.String())
		return err == nil
	}))
}

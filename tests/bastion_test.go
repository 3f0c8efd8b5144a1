package tests

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/netemu/netemu/tests/labtest"
)

// TestSSHThroughBastion: an instance in a private subnet has no public
// IP by default (as AWS's map-public-ip-on-launch); `netemu ssh` says so
// and names a bastion, and `ssh --jump bastion` reaches it through the
// bastion's public IP, admitted by a security group that names the
// bastion's group.
func TestSSHThroughBastion(t *testing.T) {
	labtest.RequireRoot(t)
	lab := labtest.UniqueName("bastion")
	src := fmt.Sprintf(`lab %q {
  timers = "fast"
}
autonomous_system "isp" {
  asn      = 64600
  prefixes = ["198.18.0.0/24"]
}
autonomous_system "cloud" {
  asn = 16509
  igp = "static"
}
router "isp1" { as = "isp" }
router "edge" { as = "cloud" }
host "laptop" {}
link "isp1" "laptop" { subnet = "198.18.0.0/24" }
link "isp1" "edge" {}
vpc "main" {
  cidr           = "10.20.0.0/16"
  edge           = "edge"
  public_ip_pool = "203.0.113.0/28"
}
subnet "pub" {
  vpc    = "main"
  cidr   = "10.20.1.0/24"
  public = true
}
subnet "priv" {
  vpc  = "main"
  cidr = "10.20.2.0/24"
}
key_pair "ops" {}
key_pair "app" {}
security_group "bastion-sg" {
  vpc = "main"
  ingress {
    protocol = "tcp"
    ports    = "22"
    cidr     = "0.0.0.0/0"
  }
}
security_group "app-sg" {
  vpc = "main"
  ingress {
    protocol       = "tcp"
    ports          = "22"
    security_group = "bastion-sg"
  }
}
instance "bastion" {
  subnet          = "pub"
  key_pair        = "ops"
  security_groups = ["bastion-sg"]
  service "sshd" {}
}
instance "app" {
  subnet          = "priv"
  key_pair        = "app"
  security_groups = ["app-sg"]
  service "sshd" {}
}
`, lab)
	upLab(t, labtest.WriteFile(t, lab+".hcl", []byte(src)))
	public := map[string]string{}
	for _, n := range statusJSON(t, lab).Nodes {
		if n.PublicIP != "" {
			public[n.Name] = n.PublicIP
		}
	}
	if status := public; !reflect.DeepEqual(status, map[string]string{"bastion": "203.0.113.1"}) {
		t.Errorf("public IPs %+v: bastion should hold the pool's first and app none", status)
	}
	_, errs, err := runNetemu(t, "--lab", lab, "ssh", "app", "--", "hostname")
	if err == nil || !strings.Contains(errs, "no public IP") || !strings.Contains(errs, "--jump bastion app") {
		t.Errorf("ssh app without a public IP: err %v, stderr %s", err, errs)
	}
	out := netemu(t, "--lab", lab, "ssh", "--jump", "bastion", "app", "--", "sh", "-c", `hostname; echo "$SSH_CONNECTION"`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || lines[0] != "ip-10-20-2-4" || !strings.HasPrefix(lines[1], "10.20.1.4 ") {
		t.Errorf("ssh --jump bastion app: want app's hostname and a connection from the bastion, got %q", out)
	}
}

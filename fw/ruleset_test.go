package fw_test

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/fw/fwtest"
	"github.com/netemu/netemu/topo"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*topo.Lab, *fw.State)
	}{
		{"all-running", nil},
		{"web-stopped", func(l *topo.Lab, st *fw.State) {
			if err := st.Stop(l, "web"); err != nil {
				t.Fatal(err)
			}
		}},
		// web-sg empty: references to it become comment lines.
		{"web-app-stopped", func(l *topo.Lab, st *fw.State) {
			for _, n := range []string{"web", "app"} {
				if err := st.Stop(l, n); err != nil {
					t.Fatal(err)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lab := fwtest.Lab("t")
			st := initState(t, lab)
			if tc.edit != nil {
				tc.edit(lab, st)
			}
			vpc := lab.VPCs[0]
			filter, err := fw.VPCRouterFilter(lab, vpc, st)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".vpc-router", filter.Render())
			nat, igwFilter, err := fw.IGWTables(lab, vpc, st)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".igw", fw.RenderTables(nat, igwFilter))
		})
	}
}

func TestRulesetProperties(t *testing.T) {
	lab := fwtest.Lab("t")
	st := initState(t, lab)
	filter, err := fw.VPCRouterFilter(lab, lab.VPCs[0], st)
	if err != nil {
		t.Fatal(err)
	}
	text := filter.Render()
	for _, want := range []string{
		// Stateful before any allow rule.
		`-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "stateful: replies to allowed traffic" -j ACCEPT`,
		// A group reference expands to the member's private IP.
		`-A sg-db-sg-in -s 10.0.1.10/32 -p tcp -m tcp --dport 3306 -m comment --comment "db-sg ingress #1: tcp 3306 from web-sg (10.0.1.10)" -j ACCEPT`,
		// app is in web-sg too: a union, so it is a member as well.
		`-s 10.0.2.10/32 -p tcp -m tcp --dport 3306`,
		// Empty egress allows all outbound.
		`-A sg-web-sg-out -m comment --comment "web-sg egress: no egress rules: all outbound allowed" -j to-dest`,
		// ICMP and port ranges.
		`-A sg-web-sg-in -p icmp -m comment --comment "web-sg ingress #2: icmp from 0.0.0.0/0" -j ACCEPT`,
		`-A sg-app-sg-in -s 10.0.3.0/24 -p tcp -m tcp --dport 8000:8099`,
		// Dropped, not refused.
		`-A i-db-in -m comment --comment "db ingress: no rule matched: drop" -j DROP`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("ruleset lacks %q", want)
		}
	}
	if strings.Contains(text, "REJECT") {
		t.Error("ruleset rejects: SG denials must drop")
	}
	// NACL rules follow their numbers, not file order.
	acl := filter.Chain(fw.ACLChain("priv-acl", "inbound"))
	if acl == nil || len(acl.Rules) != 3 || acl.Rules[0].Ref.Number != 100 || acl.Rules[1].Ref.Number != 200 {
		t.Fatalf("priv-acl inbound chain out of order: %+v", acl)
	}
	if acl.Rules[0].Target[1] != "DROP" || acl.Rules[1].Target[1] != "RETURN" || acl.Rules[2].Target[1] != "DROP" {
		t.Errorf("priv-acl inbound targets: %+v", acl.Rules)
	}
}

func TestGroupReferenceFollowsMembers(t *testing.T) {
	lab := fwtest.Lab("t")
	st := initState(t, lab)
	for _, n := range []string{"web", "app"} {
		if err := st.Stop(lab, n); err != nil {
			t.Fatal(err)
		}
	}
	filter, err := fw.VPCRouterFilter(lab, lab.VPCs[0], st)
	if err != nil {
		t.Fatal(err)
	}
	c := filter.Chain(fw.SGChain("db-sg", "ingress"))
	for _, r := range c.Rules {
		if !r.Disabled {
			t.Errorf("with web-sg empty, db-sg rule %q should be disabled", r.Comment)
		}
	}
	if !strings.Contains(filter.Render(), `# -A sg-db-sg-in -m comment --comment "db-sg ingress #1: tcp 3306 from web-sg: no running member" -j ACCEPT`) {
		t.Error("disabled rule not rendered as a comment line")
	}
}

func TestProtoErrors(t *testing.T) {
	for _, r := range []topo.SGRule{
		{Protocol: "sctp", CIDRs: fwtestAll()},
		{Protocol: "tcp", FromPort: 30, ToPort: 20, CIDRs: fwtestAll()},
		{Protocol: "tcp", FromPort: 22, ToPort: 22},
	} {
		lab := fwtest.Lab("t")
		lab.SecurityGroups[0].Ingress = []topo.SGRule{r}
		if _, err := fw.VPCRouterFilter(lab, lab.VPCs[0], initState(t, lab)); err == nil {
			t.Errorf("rule %+v: no error", r)
		}
	}
}

func TestChainNameLimit(t *testing.T) {
	long := strings.Repeat("a", 40)
	n1, n2 := fw.SGChain(long+"x", "ingress"), fw.SGChain(long+"y", "ingress")
	if len(n1) > 28 || len(n2) > 28 || n1 == n2 {
		t.Errorf("chain names %q, %q: too long or equal", n1, n2)
	}
	if got := fw.SGChain("web-sg", "egress"); got != "sg-web-sg-out" {
		t.Errorf("SGChain = %q", got)
	}
}

func TestPolicyRoutes(t *testing.T) {
	lab := fwtest.Lab("t")
	rs, err := fw.PolicyRoutes(lab, lab.VPCs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("got %d subnet tables, want 2", len(rs))
	}
	if rs[0].Subnet != "public" || rs[0].Gateway != a("100.64.0.5") || rs[0].Table != 101 {
		t.Errorf("public: %+v", rs[0])
	}
	if rs[1].Subnet != "private" || rs[1].Gateway.IsValid() || rs[1].Table != 102 {
		t.Errorf("private subnet must have no Internet route: %+v", rs[1])
	}
}

func fwtestAll() []netip.Prefix { return []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")} }

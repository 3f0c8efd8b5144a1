package fw_test

import (
	"fmt"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/fw/fwtest"
)

// The internet gateway's tables for the test VPC: web holds the bottom of
// the pool, db its Elastic IP; app (public_ip = "none") is not translated
// and so does not reach the Internet.
func ExampleIGWTables() {
	lab := fwtest.Lab("demo")
	st := fw.NewState()
	if err := st.Init(lab, lab.VPCs[0]); err != nil {
		panic(err)
	}
	nat, _, err := fw.IGWTables(lab, lab.VPCs[0], st)
	if err != nil {
		panic(err)
	}
	fmt.Print(nat.Render())
	// Output:
	// *nat
	// :PREROUTING ACCEPT [0:0]
	// :INPUT ACCEPT [0:0]
	// :OUTPUT ACCEPT [0:0]
	// :POSTROUTING ACCEPT [0:0]
	// -A PREROUTING -d 203.0.113.129/32 -m comment --comment "web: 203.0.113.129 -> 10.0.1.10" -j DNAT --to-destination 10.0.1.10
	// -A PREROUTING -d 203.0.113.134/32 -m comment --comment "db: 203.0.113.134 -> 10.0.1.20" -j DNAT --to-destination 10.0.1.20
	// -A POSTROUTING -s 10.0.1.10/32 -o eth0 -m comment --comment "web: leaves as 203.0.113.129" -j SNAT --to-source 203.0.113.129
	// -A POSTROUTING -s 10.0.1.10/32 -o eth1 -m conntrack --ctstate DNAT -m comment --comment "web: to a public IP of the VPC, as 203.0.113.129" -j SNAT --to-source 203.0.113.129
	// -A POSTROUTING -s 10.0.1.20/32 -o eth0 -m comment --comment "db: leaves as 203.0.113.134" -j SNAT --to-source 203.0.113.134
	// -A POSTROUTING -s 10.0.1.20/32 -o eth1 -m conntrack --ctstate DNAT -m comment --comment "db: to a public IP of the VPC, as 203.0.113.134" -j SNAT --to-source 203.0.113.134
	// COMMIT
}

// Public IPs across a stop and a start: the auto address changes, the
// Elastic IP does not.
func ExampleState_Start() {
	lab := fwtest.Lab("demo")
	st := fw.NewState()
	if err := st.Init(lab, lab.VPCs[0]); err != nil {
		panic(err)
	}
	fmt.Println("web", st.PublicIP("web"), "db", st.PublicIP("db"))
	for _, n := range []string{"web", "db"} {
		if err := st.Stop(lab, n); err != nil {
			panic(err)
		}
	}
	fmt.Println("stopped: web", st.PublicIP("web").IsValid(), "db", st.PublicIP("db").IsValid())
	web, _ := st.Start(lab, "web")
	db, _ := st.Start(lab, "db")
	fmt.Println("web", web, "db", db)
	// Output:
	// web 203.0.113.129 db 203.0.113.134
	// stopped: web false db false
	// web 203.0.113.130 db 203.0.113.134
}

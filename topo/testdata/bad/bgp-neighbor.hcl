lab "neigh" {}
autonomous_system "a" { asn = 65001 }
autonomous_system "b" { asn = 65002 }
autonomous_system "c" { asn = 65003 }
router "a1" {
  as = "a"
  bgp {
    neighbor "192.0.2.9" {}
    neighbor "c1" { import = "p" }
    neighbor "b1" { asn = 65009 }
    neighbor "a1" {}
    neighbor "h" {}
    neighbor "a2" { export = "missing" }
    neighbor "a2" {}
    neighbor "2001:db8::1" { asn = 65010 }
  }
}
router "a2" { as = "a" }
router "b1" { as = "b" }
router "c1" { as = "c" }
host "h" {}
link "a1" "b1" {}
link "b1" "c1" {}
link "a1" "h" {}
policy "p" {}

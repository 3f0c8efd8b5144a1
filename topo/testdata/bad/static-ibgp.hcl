lab "static-ibgp" {}
autonomous_system "isp" { asn = 64500 }
autonomous_system "dc" {
  asn = 64501
  igp = "static"
}
router "i1" { as = "isp" }
router "c1" {
  as = "dc"
  route {
    to  = "0.0.0.0/0"
    via = "100.64.0.6"
  }
}
router "c2" { as = "dc" } # no route back to c1's loopback
link "i1" "c1" {}
link "c1" "c2" {}

lab "machines" {}
autonomous_system "isp" { asn = 64500 }
machine "m1" { address = "192.0.2.11" }
machine "m2" { address = "192.0.2.11" }
machine "m3" { address = "192.0.2.300" }
router "r1" {
  as      = "isp"
  machine = "m1"
}
router "r2" {
  as      = "isp"
  machine = "m4"
}

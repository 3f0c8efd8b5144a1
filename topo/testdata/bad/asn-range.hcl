lab "asn" {}
autonomous_system "zero" { asn = 0 }
autonomous_system "big" { asn = 4294967295 }
autonomous_system "none" {}
autonomous_system "ok" { asn = 64500 }
autonomous_system "same" { asn = 64500 }
router "r1" {
  as = "ok"
  bgp {
    neighbor "192.0.2.2" { asn = 5000000000 }
    neighbor "192.0.2.3" {}
  }
}

autonomous_system "isp" { asn = 64500 }
router "r1" { as = "isp" }
